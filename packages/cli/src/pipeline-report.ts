import { tableNames } from '@ohlcv/core';
import type { DrainProgress, LocalRuntime } from '@ohlcv/local';
import type { CommandIO } from './command.ts';
import { bar, ProgressLine } from './progress.ts';

/** Ingestion progress per request message: bars written and symbols finished so far. */
export interface IngestTally {
  symbolsTotal: number;
  byRequest: Map<string, { bars: number; symbolsDone: number }>;
}

export const newTally = (symbolsTotal = 0): IngestTally => ({ symbolsTotal, byRequest: new Map() });

export const recordProgress = (
  t: IngestTally,
  p: { requestId: string; bars: number; symbolsDone: number },
): void => {
  t.byRequest.set(p.requestId, { bars: p.bars, symbolsDone: p.symbolsDone });
};

/** Redraws the progress line from the runtime's state and the ingestion tally. */
export function drawProgress(
  line: ProgressLine,
  rt: LocalRuntime,
  tally: IngestTally,
  d?: DrainProgress,
): void {
  const reqs = [...tally.byRequest.values()];
  const bars = reqs.reduce((a, r) => a + r.bars, 0);
  const symbolsDone = reqs.reduce((a, r) => a + r.symbolsDone, 0);
  const jobs = rt.jobRunner.counts();
  const waiting = (['etl-trigger', 'catalog-sync', 'quality-alert'] as const)
    .map((q) => [q, rt.queues.stats(q).visible] as const)
    .filter(([, n]) => n > 0)
    .map(([q, n]) => `${q} ${n}`)
    .join(', ');
  const parts = [
    tally.symbolsTotal > 0
      ? `ingest ${bar(symbolsDone, tally.symbolsTotal)} ${symbolsDone}/${tally.symbolsTotal} symbols, ${bars.toLocaleString('en-US')} bars`
      : '',
    `etl runs ${jobs.SUCCEEDED} ok${jobs.FAILED + jobs.TIMEOUT > 0 ? `, ${jobs.FAILED + jobs.TIMEOUT} failed` : ''}${jobs.RUNNING + jobs.WAITING > 0 ? `, ${jobs.RUNNING + jobs.WAITING} running` : ''}`,
    waiting ? `queued: ${waiting}` : '',
    d ? `${d.messages} msgs` : '',
  ].filter(Boolean);
  line.update(parts.join(' | '));
}

export interface PipelineSummary {
  tables: Record<string, number>;
  events: Record<string, number>;
  jobs: ReturnType<LocalRuntime['jobRunner']['counts']>;
  deadLetters: number;
  waitingRetry: number;
}

export async function summarize(rt: LocalRuntime, d: DrainProgress): Promise<PipelineSummary> {
  const tables: Record<string, number> = {};
  for (const t of tableNames) {
    if (rt.catalog.partitions(t).length === 0) {
      tables[t] = 0;
      continue;
    }
    const rows = await rt.catalog.queryEngine.query(`SELECT COUNT(*) AS n FROM ohlcv.${t}`);
    tables[t] = Number(rows[0]?.n ?? 0);
  }
  const status = rt.status();
  return {
    tables,
    events: rt.eventLog.countsByDetailType(),
    jobs: status.jobs,
    deadLetters: status.queues
      .filter((q) => q.queue.endsWith('-dlq'))
      .reduce((n, q) => n + q.visible + q.inFlight, 0),
    waitingRetry: d.waitingRetry,
  };
}

export function renderSummary(s: PipelineSummary): string {
  const ev = (t: string): number => s.events[t] ?? 0;
  const lines = [
    'pipeline summary',
    `  ingestion   ${ev('Ingestion Batch Completed')} batches completed, ${ev('Ingestion Batch Failed')} failed`,
    `  raw zone    ${ev('Object Created')} objects announced`,
    `  etl         ${s.jobs.SUCCEEDED} runs succeeded, ${s.jobs.FAILED + s.jobs.TIMEOUT} failed`,
    `  catalog     ${ev('Partitions Registered')} registrations`,
    `  alerts      ${ev('Alert Raised')} raised`,
    '  tables',
    ...Object.entries(s.tables).map(
      ([t, n]) => `    ohlcv.${t.padEnd(12)} ${n.toLocaleString('en-US').padStart(12)} rows`,
    ),
  ];
  if (s.deadLetters > 0) lines.push(`  !! ${s.deadLetters} message(s) in DLQs: ohlcv dlq list`);
  if (s.waitingRetry > 0)
    lines.push(`  ${s.waitingRetry} message(s) waiting for a retry: ohlcv drain again later`);
  return `${lines.join('\n')}\n`;
}

/** Drains the runtime with a live progress line on stderr, then summarises the data folder. */
export async function drainWithProgress(
  rt: LocalRuntime,
  io: CommandIO,
  tally: IngestTally,
): Promise<PipelineSummary> {
  const line = new ProgressLine(io.stderr, io.isTTY);
  const timer = setInterval(() => drawProgress(line, rt, tally), 200);
  const d = await rt
    .drain({ signal: io.signal, onTick: (p) => drawProgress(line, rt, tally, p) })
    .finally(() => clearInterval(timer));
  line.done();
  return summarize(rt, d);
}
