// The dashboard's own statements follow the registry's rules (header, declared parameters)
// and parse under the Trino grammar in their Athena form, so they run on Athena as well.
import { toAthena } from '@ohlcv/sql/params';
import { TrinoSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import { dashboardQueries } from './market.ts';

const trino = new TrinoSQL();

describe.each([...dashboardQueries.values()].map((q) => [q.name, q] as const))('%s', (_name, q) => {
  it('parses under the Trino grammar (Athena engine v3) in its Athena form', () => {
    const params = Object.fromEntries(q.params.map((p) => [p.name, p.default ?? '2024-01-02']));
    const { sql } = toAthena(q.sql, params);
    expect(trino.validate(sql)).toEqual([]);
    expect(q.description.length).toBeGreaterThan(10);
  });
});

describe('dashboard queries', () => {
  it('covers the three candle intervals and the data dates', () => {
    expect([...dashboardQueries.keys()].sort()).toEqual([
      'candles_1day',
      'candles_1h',
      'candles_1min',
      'data_dates',
      'data_dates_all',
    ]);
  });
});
