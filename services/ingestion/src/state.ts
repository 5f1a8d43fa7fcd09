/**
 * Ingestion's high-water mark per symbol and interval, kept as a small object in the
 * store. It moves only after the raw object holding those bars is written, and never
 * backwards, so a killed run resumes exactly where its last write ended.
 */
import { AppError, type ObjectStore } from '@ohlcv/core';
import { ingestionStateKey } from '@ohlcv/twelvedata';
import { z } from 'zod';

export const ingestionStateSchema = z.object({
  schemaVersion: z.literal(1),
  symbol: z.string(),
  interval: z.string(),
  /** The newest bar time stored (UTC ISO). */
  lastTs: z.string(),
  lastObjectKey: z.string(),
  updatedAt: z.string(),
});
export type IngestionState = z.infer<typeof ingestionStateSchema>;

export async function readIngestionState(
  store: ObjectStore,
  symbol: string,
  interval: string,
): Promise<IngestionState | undefined> {
  const key = ingestionStateKey(symbol, interval);
  let raw: Uint8Array;
  try {
    raw = await store.get(key);
  } catch (err) {
    if (err instanceof AppError && err.code === 'NoSuchKey') return undefined;
    throw err;
  }
  const parsed = ingestionStateSchema.safeParse(JSON.parse(new TextDecoder().decode(raw)));
  // A corrupt state object means "unknown": re-fetching is safe (keys are deterministic).
  return parsed.success ? parsed.data : undefined;
}

export async function advanceIngestionState(
  store: ObjectStore,
  current: IngestionState | undefined,
  next: IngestionState,
): Promise<IngestionState> {
  if (current && current.lastTs >= next.lastTs) return current;
  await store.put(ingestionStateKey(next.symbol, next.interval), JSON.stringify(next), {
    contentType: 'application/json',
  });
  return next;
}
