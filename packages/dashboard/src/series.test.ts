import { describe, expect, it } from 'vitest';
import { BadRequest, parseSelection, resolveSeries, selectionParams } from './series.ts';

const sel = (q: string) => parseSelection(new URLSearchParams(q));

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
    expect(resolveSeries('price_vs_volume', {}).params).toEqual({
      start_date: '1970-01-01',
      end_date: '9999-12-31',
      symbol: '',
    });
  });

  it('names the bad parameter', () => {
    const param = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (err instanceof BadRequest) return err.param;
        throw err;
      }
      return 'no error';
    };
    expect(param(() => sel('start=yesterday'))).toBe('start');
    expect(param(() => sel('end=2023-02-29'))).toBe('end');
    expect(param(() => sel('start=2024-03-02&start=2024-03-03'))).toBe('start');
    expect(param(() => sel('limit=5'))).toBe('limit');
    expect(param(() => sel(`symbol=${'X'.repeat(65)}`))).toBe('symbol');
    expect(param(() => resolveSeries('daily_volume', { start_date: '2024-02-30' }))).toBe('start_date');
    expect(param(() => resolveSeries('monthly_volume', { end_month: '24-01' }))).toBe('end_month');
    expect(param(() => resolveSeries('monthly_volume', { k: '1' }))).toBe('k');
    expect(sel('start=2024-02-29')).toEqual({ symbol: '', start: '2024-02-29', end: '' });
  });
});
