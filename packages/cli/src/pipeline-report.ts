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
  base?: Baseline,
): void {
  const reqs = [...tally.byRequest.values()];
  const bars = reqs.reduce((a, r) => a + r.bars, 0);
  const symbolsDone = reqs.reduce((a, r) => a + r.symbolsDone, 0);
  const now = rt.jobRunner.counts();
  // This invocation's runs only: earlier failures are not its progress.
  const jobs = base
    ? {
        ...now,
        SUCCEEDED: now.SUCCEEDED - base.jobs.SUCCEEDED,
        FAILED: now.FAILED - base.jobs.FAILED,
        TIMEOUT: now.TIMEOUT - base.jobs.TIMEOUT,
      }
    : now;
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

/**
 * What the data folder held before this invocation did anything: the summary reports the
 * invocation's own work as the difference, and what was already wrong separately.
 */
export interface Baseline {
  eventSeq: number;
  jobs: ReturnType<LocalRuntime['jobRunner']['counts']>;
  deadLetters: Record<string, number>;
}

const dlqDepths = (rt: LocalRuntime): Record<string, number> =>
  Object.fromEntries(
    rt
      .status()
      .queues.filter((q) => q.queue.endsWith('-dlq'))
      .map((q) => [q.queue, q.visible + q.inFlight + q.delayed]),
  );

export const takeBaseline = (rt: LocalRuntime): Baseline => ({
  eventSeq: rt.eventLog.lastSeq(),
  jobs: rt.jobRunner.counts(),
  deadLetters: dlqDepths(rt),
});

/** Something this invocation's work ended in: a failed ingestion batch or an alert. */
export interface Problem {
  kind: 'ingestion-failed' | 'alert';
  text: string;
}

export interface PipelineSummary {
  /** Events that crossed the buses during this invocation, by detail-type. */
  events: Record<string, number>;
  /** Job runs that reached a final state during this invocation. */
  jobs: { SUCCEEDED: number; FAILED: number; TIMEOUT: number };
  /** Messages dead-lettered during this invocation, per DLQ. */
  newDeadLetters: Record<string, number>;
  deadLetters: number;
  /** Failed ingestion batches and alerts raised during this invocation. */
  problems: Problem[];
  /** What was already wrong before this invocation (not its work; not in its exit code). */
  earlier: { failedJobs: number; deadLetters: number };
  /** Rows per table in the whole lake now. */
  tables: Record<string, number>;
  waitingRetry: number;
}

/** Every event logged after `seq`, page by page (the log can hold thousands). */
export function* eventsAfter(rt: LocalRuntime, seq: number) {
  let at = seq;
  for (;;) {
    const page = rt.eventLog.after(at, 500);
    if (page.length === 0) return;
    yield* page;
    at = page[page.length - 1]!.seq;
  }
}

export async function summarize(
  rt: LocalRuntime,
  d: DrainProgress,
  base: Baseline,
  only?: { correlationId: string },
): Promise<PipelineSummary> {
  const tables: Record<string, number> = {};
  for (const t of tableNames) {
    if (rt.catalog.partitions(t).length === 0) {
      tables[t] = 0;
      continue;
    }
    const rows = await rt.catalog.queryEngine.query(`SELECT COUNT(*) AS n FROM ohlcv.${t}`);
    tables[t] = Number(rows[0]?.n ?? 0);
  }
  const events: Record<string, number> = {};
  const problems: Problem[] = [];
  for (const e of eventsAfter(rt, base.eventSeq)) {
    events[e.detailType] = (events[e.detailType] ?? 0) + 1;
    const detail = (e.envelope.detail ?? {}) as Record<string, unknown>;
    if (e.detailType === 'Ingestion Batch Failed') {
      if (only && detail.correlationId !== only.correlationId) continue;
      const err = detail.error as { code?: string; message?: string } | undefined;
      problems.push({
        kind: 'ingestion-failed',
        text: `ingestion of ${(detail.symbols as string[] | undefined)?.join(',') ?? '?'} failed: ${err?.code ?? ''}: ${err?.message ?? ''}`,
      });
    }
    // The message names what went wrong (for a quarantine alert: the top reasons and fields).
    if (e.detailType === 'Alert Raised')
      problems.push({
        kind: 'alert',
        text: `alert [${String(detail.severity)}] ${String(detail.title)} — ${String(detail.message)}`,
      });
  }
  const jobsNow = rt.jobRunner.counts();
  const jobs = {
    SUCCEEDED: jobsNow.SUCCEEDED - base.jobs.SUCCEEDED,
    FAILED: jobsNow.FAILED - base.jobs.FAILED,
    TIMEOUT: jobsNow.TIMEOUT - base.jobs.TIMEOUT,
  };
  const newDeadLetters: Record<string, number> = {};
  for (const [q, n] of Object.entries(dlqDepths(rt))) {
    const added = n - (base.deadLetters[q] ?? 0);
    if (added > 0) newDeadLetters[q] = added;
  }
  return {
    events,
    jobs,
    newDeadLetters,
    deadLetters: Object.values(newDeadLetters).reduce((a, b) => a + b, 0),
    problems,
    earlier: {
      failedJobs: base.jobs.FAILED + base.jobs.TIMEOUT,
      deadLetters: Object.values(base.deadLetters).reduce((a, b) => a + b, 0),
    },
    tables,
    waitingRetry: d.waitingRetry,
  };
}

/** The exit code of an invocation from its own work: 1 when any of it failed. */
export const exitCodeOf = (s: PipelineSummary): number =>
  s.jobs.FAILED + s.jobs.TIMEOUT > 0 ||
  s.deadLetters > 0 ||
  s.problems.some((p) => p.kind === 'ingestion-failed')
    ? 1
    : 0;

export function renderSummary(s: PipelineSummary): string {
  const ev = (t: string): number => s.events[t] ?? 0;
  const alerts = s.problems.filter((p) => p.kind === 'alert').length;
  const undelivered = s.newDeadLetters['quality-alert-dlq'] ?? 0;
  const lines = [
    'this run',
    `  ingestion   ${ev('Ingestion Batch Completed')} batches completed, ${ev('Ingestion Batch Failed')} failed`,
    `  raw zone    ${ev('Object Created')} objects announced`,
    `  etl         ${s.jobs.SUCCEEDED} runs succeeded, ${s.jobs.FAILED + s.jobs.TIMEOUT} failed`,
    `  catalog     ${ev('Partitions Registered')} registrations`,
    // An alert whose delivery failed is retried, then dead-lettered, and never published as
    // `Alert Raised`: it still happened, so it is counted apart rather than hidden.
    `  alerts      ${alerts} raised${undelivered > 0 ? `, ${undelivered} not delivered (dead-lettered in quality-alert-dlq)` : ''}`,
    ...Object.entries(s.newDeadLetters).map(
      ([q, n]) => `  !! ${n} message(s) dead-lettered in ${q}: ohlcv dlq list ${q.replace(/-dlq$/, '')}`,
    ),
    ...s.problems.map((p) => `  !! ${p.text}`),
    'tables (whole lake)',
    ...Object.entries(s.tables).map(
      ([t, n]) => `  ohlcv.${t.padEnd(12)} ${n.toLocaleString('en-US').padStart(12)} rows`,
    ),
  ];
  if (s.waitingRetry > 0)
    lines.push(`  ${s.waitingRetry} message(s) waiting for a retry: ohlcv drain again later`);
  if (s.earlier.failedJobs + s.earlier.deadLetters > 0)
    lines.push(
      `earlier (before this run, not counted in its exit code): ${s.earlier.failedJobs} failed job run(s), ${s.earlier.deadLetters} message(s) in DLQs — ohlcv status`,
    );
  return `${lines.join('\n')}\n`;
}

/** Drains the runtime with a live progress line on stderr, then summarises the data folder. */
export async function drainWithProgress(
  rt: LocalRuntime,
  io: CommandIO,
  tally: IngestTally,
  base: Baseline = takeBaseline(rt),
  only?: { correlationId: string },
): Promise<PipelineSummary> {
  const line = new ProgressLine(io.stderr, io.isTTY);
  const timer = setInterval(() => drawProgress(line, rt, tally, undefined, base), 200);
  const d = await rt
    .drain({ signal: io.signal, onTick: (p) => drawProgress(line, rt, tally, p, base) })
    .finally(() => clearInterval(timer));
  line.done();
  return summarize(rt, d, base, only);
}
