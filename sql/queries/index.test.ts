/** Typed query parameters: real dates, bounded numbers — bad values are errors, never "(no rows)". */
import { describe, expect, it } from 'vitest';
import { getQuery, parseQueryFile, QueryParamError, resolveParams } from './index.ts';

describe('query parameters', () => {
  it('rejects dates and months that match the shape but do not exist', () => {
    const q = getQuery('top_movers');
    for (const bad of ['2024-13-45', '2024-02-30', '2023-02-29', '2024-00-10'])
      expect(() => resolveParams(q, { start_date: bad })).toThrow(
        new QueryParamError(`parameter start_date must be a YYYY-MM-DD date, got "${bad}"`),
      );
    expect(resolveParams(q, { start_date: '2024-02-29' }).start_date).toBe('2024-02-29');
    expect(() => resolveParams(getQuery('monthly_volume'), { start_month: '2024-13' })).toThrow(
      QueryParamError,
    );
  });

  it('rejects windows and counts below their declared minimum', () => {
    expect(() => resolveParams(getQuery('volatility'), { window: '-3' })).toThrow(
      'parameter window must be at least 2, got -3',
    );
    expect(() => resolveParams(getQuery('top_movers'), { k: '0' })).toThrow('parameter k must be at least 1');
    expect(resolveParams(getQuery('volatility'), { window: '60' }).window).toBe(60);
  });

  it('reads a minimum from the header and refuses one on a non-number', () => {
    const q = parseQueryFile('t', '-- description: x\n-- @param n integer>=3 = 5  help\nSELECT :n');
    expect(q.params[0]).toMatchObject({
      name: 'n',
      type: 'integer',
      min: 3,
      default: 5,
      description: 'help',
    });
    expect(() => parseQueryFile('t', '-- description: x\n-- @param s string>=3  help\nSELECT :s')).toThrow(
      'a minimum needs a number type',
    );
  });
});
