import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError, type ObjectInfo, type ObjectStore } from '@ohlcv/core';
import { realPathInside } from '@ohlcv/etl/inside-root';
import { keyToPath, pathToKey } from './object-key.ts';

export interface FsObjectStoreOptions {
  /** Called after every successful put (the runtime turns it into `Object Created`). */
  onPut?: (info: ObjectInfo) => void | Promise<void>;
}

/**
 * An object store on a folder tree with the S3 semantics we use: atomic put (temp file +
 * rename, so a reader sees the old object or the new one), get, head with size and an
 * MD5 etag like S3's for single-part uploads, and list by prefix in key order. A put
 * whose real path leaves the root (through a symlinked folder) is refused.
 */
export class FsObjectStore implements ObjectStore {
  constructor(
    readonly root: string,
    private readonly opts: FsObjectStoreOptions = {},
  ) {}

  async put(key: string, body: Uint8Array | string): Promise<ObjectInfo> {
    const file = keyToPath(this.root, key);
    // The key is clean, but a folder on its way may be a symlink out of the store.
    realPathInside(this.root, file);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    await fs.mkdir(path.dirname(file), { recursive: true });
    // Hidden (so listings and the raw-zone scan skip it) and short: a name near the 255-byte
    // limit plus a suffix would not fit, so only a prefix of the object's name is kept.
    const tmp = path.join(
      path.dirname(file),
      `.${Buffer.from(path.basename(file))
        .subarray(0, 64)
        .toString('utf8')
        .replace(/\uFFFD+$/, '')}.${randomBytes(6).toString('hex')}.tmp`,
    );
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
    const stat = await fs.stat(file);
    const info: ObjectInfo = {
      key,
      size: bytes.byteLength,
      etag: createHash('md5').update(bytes).digest('hex'),
      lastModified: stat.mtime,
    };
    await this.opts.onPut?.(info);
    return info;
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await fs.readFile(keyToPath(this.root, key));
    } catch (err) {
      if (isAbsent(err)) throw new AppError('NoSuchKey', `no object at ${key}`, { cause: err });
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const file = keyToPath(this.root, key);
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) return undefined;
      return { key, size: stat.size, etag: await md5File(file), lastModified: stat.mtime };
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Start the walk at the deepest folder the prefix names, not at the root.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : '';
    const start = dirKey ? keyToPath(this.root, dirKey) : this.root;
    const found: { key: string; file: string }[] = [];
    for (const file of await walkFiles(start)) {
      const key = pathToKey(this.root, file);
      if (key?.startsWith(prefix)) found.push({ key, file });
    }
    // S3 lists in UTF-8 byte order; JS string comparison (UTF-16 units) differs above U+FFFF.
    found.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    for (const { key, file } of found) {
      const stat = await fs.stat(file).catch(() => undefined);
      if (!stat) continue; // removed while listing
      yield { key, size: stat.size, etag: await md5File(file), lastModified: stat.mtime };
    }
  }
}

/** Every regular file under `dir`; hidden files (temp files of atomic writes) are skipped. */
export async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch (err) {
      if (isNotFound(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else if (e.isFile()) out.push(p);
    }
  };
  await visit(dir);
  return out;
}

export function md5File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('md5');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

const isNotFound = (err: unknown): boolean => (err as NodeJS.ErrnoException)?.code === 'ENOENT';

/** No object at the key: no file, a folder (`raw` when `raw/x` exists), or a file on the way (`a/b` when `a` is an object). */
const isAbsent = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR';
};
