/** Bounded exponential backoff with full jitter; randomness is injected for tests. */
export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  random?: () => number;
}

export function backoffDelay(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 30_000;
  const cap = Math.min(max, base * 2 ** attempt);
  const r = (opts.random ?? Math.random)();
  // Half fixed, half jitter: never zero (no hot loop), never synchronised across workers.
  return Math.round(cap / 2 + (r * cap) / 2);
}
