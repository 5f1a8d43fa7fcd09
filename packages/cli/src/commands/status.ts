import type { RuntimeStatus } from '@ohlcv/local';
import { formatOf, parse, table, toJson } from '../args.ts';
import type { Command } from '../command.ts';
import { withRuntime } from '../session.ts';

const usage = `Usage: ohlcv status [--format table|json]

Shows the embedded pipeline's state: whether a pipeline process is running, every
queue and DLQ (visible, in flight, delayed, oldest age), ETL job runs, raw objects seen,
catalog partitions, the ETL plan version new rows carry (plan_version), the latest events and the services' metrics (last value, and sum
over the last hour, per metric, service and dimensions — the ones CloudWatch alarms
watch on AWS). Ages read as durations (3h 04m); --format json keeps the raw numbers
(seconds). Safe to run while "ohlcv start" runs.`;

/** Seconds for reading: `42s`, `12m 05s`, `3h 04m`, `990d 19h` (JSON keeps the number). */
export function humanDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${two(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${two(Math.floor((s % 86_400) / 3600))}h`;
}

/** The catalog per table: partitions registered and schema version. */
export function catalogRows(catalog: unknown): Record<string, unknown>[] {
  return Object.entries(
    (catalog ?? {}) as Record<string, { partitions: number; schemaVersion: unknown }>,
  ).map(([t, c]) => ({
    table: `ohlcv.${t}`,
    partitions: c.partitions,
    schemaVersion: c.schemaVersion ?? '-',
  }));
}

/** Metric series as table rows: dimensions as k=v, numbers rounded, seconds as durations. */
export function metricRows(metrics: RuntimeStatus['metrics']): Record<string, unknown>[] {
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const value = (n: number, unit: string) => (unit === 'Seconds' ? humanDuration(n) : round(n));
  return metrics.map((m) => ({
    metric: m.name,
    service: m.service,
    dimensions:
      Object.entries(m.dims)
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '-',
    last: value(m.last, m.unit),
    unit: m.unit,
    sum1h: m.unit === 'Seconds' ? '-' : round(m.sum),
    points1h: m.points,
    lastAt: m.lastAt,
  }));
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'Queues, DLQs, job runs, catalog, recent events and metrics',
  usage,
  async run(argv, io) {
    const { values } = parse(argv, { format: { type: 'string', default: 'table' } });
    const format = formatOf(values.format);
    const s = await withRuntime(io, async (rt) => rt.status());
    if (format === 'json') {
      io.stdout(`${toJson(s)}\n`);
      return 0;
    }
    io.stdout(`data folder: ${s.home}\n`);
    io.stdout(
      `pipeline: ${s.engine ? `running (pid ${s.engine.pid}, ${s.engine.mode === 'start' ? '"ohlcv start"' : 'one-shot run'}, since ${s.engine.since})` : 'not running'}\n\n`,
    );
    io.stdout(
      table(
        s.queues.map((q) => ({
          ...q,
          oldest: q.visible + q.inFlight + q.delayed > 0 ? humanDuration(q.oldestAgeSeconds) : '-',
        })),
        ['queue', 'visible', 'inFlight', 'delayed', 'oldest'],
      ),
    );
    io.stdout(
      `\njob runs: ${Object.entries(s.jobs)
        .map(([k, v]) => `${k.toLowerCase()} ${v}`)
        .join(', ')}\n`,
    );
    io.stdout(`raw objects announced: ${s.rawObjectsAnnounced}\n`);
    io.stdout(`\ncatalog (database ${s.database}):\n${table(catalogRows(s.catalog))}\n`);
    io.stdout(
      `plan version: ${s.planVersion} (the plan_version of the rows new runs write; rows of an older one: ohlcv reprocess)\n\n`,
    );
    io.stdout(
      `recent events:\n${table(s.recentEvents.map((e) => ({ ...e, routedTo: e.routedTo.join(',') })))}`,
    );
    io.stdout(`\nmetrics (last value; sum and points over the last hour):\n${table(metricRows(s.metrics))}`);
    const dlqs = s.queues.filter((q) => q.queue.endsWith('-dlq') && q.visible + q.inFlight > 0);
    if (dlqs.length > 0)
      io.stdout(
        `\n!! messages in DLQs: ${dlqs.map((q) => `${q.queue} ${q.visible}`).join(', ')} — see "ohlcv dlq list"\n`,
      );
    return 0;
  },
};
