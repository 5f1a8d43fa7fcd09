/**
 * The Metrics port on the runtime's SQLite file: every data point is a row, so
 * `ohlcv status` in another process reads what `ohlcv start` emits. Retention is bounded
 * by age and by row count; pruning runs every few hundred points.
 */
import {
  type Clock,
  dimensionsKey,
  type MetricDimensions,
  type MetricName,
  type Metrics,
  type MetricUnit,
  systemClock,
} from '@ohlcv/core';
import type { StateDb } from '../state-db.ts';

export interface LocalMetricsOptions {
  clock?: Clock;
  /** Points older than this are dropped. Default: 24 hours. */
  retentionMs?: number;
  /** At most this many points are kept. Default: 200 000. */
  maxPoints?: number;
}

/** One time series (metric and dimensions) as `status` shows it. */
export interface MetricSeriesSummary {
  name: string;
  /** The emitting service (the `service` dimension), `''` when none. */
  service: string;
  /** The other dimensions. */
  dims: MetricDimensions;
  unit: string;
  last: number;
  lastAt: string;
  /** Sum and number of points over the window (1 hour by default). */
  sum: number;
  points: number;
}

const HOUR = 3_600_000;
const PRUNE_EVERY = 500;

export class LocalMetrics {
  private readonly insert;
  private readonly pruneAgeStmt;
  private readonly pruneCountStmt;
  private readonly summaryStmt;
  private readonly clock: Clock;
  private readonly retentionMs: number;
  private readonly maxPoints: number;
  private written = 0;

  constructor(db: StateDb, opts: LocalMetricsOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.retentionMs = opts.retentionMs ?? 24 * HOUR;
    this.maxPoints = opts.maxPoints ?? 200_000;
    db.exec(`CREATE TABLE IF NOT EXISTS metric_points (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      dims TEXT NOT NULL,
      value REAL NOT NULL,
      unit TEXT NOT NULL,
      at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS metric_points_series ON metric_points (name, dims, id);
    CREATE INDEX IF NOT EXISTS metric_points_at ON metric_points (at);`);
    this.insert = db.prepare(
      'INSERT INTO metric_points (name, dims, value, unit, at) VALUES (?, ?, ?, ?, ?)',
    );
    this.pruneAgeStmt = db.prepare('DELETE FROM metric_points WHERE at < ?');
    this.pruneCountStmt = db.prepare(
      'DELETE FROM metric_points WHERE id <= (SELECT MAX(id) FROM metric_points) - ?',
    );
    // The newest point of each series carries its last value; the window sums are computed alongside.
    this.summaryStmt = db.prepare(`
      SELECT s.name, s.dims, p.unit, p.value AS last, p.at AS lastAt, s.sum, s.points
      FROM (
        SELECT name, dims, MAX(id) AS lastId,
          COALESCE(SUM(CASE WHEN at >= @since THEN value END), 0) AS sum,
          COUNT(CASE WHEN at >= @since THEN 1 END) AS points
        FROM metric_points GROUP BY name, dims
      ) s JOIN metric_points p ON p.id = s.lastId
      ORDER BY s.name, s.dims`);
  }

  /** The port for one service: every point carries `service`, as Powertools adds it on AWS. */
  forService(service: string): Metrics {
    return {
      count: (name, value, dims) => this.record(name, value, 'Count', { ...dims, service }),
      gauge: (name, value, unit, dims) => this.record(name, value, unit, { ...dims, service }),
    };
  }

  record(name: MetricName, value: number, unit: MetricUnit, dims: MetricDimensions = {}): void {
    if (!Number.isFinite(value)) return;
    try {
      this.insert.run(name, dimensionsKey(dims), value, unit, this.clock.now().toISOString());
      if (++this.written % PRUNE_EVERY === 0) this.prune();
    } catch {
      // A metric is never worth failing a record for (e.g. the database busy past its timeout).
    }
  }

  /** Drops points past retention and beyond the row cap; returns how many went. */
  prune(): number {
    const cutoff = new Date(this.clock.now().getTime() - this.retentionMs).toISOString();
    return this.pruneAgeStmt.run(cutoff).changes + this.pruneCountStmt.run(this.maxPoints).changes;
  }

  /** Every series with its last value, and its sum and point count over the last `windowMs`. */
  summary(windowMs = HOUR): MetricSeriesSummary[] {
    const since = new Date(this.clock.now().getTime() - windowMs).toISOString();
    const rows = this.summaryStmt.all({ since }) as {
      name: string;
      dims: string;
      unit: string;
      last: number;
      lastAt: string;
      sum: number;
      points: number;
    }[];
    return rows.map((r) => {
      const { service = '', ...dims } = JSON.parse(r.dims) as MetricDimensions;
      return {
        name: r.name,
        service,
        dims,
        unit: r.unit,
        last: r.last,
        lastAt: r.lastAt,
        sum: r.sum,
        points: r.points,
      };
    });
  }
}
