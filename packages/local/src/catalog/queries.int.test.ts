/**
 * Given/expect tests of every named query on DuckDB, over a small lake, checked against
 * calculations done here in TypeScript from the raw closes and volumes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tables } from '@ohlcv/core';
import { getQuery, materializeSql, queryRegistry, resolveParams } from '@ohlcv/sql/queries';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateDb } from '../state-db.ts';
import { type LocalCatalog, openLocalCatalog } from './local-catalog.ts';
import { byDateSymbol, byMonth, type DailyBar, dailyBars, writeTable } from './testing/fixtures.ts';

let dir: string;
let db: Database.Database;
let local: LocalCatalog;
const bars = dailyBars({ from: '2024-01-01', days: 130 });

const run = (name: string, params: Record<string, string | number> = {}) => {
  const q = getQuery(name);
  return local.queryEngine.query(q.sql, resolveParams(q, params));
};

const closeTo = (a: unknown, b: number | null) =>
  b === null ? expect(a).toBeNull() : expect(a as number).toBeCloseTo(b, 10);

function series(symbol: string): DailyBar[] {
  return bars.filter((b) => b.symbol === symbol).sort((a, b) => a.trade_date.localeCompare(b.trade_date));
}

/** Sample standard deviation, the textbook two-pass way. */
function sampleStd(xs: number[]): number {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
}

const ts = (date: string, minute: number) => {
  const d = new Date(Date.parse(`${date}T14:30:00Z`) + minute * 60_000);
  return d.toISOString().replace('T', ' ').slice(0, 19);
};
const bar = (symbol: string, t: string) => ({
  symbol,
  exchange: '',
  interval: '1min',
  ts: t,
  open: 1,
  high: 1,
  low: 1,
  close: 1,
  volume: 1,
  source: 'file',
  ingested_at: '2024-01-03 00:00:00',
  raw_object: 'raw/a.csv',
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-queries-'));
  db = openStateDb(path.join(dir, 'state.db'));
  local = openLocalCatalog({ db, lakeRoot: path.join(dir, 'lake') });
  const lake = path.join(dir, 'lake');
  await local.catalog.registerPartitions(
    'bars_daily',
    await writeTable(lake, tables.bars_daily, bars, byMonth),
  );
  // AAPL 2024-01-02: 10 one-minute bars, minutes 3,4 and 7 missing. MSFT: complete.
  const aapl = [0, 1, 2, 5, 6, 8, 9].map((m) => bar('AAPL', ts('2024-01-02', m)));
  const msft = [0, 1, 2, 3].map((m) => bar('MSFT', ts('2024-01-02', m)));
  const aapl3 = [0, 10].map((m) => bar('AAPL', ts('2024-01-03', m)));
  await local.catalog.registerPartitions(
    'bars',
    await writeTable(lake, tables.bars, [...aapl, ...msft, ...aapl3], byDateSymbol),
  );
});

afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('query registry', () => {
  it('has every query the issue asks for', () => {
    expect([...queryRegistry().keys()].sort()).toEqual(
      [
        'daily_price_change',
        'daily_returns',
        'daily_volume',
        'gaps',
        'monthly_summary',
        'monthly_volume',
        'price_vs_volume',
        'top_movers',
        'volatility',
      ].sort(),
    );
  });

  it.each([...queryRegistry().keys()])('%s returns rows on the fixture lake', async (name) => {
    const params: Record<string, string> = {};
    expect((await run(name, params)).length).toBeGreaterThan(0);
  });
});

describe('daily_returns', () => {
  it('matches returns and cumulative return computed from closes', async () => {
    const rows = await run('daily_returns', {
      start_date: '2024-02-10',
      end_date: '2024-03-20',
      symbol: 'MSFT',
    });
    const expected = series('MSFT').filter(
      (b) => b.trade_date >= '2024-02-10' && b.trade_date <= '2024-03-20',
    );
    const all = series('MSFT');
    expect(rows.map((r) => r.trade_date)).toEqual(expected.map((b) => b.trade_date));
    rows.forEach((r, i) => {
      const b = expected[i]!;
      const prev = all[all.indexOf(b) - 1]!;
      closeTo(r.close, b.close);
      closeTo(r.daily_return, b.close / prev.close - 1);
      closeTo(r.log_return, Math.log(b.close / prev.close));
      closeTo(r.cumulative_return, b.close / expected[0]!.close - 1);
    });
  });
});

