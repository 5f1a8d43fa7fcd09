import { describe, expect, it } from 'vitest';
import { limiter, ResultCache } from './cache.ts';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('result cache', () => {
  it('computes a key once for all concurrent callers, again when the catalog version changes', async () => {
    const cache = new ResultCache();
    let runs = 0;
    const gate = deferred<number>();
    const compute = () => {
      runs += 1;
      return gate.promise;
    };
    const waiting = Array.from({ length: 50 }, () => cache.get('q', 'v1', compute));
    gate.resolve(42);
    expect(await Promise.all(waiting)).toEqual(Array(50).fill(42));
    expect(runs).toBe(1);
    expect(await cache.get('q', 'v1', async () => 0)).toBe(42);
    expect(await cache.get('q', 'v2', async () => 7)).toBe(7);
    expect(cache.stats()).toMatchObject({ misses: 2, hits: 50 });
  });

  it('does not keep failures, and drops the least recently used past its size', async () => {
    const cache = new ResultCache({ maxEntries: 2 });
    await expect(cache.get('bad', 'v', async () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    await Promise.resolve();
    expect(await cache.get('bad', 'v', async () => 'ok')).toBe('ok');
    await cache.get('a', 'v', async () => 'a');
    await cache.get('bad', 'v', async () => 'not again'); // hit: 'bad' is now the most recent
    await cache.get('b', 'v', async () => 'b'); // evicts 'a'
    expect(await cache.get('bad', 'v', async () => 'x')).toBe('ok');
    expect(await cache.get('a', 'v', async () => 'recomputed')).toBe('recomputed');
  });

  it('runs at most n computations at once', async () => {
    const limit = limiter(2);
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, () => deferred<void>());
    const all = gates.map((g) =>
      limit(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await g.promise;
        running -= 1;
      }),
    );
    for (const g of gates) {
      await new Promise((r) => setTimeout(r, 1));
      g.resolve();
    }
    await Promise.all(all);
    expect(peak).toBe(2);
  });
});
