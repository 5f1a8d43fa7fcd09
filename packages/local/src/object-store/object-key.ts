import path from 'node:path';
import { AppError } from '@ohlcv/core';

/**
 * Object keys become file paths under the lake root, so a key is checked before it
 * touches the filesystem: relative, no empty/`.`/`..` segments, no hidden segments
 * (temp files of atomic writes are hidden), no backslashes or control characters.
 */
export function assertValidKey(key: string): void {
  const problem = keyProblem(key);
  if (problem)
    throw new AppError('InvalidObjectKey', `invalid object key ${JSON.stringify(key)}: ${problem}`);
}

function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'empty';
  if (Buffer.byteLength(key) > 1024) return 'longer than 1024 bytes';
  if (key.startsWith('/')) return 'starts with /';
  if (key.endsWith('/')) return 'ends with / (a folder, not an object)';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
  if (/[\\\u0000-\u001f\u007f]/.test(key)) return 'contains a backslash or control character';
  for (const segment of key.split('/')) {
    if (segment === '') return 'contains an empty segment (//)';
    if (segment === '.' || segment === '..') return `contains a "${segment}" segment`;
    if (segment.startsWith('.')) return `segment "${segment}" starts with a dot (reserved)`;
    // Each segment is a file or folder name; filesystems cap those at 255 bytes.
    if (Buffer.byteLength(segment) > 255) return 'has a segment longer than 255 bytes';
  }
  return undefined;
}

/** The file of a key; throws if the key is invalid or would resolve outside the root. */
export function keyToPath(root: string, key: string): string {
  assertValidKey(key);
  const resolved = path.resolve(root, ...key.split('/'));
  if (!resolved.startsWith(path.resolve(root) + path.sep)) {
    throw new AppError('InvalidObjectKey', `object key ${JSON.stringify(key)} resolves outside the store`);
  }
  return resolved;
}

/** The key of a file under the root, or undefined for files that are not objects. */
export function pathToKey(root: string, file: string): string | undefined {
  const rel = path.relative(root, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const key = rel.split(path.sep).join('/');
  return keyProblem(key) ? undefined : key;
}