describe('volatility', () => {
  it.each([20, 60])('is the annualized sample stddev of the last %i returns, null before', async (n) => {
    const rows = await run('volatility', { window: n, symbol: 'BTC/USD', start_date: '2024-01-01' });
    const s = series('BTC/USD');
    const returns = s.slice(1).map((b, i) => ({ date: b.trade_date, r: b.close / s[i]!.close - 1 }));
    expect(rows.map((r) => r.trade_date)).toEqual(returns.map((x) => x.date));
    rows.forEach((row, i) => {
      const expected = i + 1 < n ? null : sampleStd(returns.slice(i + 1 - n, i + 1).map((x) => x.r));
      closeTo(row.volatility, expected);
      closeTo(row.annualized_volatility, expected === null ? null : expected * Math.sqrt(252));
    });
    expect(rows.filter((r) => r.volatility !== null)).toHaveLength(returns.length - n + 1);
  });

  it('looks back before start_date, so the first rows in range have a full window', async () => {
    const rows = await run('volatility', {
      window: 20,
      symbol: 'AAPL',
      start_date: '2024-04-01',
      end_date: '2024-04-05',
    });
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => typeof r.volatility === 'number')).toBe(true);
  });
});

describe('top_movers', () => {
  it('ranks symbols by daily return on a date', async () => {
    const day = '2024-03-05';
    const expected = ['AAPL', 'MSFT', 'BTC/USD', 'EUR/USD']
      .map((symbol) => {
        const s = series(symbol);
        const i = s.findIndex((b) => b.trade_date === day);
        return { symbol, r: s[i]!.close / s[i - 1]!.close - 1 };
      })
      .sort((a, b) => b.r - a.r);
    const rows = await run('top_movers', { start_date: day, k: 2 });
    expect(rows.filter((r) => r.side === 'top').map((r) => r.symbol)).toEqual(
      expected.slice(0, 2).map((e) => e.symbol),
    );
    expect(rows.filter((r) => r.side === 'bottom').map((r) => r.symbol)).toEqual(
      expected
        .slice(-2)
        .reverse()
        .map((e) => e.symbol),
    );
    closeTo(rows[0]!.period_return, expected[0]!.r);
    expect(rows[0]!.trading_days).toBe(1);
  });

  it('defaults to the latest trade date', async () => {
    const latest = bars
      .map((b) => b.trade_date)
      .sort()
      .at(-1);
    const rows = await run('top_movers', { k: 1 });
    const expectedTop = bars
      .filter((b) => b.trade_date === latest)
      .sort((a, b) => (b.daily_return ?? 0) - (a.daily_return ?? 0))[0]!;
    expect(rows[0]).toMatchObject({ side: 'top', symbol: expectedTop.symbol, trading_days: 1 });
  });

  it('ranks by compounded return over a range', async () => {
    const rows = await run('top_movers', { start_date: '2024-02-01', end_date: '2024-02-29', k: 4 });
    for (const row of rows.filter((r) => r.side === 'top')) {
      const s = series(String(row.symbol));
      const first = s.findIndex((b) => b.trade_date >= '2024-02-01');
      const last = s.findLastIndex((b) => b.trade_date <= '2024-02-29');
      closeTo(row.period_return, s[last]!.close / s[first - 1]!.close - 1);
    }
    const returns = rows.filter((r) => r.side === 'top').map((r) => r.period_return as number);
    expect(returns).toEqual([...returns].sort((a, b) => b - a));
  });
});

describe('monthly_volume and daily series', () => {
  it('sums volume per symbol and month', async () => {
    const rows = await run('monthly_volume', { start_month: '2024-02', end_month: '2024-03' });
    const expected = new Map<string, number | null>();
    const days = new Map<string, number>();
    for (const b of bars) {
      const m = b.trade_date.slice(0, 7);
      if (m < '2024-02' || m > '2024-03') continue;
      const k = `${b.symbol}|${m}`;
      expected.set(k, b.volume === null ? (expected.get(k) ?? null) : (expected.get(k) ?? 0) + b.volume);
      days.set(k, (days.get(k) ?? 0) + 1);
    }
    expect(rows).toHaveLength(expected.size);
    for (const r of rows) {
      const k = `${r.symbol}|${r.month}`;
      expect(r.total_volume).toBe(expected.get(k));
      expect(r.trading_days).toBe(days.get(k));
    }
  });

  it('daily_volume, daily_price_change and price_vs_volume agree with the bars', async () => {
    const p = { start_date: '2024-01-15', end_date: '2024-01-19', symbol: 'AAPL' };
    const expected = series('AAPL').filter((b) => b.trade_date >= p.start_date && b.trade_date <= p.end_date);
    const vol = await run('daily_volume', p);
    expect(vol.map((r) => [r.trade_date, r.volume])).toEqual(expected.map((b) => [b.trade_date, b.volume]));
    const chg = await run('daily_price_change', p);
    chg.forEach((r, i) => {
      closeTo(r.price_change, expected[i]!.close - expected[i]!.open);
      closeTo(r.price_change_pct, expected[i]!.close / expected[i]!.open - 1);
    });
    const pv = await run('price_vs_volume', { ...p, symbol: '' });
    expect(pv.some((r) => r.symbol === 'EUR/USD')).toBe(false);
    expect(pv.filter((r) => r.symbol === 'AAPL').map((r) => r.abs_return)).toEqual(
      expected.map((b) => Math.abs(b.daily_return ?? 0)),
    );
  });
});

