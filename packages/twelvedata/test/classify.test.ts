/** `classifyAnswer` on every answer shape Twelve Data sends, with no server. */
import { describe, expect, it } from 'vitest';
import { classifyAnswer } from '../src/client/classify.ts';

const series = (symbol: string) => ({
  meta: { symbol, interval: '1min', exchange_timezone: 'America/New_York' },
  values: [{ datetime: '2024-03-11 09:30:00', open: '1', high: '1', low: '1', close: '1', volume: '1' }],
  status: 'ok',
});
const error = (code: number, message: string) => ({ code, message, status: 'error' });

describe('classifyAnswer', () => {
  it('a single-symbol series is that symbol, whatever the HTTP status', () => {
    const a = classifyAnswer(200, series('AAPL'), ['AAPL']);
    expect(a.kind === 'entries' && a.entries.get('AAPL')?.kind).toBe('ok');
  });

  it('429 in the body is the minute budget; "for the day" is the daily one', () => {
    expect(
      classifyAnswer(200, error(429, 'run out of API credits for the current minute'), ['A']),
    ).toMatchObject({
      kind: 'rate-limited',
      daily: false,
    });
    expect(classifyAnswer(429, error(429, 'run out of API credits for the day'), ['A'])).toMatchObject({
      kind: 'rate-limited',
      daily: true,
    });
  });

  it('"no data" is an empty result for every symbol, even with a 429 status', () => {
    const a = classifyAnswer(429, error(400, 'No data is available on the specified dates'), ['A', 'B']);
    expect(a.kind === 'entries' && [...a.entries.values()].map((e) => e.kind)).toEqual(['empty', 'empty']);
  });

  it('a symbol error of a one-symbol request is that symbol’s result; of a batch, the request’s', () => {
    const one = classifyAnswer(200, error(404, 'symbol not found'), ['NOPE']);
    expect(one.kind === 'entries' && one.entries.get('NOPE')?.kind).toBe('error');
    expect(classifyAnswer(200, error(400, 'bad interval'), ['A', 'B'])).toMatchObject({
      kind: 'request-error',
    });
    expect(classifyAnswer(200, error(401, 'bad key'), ['A'])).toMatchObject({ kind: 'request-error' });
  });

  it('a batch answer: one entry per requested symbol, a missing one an error', () => {
    const a = classifyAnswer(
      200,
      { A: series('A'), B: error(400, 'No data is available'), C: error(404, 'not found') },
      ['A', 'B', 'C', 'D'],
    );
    expect(a.kind === 'entries' && Object.fromEntries([...a.entries].map(([s, e]) => [s, e.kind]))).toEqual({
      A: 'ok',
      B: 'empty',
      C: 'error',
      D: 'error',
    });
  });

  it('a body of no known shape is unreadable, with its status', () => {
    expect(classifyAnswer(502, { message: 'Bad Gateway' }, ['A', 'B'])).toMatchObject({
      kind: 'unreadable',
      status: 502,
    });
  });
});
