/**
 * Pure manifest logic: the raw objects of a batch, deduped and sorted, named by a hash of
 * the set, so a redelivered batch yields the same manifest id and key.
 */
import { createHash } from 'node:crypto';
import type { Manifest } from '@ohlcv/core';

export interface RawObjectRef {
  key: string;
  etag: string;
  size: number;
  /** ISO-8601: the `Object Created` event's `time`. */
  lastModified: string;
}

/** One entry per key+etag (a re-sent event for the same bytes), sorted by key then etag. */
export function coalesceObjects(objects: readonly RawObjectRef[]): RawObjectRef[] {
  const byId = new Map<string, RawObjectRef>();
  for (const o of objects) {
    const id = `${o.key}\u0000${o.etag}`;
    const seen = byId.get(id);
    // Redeliveries of one write may differ in event time; keep the earliest, deterministically.
    if (!seen || o.lastModified < seen.lastModified) byId.set(id, o);
  }
  return [...byId.values()].sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : a.etag < b.etag ? -1 : a.etag > b.etag ? 1 : 0,
  );
}

/**
 * The objects of one batch split into job runs of at most `maxRunBytes` raw bytes each, in
 * key order (an object larger than the cap is a run of its own). Deterministic: the same
 * batch always gives the same runs, hence the same manifests. No cap: one run.
 */
export function splitIntoRuns(objects: readonly RawObjectRef[], maxRunBytes?: number): RawObjectRef[][] {
  const sorted = coalesceObjects(objects);
  if (maxRunBytes === undefined) return sorted.length > 0 ? [sorted] : [];
  const runs: RawObjectRef[][] = [];
  let current: RawObjectRef[] = [];
  let bytes = 0;
  for (const o of sorted) {
    if (current.length > 0 && bytes + o.size > maxRunBytes) {
      runs.push(current);
      current = [];
      bytes = 0;
    }
    current.push(o);
    bytes += o.size;
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

/** sha-256 of the sorted key+etag set: same objects, same id, whatever the batch order. */
export function manifestIdOf(objects: readonly RawObjectRef[]): string {
  const hash = createHash('sha256');
  for (const o of coalesceObjects(objects)) hash.update(`${o.key}\u0000${o.etag}\n`);
  return `m-${hash.digest('hex').slice(0, 32)}`;
}

export function buildManifest(input: {
  objects: readonly RawObjectRef[];
  createdAt: Date;
  correlationId: string;
}): Manifest {
  const objects = coalesceObjects(input.objects);
  return {
    manifestId: manifestIdOf(objects),
    createdAt: input.createdAt.toISOString(),
    correlationId: input.correlationId,
    objects: objects.map((o) => ({ key: o.key, etag: o.etag, size: o.size, lastModified: o.lastModified })),
  };
}

// What is not ETL input lives in core: the CLI's `reprocess --stage` listing skips the same.
export { type SkipReason, skipReasonOf } from '@ohlcv/core';
