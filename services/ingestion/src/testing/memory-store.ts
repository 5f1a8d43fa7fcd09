/** An in-memory `ObjectStore` for tests and benchmarks (the real local one is in @ohlcv/local). */
import { createHash } from 'node:crypto';
import { AppError, type ObjectInfo, type ObjectStore } from '@ohlcv/core';

export interface MemoryObjectStore extends ObjectStore {
  readonly objects: Map<string, { body: Uint8Array; info: ObjectInfo }>;
  /** Number of `put` calls per key (to prove a retry overwrote instead of duplicating). */
  readonly puts: Map<string, number>;
  text(key: string): string;
  /** Throws on the next `put` whose key matches (simulates a crash mid-run). */
  failPutWhen(predicate: ((key: string) => boolean) | undefined): void;
}

export function createMemoryObjectStore(): MemoryObjectStore {
  const objects = new Map<string, { body: Uint8Array; info: ObjectInfo }>();
  const puts = new Map<string, number>();
  let failWhen: ((key: string) => boolean) | undefined;
  return {
    objects,
    puts,
    text: (key) => new TextDecoder().decode(objects.get(key)?.body ?? new Uint8Array()),
    failPutWhen(p) {
      failWhen = p;
    },
    async put(key, body) {
      if (failWhen?.(key)) {
        failWhen = undefined;
        throw new AppError('SimulatedCrash', `crash before writing ${key}`, { retryable: true });
      }
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      const info: ObjectInfo = {
        key,
        size: bytes.byteLength,
        etag: createHash('md5').update(bytes).digest('hex'),
        lastModified: new Date(),
      };
      objects.set(key, { body: bytes, info });
      puts.set(key, (puts.get(key) ?? 0) + 1);
      return info;
    },
    async get(key) {
      const o = objects.get(key);
      if (!o) throw new AppError('NoSuchKey', `no object ${key}`);
      return o.body;
    },
    async head(key) {
      return objects.get(key)?.info;
    },
    async *list(prefix) {
      for (const key of [...objects.keys()].filter((k) => k.startsWith(prefix)).sort()) {
        yield objects.get(key)!.info;
      }
    },
  };
}
