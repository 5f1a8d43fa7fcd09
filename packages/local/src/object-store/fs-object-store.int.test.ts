import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isAppError, type ObjectInfo } from '@ohlcv/core';
import { describeObjectStoreContract } from '@ohlcv/core/contracts/index';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from './fs-object-store.ts';
import { assertValidKey, keyToPath, pathToKey } from './object-key.ts';

const tempRoot = (): Promise<string> => fs.mkdtemp(path.join(os.tmpdir(), 'ohlcv-fs-store-'));

describeObjectStoreContract('FsObjectStore', async () => {
  const root = await tempRoot();
  return { store: new FsObjectStore(root), cleanup: () => fs.rm(root, { recursive: true, force: true }) };
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isAppError(err) ? err.code : `not an AppError: ${String(err)}`;
  }
};

describe('FsObjectStore on a real folder tree', () => {
  let root: string;
  let store: FsObjectStore;
  beforeEach(async () => {
    root = await tempRoot();
    store = new FsObjectStore(root);
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  describe('key safety', () => {
    const invalid: [string, string][] = [
      ['parent segment', '../x'],
      ['parent segment inside', 'raw/../../x'],
      ['absolute', '/abs'],
      ['empty segment', 'a//b'],
      ['hidden segment', '.hidden'],
      ['hidden inner segment', 'raw/.tmp/x'],
      ['dot segment', 'raw/./x'],
      ['backslash', 'raw\\x.csv'],
      ['NUL', 'raw/x\u0000.csv'],
      ['newline', 'raw/x\n.csv'],
      ['trailing slash', 'raw/'],
      ['empty', ''],
      ['1025 bytes', `raw/${'a'.repeat(1021)}`],
      ['segment over 255 bytes', `raw/${'a'.repeat(256)}`],
    ];
    it.each(invalid)('rejects a key with %s', async (_what, key) => {
      expect(codeOf(() => assertValidKey(key))).toBe('InvalidObjectKey');
      for (const op of [() => store.put(key, 'x'), () => store.get(key), () => store.head(key)]) {
        const err = await op().catch((e: unknown) => e);
        expect(isAppError(err) && err.code).toBe('InvalidObjectKey');
      }
    });

    it('wrote nothing outside the root for rejected keys', async () => {
      const parent = path.dirname(root);
      await store.put('../escape', 'x').catch(() => undefined);
      await expect(fs.stat(path.join(parent, 'escape'))).rejects.toThrow();
      expect(await fs.readdir(root)).toEqual([]);
    });

    it('accepts unicode, spaces, = and a key of exactly 1024 bytes', async () => {
      const keys = [
        'raw/source=manual/date=2024-03-08/Ünïcødé 株式 📈.csv',
        `raw/${['b', 'c', 'd', 'e'].map((c) => `${c.repeat(250)}/`).join('')}${'f'.repeat(1024 - 4 - 4 * 251)}`,
      ];
      expect(Buffer.byteLength(keys[1]!)).toBe(1024);
      for (const key of keys) {
        await store.put(key, key);
        expect(new TextDecoder().decode(await store.get(key))).toBe(key);
        expect(pathToKey(root, keyToPath(root, key))).toBe(key);
      }
      expect((await collect(store.list('raw/'))).map((o) => o.key).sort()).toEqual([...keys].sort());
    });

    it('a key names a file under the root, folder per segment', async () => {
      await store.put('raw/a/b.csv', 'x');
      expect(await fs.readFile(path.join(root, 'raw', 'a', 'b.csv'), 'utf8')).toBe('x');
      expect(pathToKey(root, path.join(root, 'raw', 'a', 'b.csv'))).toBe('raw/a/b.csv');
      expect(pathToKey(root, path.join(root, '..', 'elsewhere'))).toBeUndefined();
      expect(pathToKey(root, path.join(root, 'raw', '.b.csv.123.tmp'))).toBeUndefined();
    });
  });

  it('head etag is the MD5 of the bytes (S3 single-part etag), also for files written from outside', async () => {
    const body = Buffer.from('symbol,close\nAAPL,1.5\n');
    const md5 = createHash('md5').update(body).digest('hex');
    const put = await store.put('raw/a.csv', body);
    expect(put.etag).toBe(md5);
    expect((await store.head('raw/a.csv'))?.etag).toBe(md5);
    await fs.writeFile(path.join(root, 'raw', 'outside.csv'), 'hello\n');
    const head = await store.head('raw/outside.csv');
    expect(head).toMatchObject({ key: 'raw/outside.csv', size: 6, etag: 'b1946ac92492d2347c6235b4d2611184' });
  });

  it('a folder or a path through a file is no object: NoSuchKey / undefined', async () => {
    await store.put('raw/a/b.csv', 'x');
    for (const key of ['raw', 'raw/a', 'raw/a/b.csv/c']) {
      const err = await store.get(key).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('NoSuchKey');
      expect(await store.head(key)).toBeUndefined();
    }
  });

  it('list: prefix is a string prefix, not a folder; results in byte order; temp files hidden', async () => {
    const keys = [
      'raw/a.csv',
      'raw/a/1.csv',
      'raw/ab/2.csv',
      'raw/b.csv',
      'rawish.csv',
      'processed/x.parquet',
      'raw/\uFFFD.csv',
      'raw/😀.csv',
    ];
    for (const key of keys) await store.put(key, key);
    await fs.writeFile(path.join(root, 'raw', '.partial.tmp'), 'half');
    const all = (await collect(store.list(''))).map((o) => o.key);
    // UTF-8 byte order (S3's): U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80).
    expect(all).toEqual([
      'processed/x.parquet',
      'raw/a.csv',
      'raw/a/1.csv',
      'raw/ab/2.csv',
      'raw/b.csv',
      'raw/\uFFFD.csv',
      'raw/😀.csv',
      'rawish.csv',
    ]);
    expect((await collect(store.list('raw'))).map((o) => o.key)).toEqual(
      all.filter((k) => k.startsWith('raw')),
    );
    expect((await collect(store.list('raw/a'))).map((o) => o.key)).toEqual([
      'raw/a.csv',
      'raw/a/1.csv',
      'raw/ab/2.csv',
    ]);
    expect((await collect(store.list('raw/a/'))).map((o) => o.key)).toEqual(['raw/a/1.csv']);
    expect(await collect(store.list('raw/zzz/'))).toEqual([]);
    const listed = (await collect(store.list('raw/b'))) as ObjectInfo[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      key: 'raw/b.csv',
      size: 9,
      etag: createHash('md5').update('raw/b.csv').digest('hex'),
    });
  });

  it('put is atomic: a reader looping during overwrites only ever sees a whole old or new object', async () => {
    const size = 4 * 1024 * 1024;
    const bodies = ['A', 'B', 'C', 'D', 'E', 'F'].map((c) => Buffer.alloc(size, c));
    const whole = new Set(bodies.map((b) => createHash('md5').update(b).digest('hex')));
    await store.put('processed/big.bin', bodies[0]!);
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const bytes = await store.get('processed/big.bin');
        expect(bytes.byteLength).toBe(size);
        expect(whole.has(createHash('md5').update(bytes).digest('hex'))).toBe(true);
        reads++;
      }
    })();
    for (let round = 0; round < 3; round++)
      for (const body of bodies) await store.put('processed/big.bin', body);
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
    // No temp file left behind.
    expect(await fs.readdir(path.join(root, 'processed'))).toEqual(['big.bin']);
  });

  it('concurrent puts of one key leave one of the bodies, whole', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => `body-${i}-${'x'.repeat(10_000 * i)}`);
    await Promise.all(bodies.map((b) => store.put('raw/race.csv', b)));
    const text = new TextDecoder().decode(await store.get('raw/race.csv'));
    expect(bodies).toContain(text);
    expect(await fs.readdir(path.join(root, 'raw'))).toEqual(['race.csv']);
  });

  it('onPut is told about every successful put with its info', async () => {
    const seen: ObjectInfo[] = [];
    const s = new FsObjectStore(root, { onPut: (info) => void seen.push(info) });
    const info = await s.put('raw/x.csv', 'abc');
    await s.put('raw/../x', 'no').catch(() => undefined);
    expect(seen).toEqual([info]);
  });
});

