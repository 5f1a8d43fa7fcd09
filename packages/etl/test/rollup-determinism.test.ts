/**
 * Finding 7 of issue 13: two clean runs of the same drops differed in the last digits of
 * vwap in bars_hourly — float sums depend on the order rows are added, which threads and
 * batches change. The rollups must give bit-identical values in any input order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckSession } from '../src/duckdb.ts';
import { barSchema, given, runStep, sqlSession } from './sql-harness.ts';

let db: DuckSession;
beforeEach(async () => {
  db = await sqlSession();
  await runStep(db, 'intervals');
});
afterEach(() => db.close());

const barsOutSchema = {
  ...barSchema,
  pct_change: 'DOUBLE',
  vwap: 'DOUBLE',
  date: 'VARCHAR',
  is_context: 'INTEGER',
};

/** An hour of 1-minute bars whose prices and fractional volumes make float sums order-sensitive. */
const hour = Array.from({ length: 60 }, (_, m) => {
  const price = 100 + Math.sin(m) * 7 + 1 / 3;
  return {
    symbol: 'BTC/USD',
    exchange: 'X',
    interval: '1min',
    ts: `2024-01-02 14:${String(m).padStart(2, '0')}:00`,
    open: price,
    high: price * 1.001 + 0.1,
    low: price * 0.999 - 0.1,
    close: price + 0.01 * m,
    volume: 0.1 + ((m * 7919) % 97) / 9.7,
    source: 'file',
    ingested_at: '2024-01-03 00:00:00',
    raw_object: 'raw/a',
    date: '2024-01-02',
    is_context: 0,
  };
});

/** Deterministic shuffles: reversed, and interleaved odd/even minutes. */
const orders = [
  hour,
  [...hour].reverse(),
  [...hour.filter((_, i) => i % 2), ...hour.filter((_, i) => !(i % 2))],
];

describe('rollups are bit-identical in any input order', () => {
  it.each([
    ['hourly_fresh', 'ts'],
    ['daily_fresh', 'trade_date'],
  ])('%s: vwap and volume', async (relation, order) => {
    const results: { vwap: unknown; volume: unknown }[] = [];
    for (const rows of orders) {
      await given(db, 'bars_out', barsOutSchema, rows);
      const [row] = await runStep(db, relation, order);
      results.push({ vwap: row!.vwap, volume: row!.volume });
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    // pyspark 3.5.4 (Glue 5.0's Spark) gives these same bits for this hour (checked by hand
    // with the shared SQL; issue 12's parity suite is where that check belongs).
    expect(results[0]).toEqual({ vwap: 100.82463687251426, volume: 299.4020618556701 });
    // And close to the exact value (no precision was given up for it).
    const pv = hour.reduce((s, b) => s + ((b.high + b.low + b.close) / 3) * b.volume, 0);
    const v = hour.reduce((s, b) => s + b.volume, 0);
    expect(results[0]!.vwap as number).toBeCloseTo(pv / v, 11);
  });
});
