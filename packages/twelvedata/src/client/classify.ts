/**
 * What a `/time_series` answer means, decided from the status and the body alone: the body
 * decides, whatever the HTTP status (Twelve Data answers errors with 200, and a 429 status
 * may carry a "no data" body). Pure, so every answer shape is tested without a server.
 */
import { batchSchema, type ErrorBody, type OkSeries, seriesOrErrorSchema } from './schemas.ts';

/** One symbol's share of an answer. */
export type Entry = { kind: 'ok'; series: OkSeries } | { kind: 'empty' } | { kind: 'error'; body: ErrorBody };

export type Answer =
  /** Credits ran out: `daily` when for the day (give up), else for this minute (wait). */
  | { kind: 'rate-limited'; daily: boolean; message: string }
  /** The request as a whole was refused (bad key, plan, bad parameters, 5xx body). */
  | { kind: 'request-error'; body: ErrorBody }
  /** Not a shape Twelve Data sends: a 5xx page, or a body we cannot read; retryable. */
  | { kind: 'unreadable'; status: number; cause?: unknown }
  /** One entry per requested symbol. */
  | { kind: 'entries'; entries: Map<string, Entry> };

const NO_DATA = /no data is available/i;
const DAILY = /for the day|per day|daily/i;

export function classifyAnswer(status: number, body: unknown, symbols: readonly string[]): Answer {
  const top = seriesOrErrorSchema.safeParse(body);
  if (top.success && top.data.status === 'error') {
    const err = top.data;
    if (err.code === 429 || (status === 429 && !NO_DATA.test(err.message))) {
      return { kind: 'rate-limited', daily: DAILY.test(err.message), message: err.message };
    }
    if (err.code === 400 && NO_DATA.test(err.message)) {
      return { kind: 'entries', entries: new Map(symbols.map((s) => [s, { kind: 'empty' }])) };
    }
    // A single-symbol request's symbol error is that symbol's result, not the request's.
    if (symbols.length === 1 && (err.code === 400 || err.code === 404)) {
      return { kind: 'entries', entries: new Map([[symbols[0]!, { kind: 'error', body: err }]]) };
    }
    return { kind: 'request-error', body: err };
  }
  if (top.success && symbols.length === 1) {
    return {
      kind: 'entries',
      entries: new Map([[symbols[0]!, { kind: 'ok', series: top.data as OkSeries }]]),
    };
  }
  const batch = batchSchema.safeParse(body);
  if (!batch.success) return { kind: 'unreadable', status, cause: batch.error };
  const entries = new Map<string, Entry>();
  for (const s of symbols) {
    const e = batch.data[s];
    if (!e)
      entries.set(s, {
        kind: 'error',
        body: { code: 404, message: 'missing from batch answer', status: 'error' },
      });
    else if (e.status === 'ok') entries.set(s, { kind: 'ok', series: e as OkSeries });
    else if (e.code === 400 && NO_DATA.test(e.message)) entries.set(s, { kind: 'empty' });
    else entries.set(s, { kind: 'error', body: e });
  }
  return { kind: 'entries', entries };
}
