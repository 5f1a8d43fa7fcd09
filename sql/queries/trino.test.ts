import { TrinoSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import { getQuery, loadQueries, materializeSql, parseQueryFile, resolveParams } from './index.ts';
import { toAthena } from './params.ts';

const trino = new TrinoSQL();
const queries = loadQueries();

describe.each(queries.map((q) => [q.name, q] as const))('%s', (_name, q) => {
  it('parses under the Trino grammar (Athena engine v3) in its Athena form', () => {
    const params = Object.fromEntries(q.params.map((p) => [p.name, p.default ?? '2024-01-02']));
    const { sql, executionParameters } = toAthena(q.sql, params);
    expect(trino.validate(sql)).toEqual([]);
    expect(executionParameters.length).toBe((sql.match(/\?/g) ?? []).length);
  });

  it('names no database: on Athena the context database (ohlcv_<stage>) resolves its tables', () => {
    // Glue creates `ohlcv_<stage>`; a query hard-wired to `ohlcv.` fails on every stage.
    expect(q.sql).not.toMatch(/\bohlcv\s*\.\s*\w/i);
  });

  it('has a description and documented parameters', () => {
    expect(q.description.length).toBeGreaterThan(10);
    for (const p of q.params) expect(p.description.length).toBeGreaterThan(3);
  });
});

describe('registry', () => {
  it('materializes monthly_summary as an Athena CTAS that parses under Trino', () => {
    const ctas = materializeSql(getQuery('monthly_summary'), 'athena');
    expect(ctas).toMatch(/partitioned_by = ARRAY\['month'\]/);
    expect(ctas).toMatch(/^CREATE TABLE monthly_summary\n/);
    expect(materializeSql(getQuery('monthly_summary'), 'athena', 'ohlcv_dev')).toMatch(
      /^CREATE TABLE ohlcv_dev\.monthly_summary\n/,
    );
    expect(trino.validate(toAthena(ctas, { start_month: '2024-01', end_month: '2024-02' }).sql)).toEqual([]);
  });

  it('fills defaults, coerces CLI strings and names what exists on a mistake', () => {
    const q = getQuery('volatility');
    expect(resolveParams(q, { window: '60' })).toMatchObject({
      window: 60,
      start_date: '1970-01-01',
      symbol: '',
    });
    expect(() => resolveParams(q, { windo: '60' })).toThrow(
      /no parameter windo; it accepts: start_date .*window \(integer, default 20\)/,
    );
    expect(() => resolveParams(q, { window: 'x' })).toThrow(/window must be an integer/);
    expect(() => resolveParams(q, { start_date: '2024/01/01' })).toThrow(/YYYY-MM-DD/);
    const required = parseQueryFile('r', '-- description: a query\n-- @param day date  the day\nSELECT :day');
    expect(() => resolveParams(required, {})).toThrow(
      /needs parameter day; it accepts: day \(date, required\)/,
    );
    expect(() => getQuery('nope')).toThrow(
      /unknown query "nope"; known queries: daily_price_change, daily_returns/,
    );
  });

  it('rejects a header that does not match the statement', () => {
    expect(() => parseQueryFile('x', '-- description: a query\nSELECT :a')).toThrow(
      /used but not declared: \[a\]/,
    );
    expect(() =>
      parseQueryFile(
        'x',
        '-- description: a query\n-- @param a integer = 1  thing\n-- @param b date  thing\nSELECT :a',
      ),
    ).toThrow(/declared but not used: \[b\]/);
  });

  it('the Trino check can fail', () => {
    expect(trino.validate('SELECT a FROM t WHERE x = $a').length).toBeGreaterThan(0);
  });
});
