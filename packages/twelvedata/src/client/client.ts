/**
 * The production Twelve Data `/time_series` client: batches, pages, throttles to the plan's
 * credit budget, retries what a retry can fix and nothing else, and turns every answer
 * into ascending UTC bars. The body decides what happened, whatever the HTTP status.
 */
import {
  AppError,
  type FetchBarsRequest,
  type InstrumentSeries,
  type Logger,
  type MarketDataSource,
  type SourceBar,
  type SymbolResult,
  silentLogger,
} from '@ohlcv/core';
import { type Dispatcher, request } from 'undici';
import { instrumentFromMeta, seriesTimeZone, toSourceBars } from '../normalize.ts';
import { formatWallTime } from '../time.ts';
import { backoffDelay } from './backoff.ts';
import { CreditBudget, DAILY_EXHAUSTED } from './credit-budget.ts';
import { redactText, redactUrl } from './redact.ts';
import {
  batchSchema,
  type ErrorBody,
  type Interval,
  type OkSeries,
  okSeriesSchema,
  seriesOrErrorSchema,
} from './schemas.ts';

export interface TwelveDataClientOptions {
  apiKey: string;
  /** `https://api.twelvedata.com`, or the embedded server's URL. */
  baseUrl?: string;
  /** Plan limits; leave unset for no client-side throttling. */
  creditsPerMinute?: number;
  creditsPerDay?: number;
  /** Length of the credit "minute" (tests use 1 s against a server configured alike). */
  minuteMs?: number;
  /** Symbols per batch request (each costs one credit). */
  maxBatchSymbols?: number;
  /** Bars per call; the API's maximum is 5000. */
  outputsize?: number;
  /** Requests in flight at once (they still share one credit budget). */
  concurrency?: number;
  timeoutMs?: number;
  /** Attempts per request for 5xx, timeouts, resets and unreadable bodies. */
  maxAttempts?: number;
  /** How many times a "current minute" 429 is waited out before giving up. */
  maxRateLimitWaits?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  logger?: Logger;
  dispatcher?: Dispatcher;
  budget?: CreditBudget;
}

export interface TwelveDataClient extends MarketDataSource {
  readonly budget: CreditBudget;
  stats(): ClientStats;
}

export interface ClientStats {
  requests: number;
  retries: number;
  rateLimited: number;
  creditsSpent: number;
  throttleWaits: number;
  throttleWaitMs: number;
  lastCreditsLeft?: number;
}

type Entry = { kind: 'ok'; series: OkSeries } | { kind: 'empty' } | { kind: 'error'; body: ErrorBody };

const NO_DATA = /no data is available/i;
const WIDEN_MS = 14 * 3_600_000;

