import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedSymbols } from '../src/embedded/instruments.ts';
import { type EmbeddedTwelveData, startEmbeddedTwelveData } from '../src/embedded/server.ts';

interface Value {
  datetime: string;
  open: string;
  volume?: string;
}
interface Body {
  status: string;
  meta: Record<string, unknown>;
  values: Value[];
  message: string;
  [symbol: string]: unknown;
}

let server: EmbeddedTwelveData;
const get = async (q: string, s = server) => {
  const res = await fetch(`${s.url}/time_series?${q}&apikey=demo`);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Body };
};

beforeAll(async () => {
  server = await startEmbeddedTwelveData({ seed: 5 });
});
afterAll(() => server.close());

describe('embedded Twelve Data source', () => {
  it('serves New York session hours in exchange time, DST included, values as strings', async () => {
    const before = await get('symbol=AAPL&interval=1h&start_date=2024-03-08&end_date=2024-03-09&order=asc');
    expect(before.body.status).toBe('ok');
    expect(before.body.meta).toMatchObject({
      symbol: 'AAPL',
      exchange_timezone: 'America/New_York',
      mic_code: 'XNGS',
    });
    const dts = before.body.values.map((v: { datetime: string }) => v.datetime);
    expect(dts[0]).toBe('2024-03-08 09:30:00');
    expect(dts.at(-1)).toBe('2024-03-08 15:30:00');
    expect(dts).toHaveLength(7);
    expect(typeof before.body.values[0]?.open).toBe('string');
    // Asked in UTC, the same session opens at 14:30Z before and 13:30Z after spring-forward.
    const utc = await get(
      'symbol=AAPL&interval=1h&start_date=2024-03-08&end_date=2024-03-12&order=asc&timezone=UTC',
    );
    const times = utc.body.values.map((v: { datetime: string }) => v.datetime);
    expect(times).toContain('2024-03-08 14:30:00');
    expect(times).toContain('2024-03-11 13:30:00');
    expect(times.some((t: string) => t.startsWith('2024-03-09') || t.startsWith('2024-03-10'))).toBe(false);
  });

  it('has a U-shaped equity volume profile', async () => {
    const { body } = await get(
      'symbol=MSFT&interval=30min&start_date=2024-03-04&end_date=2024-03-09&order=asc',
    );
    const byTime = new Map<string, number>();
    for (const v of body.values) {
      const t = v.datetime.slice(11);
      byTime.set(t, (byTime.get(t) ?? 0) + Number(v.volume));
    }
    const open = byTime.get('09:30:00')!;
    const noon = byTime.get('12:30:00')!;
    const close = byTime.get('15:30:00')!;
    expect(open).toBeGreaterThan(noon * 1.5);
    expect(close).toBeGreaterThan(noon * 1.5);
  });

  it('crypto trades 24/7 with volume; forex 24/5 without a volume field', async () => {
    const btc = await get('symbol=BTC/USD&interval=1h&start_date=2024-03-09&end_date=2024-03-09 23:00:00');
    expect(btc.body.values).toHaveLength(24);
    expect(btc.body.values[0]?.volume).toBeDefined();
    const fx = await get('symbol=EUR/USD&interval=1h&start_date=2024-03-08&end_date=2024-03-11');
    expect(fx.body.values[0]).not.toHaveProperty('volume');
    const days = new Set(fx.body.values.map((v: { datetime: string }) => v.datetime.slice(0, 10)));
    expect(days.has('2024-03-09')).toBe(false);
  });

  it('is deterministic: the same bar whatever the range or page asked', async () => {
    const a = await get(
      'symbol=NVDA&interval=1min&start_date=2024-03-05 10:00:00&end_date=2024-03-05 10:10:00',
    );
    const b = await get(
      'symbol=NVDA&interval=1min&start_date=2024-03-05&end_date=2024-03-06&outputsize=5000',
    );
    const pick = (body: Body) => body.values.find((v) => v.datetime === '2024-03-05 10:05:00');
    expect(pick(a.body)).toEqual(pick(b.body));
    const other = await startEmbeddedTwelveData({ seed: 5 });
    try {
      const c = await get(
        'symbol=NVDA&interval=1min&start_date=2024-03-05 10:00:00&end_date=2024-03-05 10:10:00',
        other,
      );
      expect(c.body.values).toEqual(a.body.values);
    } finally {
      await other.close();
    }
  });

  it('answers a symbol outside its instrument list like Twelve Data: 404 naming it, no bars', async () => {
    const { body } = await get('symbol=ZZZZNOTREAL&interval=1day&outputsize=3&end_date=2024-03-09');
    expect(body).toEqual({
      code: 404,
      status: 'error',
      message:
        '**symbol** not found: ZZZZNOTREAL. Please specify it correctly according to API Documentation.',
    });
    // The list is explicit and extendable.
    expect(embeddedSymbols()).toEqual(expect.arrayContaining(['AAPL', 'BTC/USD', 'EUR/USD', 'SPY']));
    const wider = await startEmbeddedTwelveData({ seed: 5, extraSymbols: ['ZZZZNOTREAL'] });
    try {
      const known = await get('symbol=ZZZZNOTREAL&interval=1day&outputsize=3&end_date=2024-03-09', wider);
      expect(known.body.status).toBe('ok');
      expect(known.body.values).toHaveLength(3);
    } finally {
      await wider.close();
    }
  });

  it('answers batches keyed by symbol, each with its own status', async () => {
    const { body } = await get('symbol=AAPL,NOSUCH,ETH/USD&interval=1day&outputsize=3&end_date=2024-03-09');
    expect(Object.keys(body)).toEqual(['AAPL', 'NOSUCH', 'ETH/USD']);
    const aapl = body.AAPL as Body;
    expect(aapl.status).toBe('ok');
    expect(body.NOSUCH).toMatchObject({ code: 404, status: 'error' });
    expect(aapl.values.map((v: { datetime: string }) => v.datetime)).toEqual([
      '2024-03-08',
      '2024-03-07',
      '2024-03-06',
    ]);
  });

  it('answers "No data is available" for a closed range', async () => {
    const r = await get('symbol=AAPL&interval=1min&start_date=2024-03-09&end_date=2024-03-10');
    expect(r.body).toMatchObject({ code: 400, status: 'error' });
    expect(r.body.message).toMatch(/No data is available on the specified dates/);
  });

  it('enforces a per-minute credit limit with 429 bodies and credit headers', async () => {
    const limited = await startEmbeddedTwelveData({ creditsPerMinute: 3, minuteMs: 1000 });
    try {
      const q = 'symbol=AAPL,MSFT&interval=1day&outputsize=1&end_date=2024-03-09';
      const first = await get(q, limited);
      expect(first.headers.get('api-credits-used')).toBe('2');
      expect(first.headers.get('api-credits-left')).toBe('1');
      const second = await get(q, limited);
      expect(second.status).toBe(429);
      expect(second.body.message).toMatch(/run out of API credits for the current minute/);
      expect(limited.stats()).toMatchObject({ credits: 2, rateLimited: 1 });
    } finally {
      await limited.close();
    }
  });
});
