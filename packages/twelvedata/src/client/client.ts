/**
 * The production Twelve Data `/time_series` client: batches, pages, throttles to the plan's
 * credit budget, retries what a retry can fix and nothing else, and turns every answer
 * into ascending UTC bars. The body decides what happened, whatever the HTTP status.
 */
import {
  AppError,
  type FetchBarsRequest,
  type Logger,
  type MarketDataSource,
  type SymbolResult,
  silentLogger,
} from '@ohlcv/core';
import type { Dispatcher } from 'undici';
import { seriesTimeZone } from '../normalize.ts';
import { backoffDelay } from './backoff.ts';
import { classifyAnswer, type Entry } from './classify.ts';
import { concurrencyLimit } from './concurrency.ts';
import { CreditBudget, DAILY_EXHAUSTED } from './credit-budget.ts';
import { pageBack, rangeParams } from './paging.ts';
import { redactUrl } from './redact.ts';
import { type ErrorBody, type Interval, okSeriesSchema } from './schemas.ts';
import { createTransport } from './transport.ts';

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
  const transport = createTransport({
    apiKey: opts.apiKey,
    baseUrl,
    timeoutMs,
    dispatcher: opts.dispatcher,
    onRequest: () => {
      stats.requests++;
    },
    onCreditsLeft: (left) => {
      stats.lastCreditsLeft = left;
      budget.observeServerCredits(left);
    },
  });
  const redact = transport.redact;

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
    const url = transport.url({ ...params, symbol: symbols.join(',') });
    let attempt = 0;
    let rateWaits = 0;
    for (;;) {
      const release = await budget.acquire(symbols.length);
      stats.creditsSpent += symbols.length;
      try {
        let exchanged: { status: number; body: unknown };
        try {
          exchanged = await transport.exchange(url);
        } finally {
          release();
        }
        const answer = classifyAnswer(exchanged.status, exchanged.body, symbols);
        if (answer.kind === 'entries') return answer.entries;
        if (answer.kind === 'request-error') throw requestError(answer.body, url);
        if (answer.kind === 'unreadable') {
          if (answer.status >= 500) {
            throw new AppError('TwelveDataServerError', `HTTP ${answer.status} from ${redactUrl(url)}`, {
              retryable: true,
            });
          }
          throw new AppError('TwelveDataBadResponse', `unexpected response shape from ${redactUrl(url)}`, {
            retryable: true,
            cause: answer.cause,
          });
        }
        stats.rateLimited++;
        if (answer.daily) {
          budget.markDayExhausted();
          throw new AppError(
            DAILY_EXHAUSTED,
            `Twelve Data daily credits exhausted: ${redact(answer.message)}`,
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

  const paramsFor = (symbols: readonly string[], interval: Interval, start: number, end: number) =>
    rangeParams(zones, outputsize, symbols, interval, start, end);

  /** The page of `symbol` that ends at `oldestLocal` and starts at the range's start. */
  async function fetchOlder(symbol: string, req: FetchBarsRequest, oldestLocal: string) {
    const start = req.start.getTime();
    const next: Map<string, Entry> = await limit(() =>
      timeSeries([symbol], {
        interval: req.interval,
        start_date: paramsFor([symbol], req.interval, start, start).start_date,
        end_date: oldestLocal,
        outputsize: String(outputsize),
      }),
    );
    const e: Entry | undefined = next.get(symbol);
    return e?.kind === 'ok' ? e.series : undefined;
  }

  async function fetchChunk(symbols: readonly string[], req: FetchBarsRequest): Promise<SymbolResult[]> {
    const params = paramsFor(symbols, req.interval, req.start.getTime(), req.end.getTime());
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
        return {
          symbol,
          ok: true,
          series: await pageBack(symbol, parsed, req, outputsize, (oldest) =>
            fetchOlder(symbol, req, oldest),
          ),
        };
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