export function createTwelveDataClient(opts: TwelveDataClientOptions): TwelveDataClient {
  const baseUrl = (opts.baseUrl ?? 'https://api.twelvedata.com').replace(/\/+$/, '');
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const logger = opts.logger ?? silentLogger;
  const outputsize = opts.outputsize ?? 5000;
  const maxAttempts = opts.maxAttempts ?? 5;
  const maxRateLimitWaits = opts.maxRateLimitWaits ?? 5;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const budget =
    opts.budget ??
    new CreditBudget({
      creditsPerMinute: opts.creditsPerMinute,
      creditsPerDay: opts.creditsPerDay,
      minuteMs: opts.minuteMs,
      now,
      sleep,
    });
  const maxBatch = Math.max(1, Math.min(opts.maxBatchSymbols ?? 8, budget.perMinute));
  const limit = concurrencyLimit(opts.concurrency ?? 4);
  const zones = new Map<string, string>();
  const stats: ClientStats = {
    requests: 0,
    retries: 0,
    rateLimited: 0,
    creditsSpent: 0,
    throttleWaits: 0,
    throttleWaitMs: 0,
  };
  const redact = (t: string) => redactText(t, opts.apiKey);

  function buildUrl(params: Record<string, string>): string {
    const qs = new URLSearchParams({ ...params, apikey: opts.apiKey });
    return `${baseUrl}/time_series?${qs.toString()}`;
  }

  /** One HTTP exchange; anything that is not a parseable JSON body is a retryable error. */
  async function exchange(url: string): Promise<{ status: number; body: unknown }> {
    stats.requests++;
    let status: number;
    let text: string;
    try {
      const res = await request(url, {
        method: 'GET',
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/json' },
        ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
      });
      status = res.statusCode;
      const left = Number(res.headers['api-credits-left']);
      if (res.headers['api-credits-left'] !== undefined && Number.isFinite(left)) {
        stats.lastCreditsLeft = left;
        budget.observeServerCredits(left);
      }
      text = await res.body.text();
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new AppError(
        timedOut ? 'TwelveDataTimeout' : 'TwelveDataNetworkError',
        redact(
          `${timedOut ? 'timed out' : 'network error'} calling ${redactUrl(url)}: ${(err as Error).message}`,
        ),
        { retryable: true },
      );
    }
    try {
      return { status, body: JSON.parse(text) };
    } catch {
      throw new AppError(
        'TwelveDataBadResponse',
        `HTTP ${status} with a non-JSON body (${text.length} bytes) from ${redactUrl(url)}`,
        { retryable: true },
      );
    }
  }

  function requestError(body: ErrorBody, url: string): AppError {
    const msg = redact(body.message);
    if (body.code === 401)
      return new AppError('TwelveDataUnauthorized', `Twelve Data rejected the API key (401): ${msg}`);
    if (body.code === 403)
      return new AppError('TwelveDataForbidden', `Twelve Data refused access for this plan (403): ${msg}`);
    if (body.code >= 500)
      return new AppError('TwelveDataServerError', `Twelve Data ${body.code}: ${msg}`, { retryable: true });
    return new AppError('TwelveDataRequestError', `Twelve Data ${body.code} for ${redactUrl(url)}: ${msg}`);
  }

  /**
   * Sends one `/time_series` request, waiting out per-minute limits and retrying transient
   * failures; answers one entry per symbol.
   */
  async function timeSeries(
    symbols: readonly string[],
    params: Record<string, string>,
  ): Promise<Map<string, Entry>> {
    const url = buildUrl({ ...params, symbol: symbols.join(',') });
    let attempt = 0;
    let rateWaits = 0;
    for (;;) {
      const release = await budget.acquire(symbols.length);
      stats.creditsSpent += symbols.length;
      try {
        let answer: { status: number; body: unknown };
        try {
          answer = await exchange(url);
        } finally {
          release();
        }
        const { status, body } = answer;
        const top = seriesOrErrorSchema.safeParse(body);
        if (top.success && top.data.status === 'error') {
          const err = top.data;
          if (err.code === 429 || (status === 429 && !NO_DATA.test(err.message))) {
            stats.rateLimited++;
            if (/for the day|per day|daily/i.test(err.message)) {
              budget.markDayExhausted();
              throw new AppError(
                DAILY_EXHAUSTED,
                `Twelve Data daily credits exhausted: ${redact(err.message)}`,
                {
                  retryable: false,
                },
              );
            }
            if (++rateWaits > maxRateLimitWaits) {
              throw new AppError('TwelveDataRateLimited', `still rate limited after ${rateWaits - 1} waits`, {
                retryable: true,
              });
            }
            logger.warn('twelvedata minute credits exhausted; waiting for the next minute', {
              url: redactUrl(url),
            });
            budget.blockUntilNextWindow();
            continue;
          }
          if (err.code === 400 && NO_DATA.test(err.message)) {
            return new Map<string, Entry>(symbols.map((s) => [s, { kind: 'empty' }]));
          }
          // A single-symbol request's symbol error is that symbol's result, not the request's.
          if (symbols.length === 1 && (err.code === 400 || err.code === 404)) {
            return new Map<string, Entry>([[symbols[0]!, { kind: 'error', body: err }]]);
          }
          throw requestError(err, url);
        }
        if (top.success && symbols.length === 1) {
          return new Map<string, Entry>([[symbols[0]!, { kind: 'ok', series: top.data as OkSeries }]]);
        }
        const batch = batchSchema.safeParse(body);
        if (!batch.success) {
          if (status >= 500) {
            throw new AppError('TwelveDataServerError', `HTTP ${status} from ${redactUrl(url)}`, {
              retryable: true,
            });
          }
          throw new AppError('TwelveDataBadResponse', `unexpected response shape from ${redactUrl(url)}`, {
            retryable: true,
            cause: batch.error,
          });
        }
        const out = new Map<string, Entry>();
        for (const s of symbols) {
          const e = batch.data[s];
          if (!e)
            out.set(s, {
              kind: 'error',
              body: { code: 404, message: 'missing from batch answer', status: 'error' },
            });
          else if (e.status === 'ok') out.set(s, { kind: 'ok', series: e as OkSeries });
          else if (e.code === 400 && NO_DATA.test(e.message)) out.set(s, { kind: 'empty' });
          else out.set(s, { kind: 'error', body: e });
        }
        return out;
      } catch (err) {
        if (!(err instanceof AppError) || !err.retryable || err.code === 'TwelveDataRateLimited') throw err;
        attempt++;
        if (attempt >= maxAttempts) {
          throw new AppError(err.code, `${err.message} (gave up after ${attempt} attempts)`, {
            retryable: true,
            cause: err,
          });
        }
        stats.retries++;
        const delay = backoffDelay(attempt - 1, {
          baseMs: opts.backoffBaseMs,
          maxMs: opts.backoffMaxMs,
          random: opts.random,
        });
        logger.warn('twelvedata request failed; retrying', { code: err.code, attempt, delayMs: delay });
        await sleep(delay);
      }
    }
  }

  function rangeParams(symbols: readonly string[], interval: Interval, start: number, end: number) {
    const known = symbols.map((s) => zones.get(s));
    const zone = known[0];
    if (zone !== undefined && known.every((z) => z === zone)) {
      return {
        interval,
        start_date: formatWallTime(start, zone),
        end_date: formatWallTime(end, zone),
        outputsize: String(outputsize),
      };
    }
    // Zone not known yet: no exchange is more than 14 h off UTC, so this window, read in
    // any zone, covers the range; the bars are filtered in UTC afterwards.
    return {
      interval,
      start_date: formatWallTime(start - WIDEN_MS, 'UTC'),
      end_date: formatWallTime(end + WIDEN_MS, 'UTC'),
      outputsize: String(outputsize),
    };
  }

  /** Pages one symbol backwards by end_date (overlapping one bar) until `start` is covered. */
  async function pageBack(symbol: string, first: OkSeries, req: FetchBarsRequest): Promise<InstrumentSeries> {
    const start = req.start.getTime();
    const byTs = new Map<string, SourceBar>();
    let page: OkSeries | undefined = first;
    const instrument = instrumentFromMeta(first.meta, symbol);
    let pages = 0;
    while (page) {
      pages++;
      const bars = toSourceBars(page, req.interval);
      let added = 0;
      for (const b of bars) {
        if (!byTs.has(b.ts)) {
          byTs.set(b.ts, b);
          added++;
        }
      }
      const oldest = bars[0];
      if (page.values.length < outputsize || !oldest || added === 0 || Date.parse(oldest.ts) <= start) break;
      if (pages > 10_000) break;
      // The API prints wall times zero-padded, so the smallest string is the oldest bar.
      const oldestLocal: string = page.values.map((v) => v.datetime).sort()[0]!;
      const next: Map<string, Entry> = await limit(() =>
        timeSeries([symbol], {
          interval: req.interval,
          start_date: rangeParams([symbol], req.interval, start, start).start_date,
          end_date: oldestLocal,
          outputsize: String(outputsize),
        }),
      );
      const e: Entry | undefined = next.get(symbol);
      page = e?.kind === 'ok' ? e.series : undefined;
    }
    const end = req.end.getTime();
    const bars = [...byTs.values()]
      .filter((b) => {
        const t = Date.parse(b.ts);
        return t >= start && t < end;
      })
      .sort((a, b) => (a.ts < b.ts ? -1 : 1));
    return { instrument, exchangeTimezone: first.meta.exchange_timezone, interval: req.interval, bars };
  }

  async function fetchChunk(symbols: readonly string[], req: FetchBarsRequest): Promise<SymbolResult[]> {
    const params = rangeParams(symbols, req.interval, req.start.getTime(), req.end.getTime());
    const entries = await limit(() => timeSeries(symbols, params));
    return Promise.all(
      symbols.map(async (symbol): Promise<SymbolResult> => {
        const e = entries.get(symbol)!;
        if (e.kind === 'empty') {
          return {
            symbol,
            ok: true,
            series: {
              instrument: { symbol, exchange: '', mic_code: null, currency: null, instrument_type: null },
              interval: req.interval,
              bars: [],
            },
          };
        }
        if (e.kind === 'error') {
          const err = requestError(e.body, '');
          return {
            symbol,
            ok: false,
            error: {
              code: e.body.code === 404 || e.body.code === 400 ? 'TwelveDataSymbolError' : err.code,
              message: redact(e.body.message),
              retryable: err.retryable,
            },
          };
        }
        const parsed = okSeriesSchema.parse(e.series);
        zones.set(symbol, seriesTimeZone(parsed.meta));
        return { symbol, ok: true, series: await pageBack(symbol, parsed, req) };
      }),
    );
  }

  return {
    budget,
    stats: () => ({ ...stats, throttleWaits: budget.stats.waits, throttleWaitMs: budget.stats.waitedMs }),
    async fetchBars(req) {
      if (req.end.getTime() <= req.start.getTime()) {
        return req.symbols.map((symbol) => ({
          symbol,
          ok: true as const,
          series: {
            instrument: { symbol, exchange: '', mic_code: null, currency: null, instrument_type: null },
            interval: req.interval,
            bars: [],
          },
        }));
      }
      const chunks: string[][] = [];
      for (let i = 0; i < req.symbols.length; i += maxBatch) chunks.push(req.symbols.slice(i, i + maxBatch));
      const results = await Promise.all(chunks.map((c) => fetchChunk(c, req)));
      return results.flat();
    },
  };
}

/** At most `n` tasks in flight; the rest wait in order. */
export function concurrencyLimit(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