describe('FsObjectStore writes stay under its real root', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempRoot();
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('refuses a put through a symlinked folder; nothing is written outside, nothing announced', async () => {
    const root = path.join(dir, 'lake');
    const outside = path.join(dir, 'outside');
    await fs.mkdir(path.join(root, 'raw'), { recursive: true });
    await fs.mkdir(outside);
    await fs.symlink(outside, path.join(root, 'raw', 'dirlink'));
    const announced: string[] = [];
    const store = new FsObjectStore(root, { onPut: (i) => void announced.push(i.key) });
    for (const key of ['raw/dirlink/f.csv', 'raw/dirlink/deeper/f.csv']) {
      const err = await store.put(key, 'a,b\n').catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('PathOutsideRoot');
    }
    expect(await fs.readdir(outside)).toEqual([]);
    expect(announced).toEqual([]);
  });

  it('refuses to replace an object whose file is a symlink out, or a dangling symlink', async () => {
    const root = path.join(dir, 'lake');
    await fs.mkdir(path.join(root, 'raw'), { recursive: true });
    await fs.writeFile(path.join(dir, 'victim.txt'), 'keep');
    await fs.symlink(path.join(dir, 'victim.txt'), path.join(root, 'raw', 'x.csv'));
    await fs.symlink(path.join(dir, 'nowhere'), path.join(root, 'raw', 'gone'));
    const store = new FsObjectStore(root);
    for (const key of ['raw/x.csv', 'raw/gone/y.csv']) {
      const err = await store.put(key, 'new').catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('PathOutsideRoot');
    }
    expect(await fs.readFile(path.join(dir, 'victim.txt'), 'utf8')).toBe('keep');
    await expect(fs.stat(path.join(dir, 'nowhere'))).rejects.toThrow();
  });

  it('a root that is itself a symlink (a lake on another disk) is where writes go', async () => {
    await fs.mkdir(path.join(dir, 'disk'));
    await fs.symlink(path.join(dir, 'disk'), path.join(dir, 'lake'));
    const store = new FsObjectStore(path.join(dir, 'lake'));
    await store.put('raw/a/b.csv', 'x');
    expect(await fs.readFile(path.join(dir, 'disk', 'raw', 'a', 'b.csv'), 'utf8')).toBe('x');
  });
});
