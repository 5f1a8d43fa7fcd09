/**
 * The dashboard's result cache: one entry per (query, parameters), valid for one catalog
 * version. Fifty clients asking for the same chart cost one query: a miss starts the
 * query once and every concurrent request for that key awaits the same promise; a new
 * catalog version (a partition registered, a job run finished) makes every entry stale.
 * Queries themselves run at most `concurrency` at a time, so a burst of distinct misses
 * queues instead of opening dozens of DuckDB sessions on a laptop's few cores.
 * Failures are not cached.
 */
export interface ResultCacheOptions {
  /** Entries kept (least recently used dropped first). Default 500. */
  maxEntries?: number;
  /** Queries running at once. Default 2. */
  concurrency?: number;
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
  private readonly limit: Limiter;
  private hits = 0;
  private misses = 0;

  constructor(opts: ResultCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 500;
    this.limit = limiter(opts.concurrency ?? 2);
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
    const value = this.limit(compute);
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

type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

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
