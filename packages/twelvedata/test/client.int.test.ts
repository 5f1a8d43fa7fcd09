import { AppError } from '@ohlcv/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTwelveDataClient, type TwelveDataClientOptions } from '../src/client/client.ts';
import { DAILY_EXHAUSTED } from '../src/client/credit-budget.ts';
import { type EmbeddedTwelveData, startEmbeddedTwelveData } from '../src/embedded/server.ts';

const KEY = 'sk-test-SECRET-123456';
// Friday 2024-03-08, a full New York session: 390 one-minute bars.
const FRI = { start: new Date('2024-03-08T00:00:00Z'), end: new Date('2024-03-09T00:00:00Z') };

let server: EmbeddedTwelveData;
const sleeps: number[] = [];

const client = (o: Partial<TwelveDataClientOptions> = {}) =>
  createTwelveDataClient({
    apiKey: KEY,
    baseUrl: server.url,
    backoffBaseMs: 2,
    backoffMaxMs: 20,
    random: () => 0.5,
    timeoutMs: 300,
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((r) => setTimeout(r, Math.min(ms, 20)));
    },
    ...o,
  });

const aapl = (c = client()) => c.fetchBars({ symbols: ['AAPL'], interval: '1min', ...FRI });

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  server = await startEmbeddedTwelveData({ seed: 7, apiKey: KEY });
});
afterAll(() => server.close());
beforeEach(() => {
  server.faults.clear();
  sleeps.length = 0;
});

