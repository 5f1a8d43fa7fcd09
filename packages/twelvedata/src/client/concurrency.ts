/**
 * A concurrency limit: requests in flight at once, however many symbols are asked for.
 * They still share one credit budget; this only bounds sockets and memory.
 */

/** At most `n` tasks in flight; the rest wait in order. */
export function concurrencyLimit(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
