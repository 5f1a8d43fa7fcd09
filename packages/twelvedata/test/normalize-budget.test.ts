import { canonicalBarFields } from '@ohlcv/core';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/client/backoff.ts';
import { CreditBudget, DAILY_EXHAUSTED } from '../src/client/credit-budget.ts';
import { redactText, redactUrl } from '../src/client/redact.ts';
import { okSeriesSchema } from '../src/client/schemas.ts';
import { canonicalBar, instrumentFromMeta, toNdjson, toSourceBars } from '../src/normalize.ts';

describe('normalisation', () => {
  it('parses strings, keeps missing volume null and converts fall-back times in order', () => {
    const series = okSeriesSchema.parse({
      meta: {
        symbol: 'XYZ',
        interval: '30min',
        exchange_timezone: 'America/New_York',
        currency: 'USD',
        type: 'ETF',
      },
      values: [
        { datetime: '2024-11-03 01:30:00', open: '2', high: '2', low: '2', close: '2' },
        { datetime: '2024-11-03 01:30:00', open: '1', high: '1.5', low: '0.5', close: '1.25', volume: '10' },
        { datetime: '2024-11-03 01:00:00', open: '1', high: '1', low: '1', close: '1', volume: '0' },
      ],
      status: 'ok',
    });
    const bars = toSourceBars(series, '30min');
    expect(bars.map((b) => b.ts)).toEqual([
      '2024-11-03T05:00:00.000Z',
      '2024-11-03T05:30:00.000Z',
      '2024-11-03T06:30:00.000Z',
    ]);
    expect(bars[0]!.volume).toBe(0);
    expect(bars.map((b) => b.volume)).toContain(null);
    const row = canonicalBar(
      instrumentFromMeta(series.meta, 'XYZ'),
      '30min',
      bars[1]!,
      '2024-11-04T00:00:00.000Z',
    );
    // What ingestion writes is exactly what the ETL's staging expects, in its order.
    expect(Object.keys(row)).toEqual([...canonicalBarFields]);
    expect(row).toMatchObject({ exchange: '', mic_code: null, currency: 'USD', source: 'twelvedata' });
    expect(toNdjson([row, row]).split('\n')).toHaveLength(3);
  });

  it('rejects non-numeric values instead of producing NaN', () => {
    const bad = okSeriesSchema.safeParse({
      meta: { symbol: 'X', interval: '1min' },
      values: [{ datetime: '2024-01-02 10:00:00', open: 'N/A', high: '1', low: '1', close: '1' }],
      status: 'ok',
    });
    expect(bad.success).toBe(false);
  });

  it('daily bars keep their trading date at 00:00Z; forex currency comes from the pair', () => {
    const s = okSeriesSchema.parse({
      meta: { symbol: 'EUR/USD', interval: '1day', type: 'Physical Currency' },
      values: [{ datetime: '2024-03-08', open: '1', high: '1', low: '1', close: '1' }],
      status: 'ok',
    });
    expect(toSourceBars(s, '1day')[0]!.ts).toBe('2024-03-08T00:00:00.000Z');
    expect(instrumentFromMeta(s.meta, 'EUR/USD').currency).toBe('USD');
  });
});

describe('credit budget', () => {
  const fake = () => {
    let t = 1_000_000;
    const slept: number[] = [];
    return {
      now: () => t,
      sleep: async (ms: number) => {
        slept.push(ms);
        t += ms;
      },
      slept,
    };
  };

  it('never books more than the limit in any window', async () => {
    const f = fake();
    const b = new CreditBudget({
      creditsPerMinute: 10,
      minuteMs: 60_000,
      safetyMs: 0,
      now: f.now,
      sleep: f.sleep,
    });
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const release = await b.acquire(4);
      times.push(f.now());
      release();
    }
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 60_000).length * 4;
      expect(inWindow).toBeLessThanOrEqual(10);
    }
    expect(b.stats.spent).toBe(28);
    expect(f.slept.length).toBeGreaterThan(0);
  });

  it('refuses past the daily allowance without waiting', async () => {
    const f = fake();
    const b = new CreditBudget({ creditsPerDay: 5, now: f.now, sleep: f.sleep });
    await b.acquire(5);
    await expect(b.acquire(1)).rejects.toMatchObject({ code: DAILY_EXHAUSTED, retryable: false });
  });

  it('blocks for a window after the server says the minute is spent', async () => {
    const f = fake();
    const b = new CreditBudget({
      creditsPerMinute: 100,
      minuteMs: 1000,
      safetyMs: 0,
      now: f.now,
      sleep: f.sleep,
    });
    b.observeServerCredits(0);
    await b.acquire(1);
    expect(f.slept).toEqual([1000]);
  });

  it('a request in flight keeps its credits until it is answered, plus a window', async () => {
    const f = fake();
    const b = new CreditBudget({
      creditsPerMinute: 4,
      minuteMs: 1000,
      safetyMs: 0,
      now: f.now,
      sleep: f.sleep,
    });
    const release = await b.acquire(4);
    f.sleep(5000);
    // Answered five windows later: still counted for one more window from now.
    release();
    const t0 = f.now();
    (await b.acquire(4))();
    expect(f.now() - t0).toBe(1001);
  });
});

describe('backoff and redaction', () => {
  it('grows exponentially within bounds, with jitter', () => {
    expect(backoffDelay(0, { baseMs: 100, random: () => 0 })).toBe(50);
    expect(backoffDelay(3, { baseMs: 100, random: () => 1 })).toBe(800);
    expect(backoffDelay(20, { baseMs: 100, maxMs: 5000, random: () => 1 })).toBe(5000);
  });

  it('redacts the API key from URLs and text', () => {
    expect(redactUrl('https://api.twelvedata.com/time_series?symbol=A&apikey=abc123&x=1')).toBe(
      'https://api.twelvedata.com/time_series?symbol=A&apikey=***&x=1',
    );
    expect(redactText('key abc12345 leaked', 'abc12345')).toBe('key *** leaked');
  });
});