describe('Twelve Data client against the embedded source', () => {
  it('parses string values into ascending UTC bars with instrument metadata', async () => {
    const [r] = await aapl();
    expect(r?.ok).toBe(true);
    if (!r?.ok) return;
    expect(r.series.bars).toHaveLength(390);
    expect(r.series.bars[0]!.ts).toBe('2024-03-08T14:30:00.000Z');
    expect(r.series.bars.at(-1)!.ts).toBe('2024-03-08T20:59:00.000Z');
    expect(typeof r.series.bars[0]!.open).toBe('number');
    expect(r.series.bars[0]!.volume).toBeGreaterThan(0);
    expect(r.series.instrument).toEqual({
      symbol: 'AAPL',
      exchange: 'NASDAQ',
      mic_code: 'XNGS',
      currency: 'USD',
      instrument_type: 'Common Stock',
    });
  });

  it('keeps forex volume null, not 0', async () => {
    const [r] = await client().fetchBars({ symbols: ['EUR/USD'], interval: '1h', ...FRI });
    // Forex closes Friday 17:00 New York (22:00Z): 22 hourly bars that day.
    expect(r?.ok && r.series.bars.length).toBe(22);
    expect(r?.ok && r.series.bars.at(-1)?.ts).toBe('2024-03-08T21:00:00.000Z');
    expect(r?.ok && r.series.bars.every((b) => b.volume === null)).toBe(true);
    expect(r?.ok && r.series.instrument.currency).toBe('USD');
  });

  it.each(['server-error', 'html', 'truncated', 'reset', 'hang'] as const)(
    'retries %s with backoff and then succeeds',
    async (kind) => {
      server.faults.push(kind, kind);
      const c = client();
      const [r] = await aapl(c);
      expect(r?.ok && r.series.bars.length).toBe(390);
      expect(c.stats().retries).toBe(2);
      expect(sleeps.length).toBe(2);
    },
  );

  it('a 500 that keeps failing gives up, retryable, after maxAttempts', async () => {
    server.faults.push('server-error', 'server-error', 'server-error');
    const err = await rejection(aapl(client({ maxAttempts: 3 })));
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/gave up after 3 attempts/);
  });

  it('the body decides: an error body with HTTP 200 is an error', async () => {
    server.faults.push({ kind: 'server-error', httpStatus: 200 });
    const c = client();
    const [r] = await aapl(c);
    expect(r?.ok).toBe(true);
    expect(c.stats().retries).toBe(1);
  });

  it('waits for the next minute after a per-minute 429, then succeeds', async () => {
    server.faults.push({ kind: 'minute-limit', httpStatus: 200 });
    // The client's own time line: its waits move it, so the test asserts them, not the wall clock.
    const t0 = Date.parse('2024-03-11T15:00:00Z');
    let t = t0;
    const c = client({
      minuteMs: 200,
      now: () => t,
      sleep: async (ms) => {
        sleeps.push(ms);
        t += ms;
      },
    });
    const [r] = await aapl(c);
    expect(r?.ok).toBe(true);
    expect(c.stats().rateLimited).toBe(1);
    expect(t - t0).toBeGreaterThanOrEqual(200);
  });

  it('does not retry a per-day 429', async () => {
    server.faults.push('day-limit');
    const c = client();
    const err = await rejection(aapl(c));
    expect(err.code).toBe(DAILY_EXHAUSTED);
    expect(err.retryable).toBe(false);
    expect(c.stats().requests).toBe(1);
    // The budget knows: the next call fails without a request.
    await rejection(aapl(c));
    expect(c.stats().requests).toBe(1);
  });

  it.each([
    ['unauthorized', 'TwelveDataUnauthorized', /API key \(401\)/],
    ['forbidden', 'TwelveDataForbidden', /403/],
  ] as const)('fails fast on %s', async (kind, code, msg) => {
    server.faults.push(kind);
    const c = client();
    const err = await rejection(aapl(c));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(msg);
    expect(err.retryable).toBe(false);
    expect(c.stats().requests).toBe(1);
  });

  it('treats "No data is available" as an empty result', async () => {
    const [r] = await client().fetchBars({
      symbols: ['AAPL'],
      interval: '1min',
      start: new Date('2024-03-09T00:00:00Z'),
      end: new Date('2024-03-10T00:00:00Z'),
    });
    expect(r).toMatchObject({ ok: true, series: { bars: [] } });
    server.faults.push({ kind: 'no-data' });
    const [r2] = await aapl();
    expect(r2).toMatchObject({ ok: true, series: { bars: [] } });
  });

  it('never lets the API key into errors', async () => {
    const bad = createTwelveDataClient({
      apiKey: KEY,
      baseUrl: 'http://127.0.0.1:9',
      maxAttempts: 1,
      timeoutMs: 200,
    });
    const err = await rejection(bad.fetchBars({ symbols: ['AAPL'], interval: '1min', ...FRI }));
    expect(err.message).toContain('apikey=***');
    expect(JSON.stringify({ m: err.message, s: err.stack })).not.toContain(KEY);
    expect(server.requestLog().join('\n')).not.toContain(KEY);
  });

  it('one bad symbol does not sink its batch', async () => {
    const before = server.stats().requests;
    const res = await client().fetchBars({
      symbols: ['AAPL', 'INVALID1', 'BTC/USD'],
      interval: '1h',
      ...FRI,
    });
    expect(server.stats().requests - before).toBe(1);
    expect(res.map((r) => [r.symbol, r.ok])).toEqual([
      ['AAPL', true],
      ['INVALID1', false],
      ['BTC/USD', true],
    ]);
    const bad = res[1]!;
    expect(!bad.ok && bad.error).toMatchObject({ code: 'TwelveDataSymbolError', retryable: false });
    expect(res[2]?.ok && res[2].series.bars).toHaveLength(24);
    expect(res[2]?.ok && res[2].series.instrument.instrument_type).toBe('Digital Currency');
  });

  it('pages long ranges backwards by end_date with one bar of overlap', async () => {
    const c = client({ outputsize: 100 });
    const before = server.requestLog().length;
    const [r] = await c.fetchBars({
      symbols: ['BTC/USD'],
      interval: '1min',
      start: new Date('2024-03-08T00:00:00Z'),
      end: new Date('2024-03-08T05:00:00Z'),
    });
    const bars = r?.ok ? r.series.bars : [];
    expect(bars).toHaveLength(300);
    expect(new Set(bars.map((b) => b.ts)).size).toBe(300);
    for (let i = 1; i < bars.length; i++)
      expect(Date.parse(bars[i]!.ts) - Date.parse(bars[i - 1]!.ts)).toBe(60_000);
    const urls = server
      .requestLog()
      .slice(before)
      .map((u) => new URL(u, 'http://x').searchParams);
    expect(urls.length).toBeGreaterThan(3);
    // Each page ends where the previous page's oldest bar was (the overlap).
    // 100 bars per page, each page ends on the previous page's oldest bar: 99 minutes apart.
    const ends = urls.slice(1).map((p) => Date.parse(`${p.get('end_date')!.replace(' ', 'T')}Z`));
    for (let i = 1; i < ends.length; i++) expect(ends[i - 1]! - ends[i]!).toBe(99 * 60_000);
  });

  it('stays under a per-minute credit limit without a single 429', async () => {
    const limited = await startEmbeddedTwelveData({ seed: 3, creditsPerMinute: 5, minuteMs: 1000 });
    try {
      const c = createTwelveDataClient({
        apiKey: 'k',
        baseUrl: limited.url,
        creditsPerMinute: 5,
        minuteMs: 1000,
        maxBatchSymbols: 4,
      });
      const symbols = [
        'AAPL',
        'MSFT',
        'AMZN',
        'NVDA',
        'TSLA',
        'JPM',
        'META',
        'GOOGL',
        'BTC/USD',
        'ETH/USD',
        'EUR/USD',
        'GBP/USD',
      ];
      const res = await c.fetchBars({ symbols, interval: '1h', ...FRI });
      expect(res.every((r) => r.ok)).toBe(true);
      expect(limited.stats().rateLimited).toBe(0);
      expect(limited.stats().credits).toBe(12);
      expect(limited.stats().peakCreditsPerWindow).toBeLessThanOrEqual(5);
      // 12 credits at 5 per window, 4 per request: the client waited for the window to turn twice.
      expect(c.stats().throttleWaits).toBeGreaterThanOrEqual(2);
    } finally {
      await limited.close();
    }
  });
});
