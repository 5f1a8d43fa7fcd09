/**
 * The checks an ingestion request must pass before any bar is fetched, in one place: the
 * CLI runs them up front (bad input is exit 2, before anything is queued) and the worker
 * runs them again on what arrives (a request that still fails becomes `Ingestion Batch
 * Failed` and an alert instead of three doomed retries and a silent DLQ message).
 */
import { isoTimeSchema } from '@ohlcv/events';
import { resolveRange } from './logic.ts';

export interface RequestProblem {
  /** The request field at fault (the CLI shows it as `--start`, `--end`, ...). */
  field: 'start' | 'end' | 'interval' | 'symbols' | 'lookbackDays' | 'request';
  message: string;
}

const TIME_HELP = 'a real date (YYYY-MM-DD) or an ISO-8601 date-time with a zone (2024-03-04T14:30:00Z)';

/** Problems with a request's time range; empty when it can be fetched. */
export function checkIngestionRange(
  req: { start?: string; end?: string; lookbackDays?: number },
  now: Date,
): RequestProblem[] {
  const problems: RequestProblem[] = [];
  for (const field of ['start', 'end'] as const) {
    const v = req[field];
    if (v !== undefined && !isoTimeSchema.safeParse(v).success)
      problems.push({ field, message: `"${v}" is not ${TIME_HELP}` });
  }
  if (problems.length > 0) return problems;
  const { start, end } = resolveRange(req, now);
  if (req.start !== undefined && start >= now.getTime())
    problems.push({
      field: 'start',
      message: `"${req.start}" is in the future (now is ${now.toISOString()})`,
    });
  else if (req.start !== undefined && req.end !== undefined && start >= end)
    problems.push({
      field: 'end',
      message: `"${req.end}" is before start "${req.start}": the range is empty`,
    });
  return problems;
}

export const describeProblems = (problems: readonly RequestProblem[]): string =>
  problems.map((p) => `${p.field}: ${p.message}`).join('; ');
