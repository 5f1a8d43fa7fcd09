import fs from 'node:fs';
import { METRIC, type ServiceName, type SqsBatchHandler, serviceNames } from '@ohlcv/core';
import { fixedClock } from '@ohlcv/core/contracts/in-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveHome } from '../home.ts';
import { openStateDb, type StateDb } from '../state-db.ts';
import { LocalMetrics } from './local-metrics.ts';
import { type HandlerFactory, LocalRuntime } from './runtime.ts';
import { tempDir } from './testing/runtime-kit.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tempDb(): { file: string; open: () => StateDb } {
  const dir = tempDir('ohlcv-metrics-');
  const file = `${dir}/state/state.db`;
  const dbs: StateDb[] = [];
  cleanups.push(() => {
    for (const d of dbs) if (d.open) d.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    file,
    open: () => {
      const db = openStateDb(file);
      dbs.push(db);
      return db;
    },
  };
}

describe('LocalMetrics on SQLite', () => {
  it('a second connection (another process) sees last values and 1h sums per series', () => {
    const clock = fixedClock('2024-03-11T15:00:00Z');
    const db = tempDb();
    const writer = new LocalMetrics(db.open(), { clock });
    const ingestion = writer.forService('ingestion');
    const alerts = writer.forService('quality-alert');

    ingestion.count(METRIC.barsIngested, 100);
    clock.advance(90 * 60_000); // 16:30: the first point leaves the 1h window
    ingestion.count(METRIC.barsIngested, 30);
    ingestion.count(METRIC.barsIngested, 12);
    ingestion.gauge(METRIC.latestBarAgeSeconds, 300, 'Seconds', { symbol: 'AAPL' });
    ingestion.gauge(METRIC.latestBarAgeSeconds, 90, 'Seconds', { symbol: 'AAPL' });
    ingestion.gauge(METRIC.latestBarAgeSeconds, 60, 'Seconds', { symbol: 'BTC/USD' });
    alerts.count(METRIC.alertsRaised, 1, { kind: 'job-failed' });
    ingestion.count(METRIC.barsIngested, Number.NaN); // ignored

    const reader = new LocalMetrics(db.open(), { clock });
    const rows = reader.summary();
    expect(rows).toEqual([
      {
        name: 'AlertsRaised',
        service: 'quality-alert',
        dims: { kind: 'job-failed' },
        unit: 'Count',
        last: 1,
        lastAt: '2024-03-11T16:30:00.000Z',
        sum: 1,
        points: 1,
      },
      {
        name: 'BarsIngested',
        service: 'ingestion',
        dims: {},
        unit: 'Count',
        last: 12,
        lastAt: '2024-03-11T16:30:00.000Z',
        sum: 42,
        points: 2,
      },
      expect.objectContaining({
        name: 'LatestBarAgeSeconds',
        dims: { symbol: 'AAPL' },
        unit: 'Seconds',
        last: 90,
        points: 2,
      }),
      expect.objectContaining({ name: 'LatestBarAgeSeconds', dims: { symbol: 'BTC/USD' }, last: 60 }),
    ]);
    // Two hours later nothing is in the window, the last values stay.
    clock.advance(2 * 3_600_000);
    const later = reader.summary().find((r) => r.name === 'BarsIngested');
    expect(later).toMatchObject({ last: 12, sum: 0, points: 0 });
  });

  it('keeps a bounded history: by age and by row count', () => {
    const clock = fixedClock('2024-03-11T00:00:00Z');
    const db = tempDb();
    const handle = db.open();
    const m = new LocalMetrics(handle, { clock, retentionMs: 3_600_000, maxPoints: 300 });
    const svc = m.forService('etl-trigger');
    for (let i = 0; i < 10; i++) svc.count(METRIC.jobRunsStarted, 1);
    clock.advance(2 * 3_600_000);
    expect(m.prune()).toBe(10);
    // 1000 points: pruning every 500 keeps the table near the cap, the final prune exactly at it.
    for (let i = 0; i < 1000; i++) svc.count(METRIC.objectsCoalesced, i);
    const count = () => (handle.prepare('SELECT COUNT(*) AS n FROM metric_points').get() as { n: number }).n;
    expect(count()).toBeLessThanOrEqual(800);
    m.prune();
    expect(count()).toBe(300);
    expect(m.summary()[0]).toMatchObject({ name: 'ObjectsCoalesced', last: 999, points: 300 });
  });
});

describe('the runtime wires metrics into the services', () => {
  it('each service gets a port tagged with its name; status reports the series', async () => {
    const root = tempDir('ohlcv-metrics-home-');
    cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
    const rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: root }, '/') });
    const noop: SqsBatchHandler = async () => ({ batchItemFailures: [] });
    const factories = Object.fromEntries(
      serviceNames.map((name): [ServiceName, HandlerFactory] => [
        name,
        (_rt, _logger, metrics) => {
          metrics.count(METRIC.jobRunsStarted, 1);
          return noop;
        },
      ]),
    ) as Record<ServiceName, HandlerFactory>;
    try {
      rt.attachServices(factories);
      const series = rt.status().metrics;
      expect(series.map((s) => s.service).sort()).toEqual([...serviceNames].sort());
      expect(series.every((s) => s.name === 'JobRunsStarted' && s.sum === 1)).toBe(true);
    } finally {
      await rt.close();
    }
  });
});
