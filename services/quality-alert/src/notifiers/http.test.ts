import { memoryLogger } from '@ohlcv/core/contracts/in-memory';
import { describe, expect, it } from 'vitest';
import { type FetchLike, postJson, redactUrl } from './http.ts';

const SECRET_URL = 'https://hooks.slack.com/services/T000/B000/sekr1tsekr1t';

type Answer = number | 'throw' | 'timeout';
function fakeFetch(answers: Answer[], headers: Record<string, string> = {}) {
  const calls: { url: string; body: string; headers: Record<string, string> }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, body: init.body, headers: init.headers });
    const a = answers.shift() ?? 200;
    if (a === 'throw')
      throw Object.assign(new TypeError(`fetch failed for ${url}`), { cause: { code: 'ECONNREFUSED' } });
    if (a === 'timeout') throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    return {
      status: a,
      headers: { get: (n: string) => headers[n.toLowerCase()] ?? null },
      text: async () => (a >= 400 ? 'no_service' : 'ok'),
    };
  };
  return { fetch, calls };
}

describe('postJson', () => {
  it('redacts the credential part of a webhook URL', () => {
    expect(redactUrl(SECRET_URL)).toBe('https://hooks.slack.com/***');
    expect(redactUrl('not a url')).toBe('***');
  });

  it('posts JSON once on success', async () => {
    const f = fakeFetch([200]);
    await postJson('t', SECRET_URL, { a: 1 }, { fetch: f.fetch });
    expect(f.calls).toHaveLength(1);
    expect(JSON.parse(f.calls[0]!.body)).toEqual({ a: 1 });
    expect(f.calls[0]!.headers['content-type']).toBe('application/json');
  });

  it('retries 5xx, connection errors and timeouts with doubling backoff, then succeeds', async () => {
    const f = fakeFetch([503, 'throw', 'timeout', 200]);
    const waits: number[] = [];
    const logger = memoryLogger();
    await postJson(
      't',
      SECRET_URL,
      {},
      { fetch: f.fetch, retries: 3, backoffMs: 10, sleep: async (ms) => void waits.push(ms), logger },
    );
    expect(f.calls).toHaveLength(4);
    expect(waits).toEqual([10, 20, 40]);
    const problems = logger.lines.map((l) => l.extra?.problem);
    expect(problems).toEqual(['HTTP 503 no_service', 'TypeError (ECONNREFUSED)', 'timed out after 5000 ms']);
    expect(JSON.stringify(logger.lines)).not.toContain('sekr1t');
  });

  it('honours Retry-After on 429, bounded', async () => {
    const f = fakeFetch([429, 200], { 'retry-after': '120' });
    const waits: number[] = [];
    await postJson(
      't',
      SECRET_URL,
      {},
      { fetch: f.fetch, sleep: async (ms) => void waits.push(ms), maxRetryAfterMs: 3000 },
    );
    expect(waits).toEqual([3000]);
  });

  it('gives up after the bounded retries with a retryable error that does not leak the URL', async () => {
    const f = fakeFetch(['throw', 'throw', 'throw', 'throw']);
    const err = await postJson(
      'slack',
      SECRET_URL,
      {},
      { fetch: f.fetch, retries: 2, sleep: async () => {} },
    ).catch((e: unknown) => e);
    expect(f.calls).toHaveLength(3);
    expect(err).toMatchObject({ code: 'WebhookFailed', retryable: true });
    expect((err as Error).message).toContain('https://hooks.slack.com/***');
    expect((err as Error).message).not.toContain('sekr1t');
  });

  it('does not retry a 4xx rejection', async () => {
    const f = fakeFetch([404]);
    const err = await postJson('slack', SECRET_URL, {}, { fetch: f.fetch, sleep: async () => {} }).catch(
      (e: unknown) => e,
    );
    expect(f.calls).toHaveLength(1);
    expect(err).toMatchObject({ code: 'WebhookRejected', retryable: false });
  });
});
