import type { RuntimeStatus } from '@ohlcv/local';
import { formatOf, parse, table, toJson } from '../args.ts';
import type { Command } from '../command.ts';
import { withRuntime } from '../session.ts';

const usage = `Usage: ohlcv status [--format table|json]

Shows the embedded pipeline's state: whether a pipeline process is running, every
queue and DLQ (visible, in flight, delayed, oldest age), ETL job runs, raw objects seen,
catalog partitions, the latest events and the services' metrics (last value, and sum
over the last hour, per metric, service and dimensions — the ones CloudWatch alarms
watch on AWS). Safe to run while "ohlcv start" runs.`;

/** Metric series as table rows: dimensions as k=v, numbers rounded for reading. */
export function metricRows(metrics: RuntimeStatus['metrics']): Record<string, unknown>[] {
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return metrics.map((m) => ({
    metric: m.name,
    service: m.service,
    dimensions:
      Object.entries(m.dims)
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '-',
    last: round(m.last),
    unit: m.unit,
    sum1h: round(m.sum),
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
      `pipeline: ${s.engine ? `running (pid ${s.engine.pid}, since ${s.engine.since})` : 'not running'}\n\n`,
    );
    io.stdout(
      table(s.queues as unknown as Record<string, unknown>[], [
        'queue',
        'visible',
        'inFlight',
        'delayed',
        'oldestAgeSeconds',
      ]),
    );
    io.stdout(
      `\njob runs: ${Object.entries(s.jobs)
        .map(([k, v]) => `${k.toLowerCase()} ${v}`)
        .join(', ')}\n`,
    );
    io.stdout(`raw objects announced: ${s.rawObjectsAnnounced}\n`);
    io.stdout(`catalog: ${JSON.stringify(s.catalog)}\n\n`);
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
