import { describe, expect, it } from 'vitest';
import { BadRequest, MAX_SELECTED, parseSelection, selectionParams } from './series.ts';

const sel = (q: string, opts?: Parameters<typeof parseSelection>[1]) =>
  parseSelection(new URLSearchParams(q), opts);

const param = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof BadRequest) return err.param;
    throw err;
  }
  return 'no error';
};

describe('selection and series parameters', () => {
  it('maps the page selection onto each query’s own parameters', () => {
    const s = sel('symbol=AAPL&start=2024-03-04&end=2024-04-02');
    expect(selectionParams('daily_volume', s)).toEqual({
      symbol: 'AAPL',
      start_date: '2024-03-04',
      end_date: '2024-04-02',
    });
    expect(selectionParams('monthly_volume', s)).toEqual({
      symbol: 'AAPL',
      start_month: '2024-03',
      end_month: '2024-04',
    });
    expect(selectionParams('price_vs_volume', sel(''))).toEqual({});
  });

  it('takes a repeated symbol as several, keeping order and dropping duplicates and blanks', () => {
    expect(sel('symbol=SPY&symbol=AAPL&symbol=SPY&symbol=').symbols).toEqual(['SPY', 'AAPL']);
    expect(sel('').symbols).toEqual([]);
    const many = Array.from({ length: MAX_SELECTED + 1 }, (_, i) => `symbol=S${i}`).join('&');
    expect(param(() => sel(many))).toBe('symbol');
    expect(param(() => sel('symbol=A&symbol=B', { singleSymbol: true }))).toBe('symbol');
    expect(() => selectionParams('daily_volume', sel('symbol=A&symbol=B'))).toThrow(/one symbol/);
  });

  it('names the bad parameter', () => {
    expect(param(() => sel('start=yesterday'))).toBe('start');
    expect(param(() => sel('end=2023-02-29'))).toBe('end');
    expect(param(() => sel('start=2024-03-02&start=2024-03-03'))).toBe('start');
    expect(param(() => sel('start=2024-03-05&end=2024-03-04'))).toBe('end');
    expect(param(() => sel('limit=5'))).toBe('limit');
    expect(param(() => sel('interval=1h'))).toBe('interval');
    expect(sel('interval=1h', { allowExtra: ['interval'] }).symbols).toEqual([]);
    expect(param(() => sel(`symbol=${'X'.repeat(65)}`))).toBe('symbol');
    expect(sel('start=2024-02-29')).toEqual({ symbols: [], start: '2024-02-29', end: '' });
  });
});
