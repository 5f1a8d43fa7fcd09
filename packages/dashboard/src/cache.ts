/**
 * The dashboard's result cache: one entry per (query, parameters), valid for one catalog
 * version. Fifty clients asking for the same chart cost one query: a miss starts the
 * query once and every concurrent request for that key awaits the same promise; a new
 * catalog version (a partition registered, a job run finished) makes every entry stale.
 * Failures are not cached. `limiter` bounds how many queries run at once (see Market):
 * it wraps the queries only, never a cached computation that itself awaits queries, or
 * two such computations holding both slots would wait forever for their own queries.
 */
export interface ResultCacheOptions {
  /** Entries kept (least recently used dropped first). Default 500. */
  maxEntries?: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  entries: number;
}

interface Entry {
  version: string;
  value: Promise<unknown>;
}

export class ResultCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private hits = 0;
  private misses = 0;

  constructor(opts: ResultCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 500;
  }

  /** The cached value of `key` at `version`, or `compute()`'s (run once for all waiters). */
  get<T>(key: string, version: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.version === version) {
      this.hits += 1;
      // Re-insert: Map order is the LRU order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value as Promise<T>;
    }
    this.misses += 1;
    const value = compute();
    const entry: Entry = { version, value };
    this.entries.delete(key);
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return value;
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size };
  }
}

export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

/** At most `n` of the given functions run at once; the others wait in order. */
export function limiter(n: number): Limiter {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await fn();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}