describe('gaps', () => {
  it('counts missing bars inside each observed session, per symbol, day and interval', async () => {
    const rows = await run('gaps', {});
    const pick = (r: Record<string, unknown>) => [
      r.symbol,
      r.date,
      r.interval,
      r.expected_bars,
      r.actual_bars,
      r.missing_bars,
      r.largest_gap_minutes,
    ];
    expect(rows.map(pick)).toEqual([
      ['AAPL', '2024-01-02', '1min', 10, 7, 3, 2],
      ['AAPL', '2024-01-03', '1min', 11, 2, 9, 9],
      ['MSFT', '2024-01-02', '1min', 4, 4, 0, 0],
    ]);
    expect(rows[0]).toMatchObject({ first_bar: '2024-01-02 14:30:00', last_bar: '2024-01-02 14:39:00' });
    expect((await run('gaps', { min_missing: 1 })).map((r) => r.symbol)).toEqual(['AAPL', 'AAPL']);
    expect(await run('gaps', { start_date: '2024-01-03' })).toHaveLength(1);
    expect(await run('gaps', { interval: '5min' })).toHaveLength(0);
  });
});

describe('partition pruning', () => {
  const scanned = async (name: string, params: Record<string, string | number>) => {
    const q = getQuery(name);
    const session = await local.openSession();
    try {
      const plan = await session.query(
        `EXPLAIN ANALYZE ${q.sql.replace(/^--.*\n/gm, '')}`,
        resolveParams(q, params),
      );
      return [...JSON.stringify(plan).matchAll(/Scanning Files: (\d+)\/(\d+)/g)].map(
        (m) => `${m[1]}/${m[2]}`,
      );
    } finally {
      session.close();
    }
  };

  it.each([
    ['top_movers', { start_date: '2024-03-05' }, ['1/5']],
    ['daily_returns', { start_date: '2024-02-10', end_date: '2024-03-20' }, ['2/5']],
    ['volatility', { start_date: '2024-04-01', end_date: '2024-04-05', window: 20 }, ['3/5']],
    ['monthly_volume', { start_month: '2024-02', end_month: '2024-02' }, ['1/5']],
    ['gaps', { start_date: '2024-01-03' }, ['1/3']],
  ] as const)('%s reads only the partitions its dates need', async (name, params, files) => {
    expect(await scanned(name, params)).toEqual(files);
  });
});

describe('monthly_summary (CTAS)', () => {
  it('materializes monthly OHLCV per symbol, reading only the months asked for', async () => {
    const q = getQuery('monthly_summary');
    const session = await local.openSession();
    try {
      await session.query(
        materializeSql(q, 'duckdb'),
        resolveParams(q, { start_month: '2024-02', end_month: '2024-02' }),
      );
      const rows = await session.query('SELECT * FROM ohlcv.monthly_summary ORDER BY symbol');
      expect(rows.map((r) => r.symbol)).toEqual(['AAPL', 'BTC/USD', 'EUR/USD', 'MSFT']);
      const s = series('MSFT');
      const feb = s.filter((b) => b.trade_date.startsWith('2024-02'));
      const beforeFeb = s[s.indexOf(feb[0]!) - 1]!;
      const msft = rows.find((r) => r.symbol === 'MSFT')!;
      expect(msft).toMatchObject({
        month: '2024-02',
        open: feb[0]!.open,
        close: feb.at(-1)!.close,
        trading_days: feb.length,
      });
      expect(msft.volume).toBe(feb.reduce((t, b) => t + (b.volume ?? 0), 0));
      closeTo(msft.monthly_return, feb.at(-1)!.close / beforeFeb.close - 1);
      const plan = await session.query(
        `EXPLAIN ANALYZE ${materializeSql(q, 'duckdb').replace(/^CREATE OR REPLACE TABLE \S+ AS/, '')}`,
        {
          start_month: '2024-02',
          end_month: '2024-02',
        },
      );
      expect(JSON.stringify(plan)).toMatch(/Scanning Files: 1\/5/);
    } finally {
      session.close();
    }
  });
});
