import { afterEach, describe, expect, it } from 'vitest';
import { ndjsonBar, TestLake } from './lake-harness.ts';
import type { ModelBar } from './reference-model.ts';
import { modelBars, modelDaily, modelRollup } from './reference-model.ts';

/** Deterministic pseudo-random bars (mulberry32), spread over days, with gaps and no-volume bars. */
function generate(seed: number, symbols: string[], days: string[]): ModelBar[] {
  let s = seed;
  const rand = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const bars: ModelBar[] = [];
  for (const symbol of symbols) {
    let price = 50 + rand() * 100;
    for (const day of days) {
      for (let m = 0; m < 150; m += 1 + Math.floor(rand() * 7)) {
        price *= 1 + (rand() - 0.5) / 50;
        const hh = String(13 + Math.floor(m / 60)).padStart(2, '0');
        const mm = String(m % 60).padStart(2, '0');
        const volume = rand() < 0.1 ? 0 : rand() < 0.05 ? null : Math.round(rand() * 1000);
        bars.push({
          symbol,
          exchange: 'XNAS',
          interval: '1min',
          ts: `${day} ${hh}:${mm}:00`,
          open: price,
          high: price * 1.01,
          low: price * 0.99,
          close: price,
          volume,
          ingested_at: '2024-01-03 00:00:00',
          raw_object: '',
          line: 0,
        });
      }
    }
  }
  return bars;
}

const toNdjson = (bars: ModelBar[]) =>
  bars
    .map((b) =>
      ndjsonBar({ symbol: b.symbol, ts: `${b.ts.replace(' ', 'T')}Z`, close: b.close, volume: b.volume }),
    )
    .join('\n');

const close = (a: unknown, b: number | null) =>
  b === null ? a === null : Math.abs(Number(a) - b) <= 1e-9 * Math.abs(b);

let lake: TestLake;
afterEach(() => lake.cleanup());

describe('derived values against an independent calculation', () => {
  it('matches the model, including a late day that fixes later returns', async () => {
    lake = new TestLake();
    const days = ['2024-01-29', '2024-01-30', '2024-01-31', '2024-02-01', '2024-02-02'];
    const all = generate(7, ['AAPL', 'BTC/USD'], days);
    // Everything but 01-31 first, then the late day: pct_change of 02-01's first bar and
    // 02-01's daily_return (next month) must be recomputed.
    const late = all.filter((b) => b.ts.startsWith('2024-01-31'));
    const early = all.filter((b) => !b.ts.startsWith('2024-01-31'));
    await lake.run([{ key: 'raw/early.ndjson', body: toNdjson(early) }]);
    const second = await lake.run([{ key: 'raw/late.ndjson', body: toNdjson(late) }]);
    expect(second.partitionsWritten.filter((p) => p.table === 'bars').map((p) => p.values.date)).toEqual([
      '2024-01-31',
      '2024-01-31',
      '2024-02-01',
      '2024-02-01',
    ]);
    expect(
      second.partitionsWritten.filter((p) => p.table === 'bars_daily').map((p) => p.values.month),
    ).toEqual(['2024-01', '2024-02']);

    const expectedBars = modelBars(all).sort((a, b) => (a.symbol + a.ts < b.symbol + b.ts ? -1 : 1));
    const bars = await lake.dump('bars');
    expect(bars).toHaveLength(expectedBars.length);
    bars.forEach((row, i) => {
      const e = expectedBars[i]!;
      expect([row.symbol, row.ts]).toEqual([e.symbol, e.ts]);
      expect(close(row.pct_change, e.pct_change), `pct_change ${e.symbol} ${e.ts}`).toBe(true);
      expect(close(row.vwap, e.vwap), `vwap ${e.symbol} ${e.ts}`).toBe(true);
    });

    const hourly = await lake.dump('bars_hourly');
    const expectedHourly = modelRollup(all, (b) => `${b.ts.slice(0, 13)}:00:00`).sort((a, b) =>
      a.symbol + a.period < b.symbol + b.period ? -1 : 1,
    );
    expect(hourly.map((h) => [h.symbol, h.ts, Number(h.bar_count)])).toEqual(
      expectedHourly.map((h) => [h.symbol, h.period, h.bar_count]),
    );
    hourly.forEach((h, i) => {
      const e = expectedHourly[i]!;
      for (const k of ['open', 'high', 'low', 'close', 'volume', 'vwap'] as const) {
        expect(close(h[k], e[k]), `${k} ${e.symbol} ${e.period}`).toBe(true);
      }
    });

    const daily = await lake.dump('bars_daily');
    const expectedDaily = modelDaily(all).sort((a, b) =>
      a.symbol + a.period < b.symbol + b.period ? -1 : 1,
    );
    expect(daily.map((d) => [d.symbol, d.trade_date, d.month])).toEqual(
      expectedDaily.map((d) => [d.symbol, d.period, d.period.slice(0, 7)]),
    );
    daily.forEach((d, i) => {
      const e = expectedDaily[i]!;
      for (const k of [
        'open',
        'high',
        'low',
        'close',
        'volume',
        'vwap',
        'daily_return',
        'log_return',
      ] as const) {
        expect(close(d[k], e[k]), `${k} ${e.symbol} ${e.period}`).toBe(true);
      }
    });
  });

  it('stores BTC/USD as one escaped partition folder that DuckDB decodes back', async () => {
    lake = new TestLake();
    const summary = await lake.run([
      {
        key: 'raw/x.ndjson',
        body: ndjsonBar({ symbol: 'BTC/USD', ts: '2024-01-02T00:00:00Z', close: 42000 }),
      },
    ]);
    const bars = summary.partitionsWritten.find((p) => p.table === 'bars')!;
    // A run-scoped version under the one escaped partition folder (atomic publish).
    expect(bars.location).toBe('processed/bars/date=2024-01-02/symbol=BTC%2FUSD/_v0000000001-run-1/');
    expect(bars.values).toEqual({ date: '2024-01-02', symbol: 'BTC/USD' });
    const rows = await lake.dump('bars');
    expect(rows.map((r) => [r.symbol, r.date])).toEqual([['BTC/USD', '2024-01-02']]);
  });
});
