/**
 * The ObjectStore contract: one suite run against every adapter (the local folder tree
 * for real, S3 on a mocked client), so both behave the same for what the services use.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import type { ObjectStore } from '../ports.ts';

export interface ObjectStoreFixture {
  store: ObjectStore;
  cleanup?: () => Promise<void> | void;
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const byteLength = (s: string): number => new TextEncoder().encode(s).byteLength;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export function describeObjectStoreContract(
  name: string,
  makeStore: () => Promise<ObjectStoreFixture> | ObjectStoreFixture,
): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fixture: ObjectStoreFixture | undefined;
    const open = async (): Promise<ObjectStore> => {
      fixture = await makeStore();
      return fixture.store;
    };
    afterEach(async () => {
      await fixture?.cleanup?.();
      fixture = undefined;
    });

    it('put then get returns the same bytes, and head reports size and etag', async () => {
      const store = await open();
      const body = 'symbol,close\nAAPL,1.5\n';
      const info = await store.put('raw/a/b.csv', body, { contentType: 'text/csv' });
      expect(info.key).toBe('raw/a/b.csv');
      expect(info.size).toBe(byteLength(body));
      expect(info.etag).toMatch(/^[^"]+$/);
      expect(text(await store.get('raw/a/b.csv'))).toBe(body);
      const head = await store.head('raw/a/b.csv');
      expect(head).toMatchObject({ key: 'raw/a/b.csv', size: info.size, etag: info.etag });
      expect(head?.lastModified).toBeInstanceOf(Date);
    });

    it('stores binary bodies byte for byte', async () => {
      const store = await open();
      const body = new Uint8Array([0, 255, 1, 128, 10, 13]);
      await store.put('processed/x.bin', body);
      expect(Array.from(await store.get('processed/x.bin'))).toEqual(Array.from(body));
    });

    it('put overwrites: a new body gives a new etag', async () => {
      const store = await open();
      const first = await store.put('k.json', '{"v":1}');
      const second = await store.put('k.json', '{"v":22}');
      expect(second.etag).not.toBe(first.etag);
      expect(text(await store.get('k.json'))).toBe('{"v":22}');
      expect((await store.head('k.json'))?.size).toBe(8);
    });

    it('get of a missing key throws AppError NoSuchKey; head returns undefined', async () => {
      const store = await open();
      const err = await store.get('raw/missing.csv').catch((e: unknown) => e);
      expect(isAppError(err)).toBe(true);
      expect(isAppError(err) && err.code).toBe('NoSuchKey');
      expect(await store.head('raw/missing.csv')).toBeUndefined();
    });

    it('list returns every object under a prefix, in key order, and nothing else', async () => {
      const store = await open();
      const keys = ['raw/b/2.csv', 'raw/a/1.csv', 'raw/b/10.csv', 'processed/p.parquet', 'rawish/x'];
      for (const key of keys) await store.put(key, key);
      const listed = await collect(store.list('raw/'));
      expect(listed.map((o) => o.key)).toEqual(['raw/a/1.csv', 'raw/b/10.csv', 'raw/b/2.csv']);
      for (const o of listed) {
        expect(o.size).toBe(byteLength(o.key));
        expect(o.lastModified).toBeInstanceOf(Date);
      }
      expect(await collect(store.list('nothing/'))).toEqual([]);
    });

    it('list pages through more objects than one listing page holds', async () => {
      const store = await open();
      const keys = Array.from({ length: 1205 }, (_, i) => `raw/many/${String(i).padStart(5, '0')}.csv`);
      await Promise.all(keys.map((key) => store.put(key, 'x')));
      const listed = await collect(store.list('raw/many/'));
      expect(listed.map((o) => o.key)).toEqual(keys);
    });
  });
}
