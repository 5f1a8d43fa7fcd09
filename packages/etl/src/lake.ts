/**
 * The lake folder: which partitions exist, atomic file writes, folder removal. How a
 * partition's versions are published and read is partition-versions.ts.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parsePartitionSegment, partitionPath } from './hive-path.ts';

const listDirs = (dir: string): string[] => {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
};

export const parquetFiles = (dir: string): string[] => {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.parquet'))
      .sort()
      .map((f) => join(dir, f));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
};

/** Every existing partition under a table folder, as values keyed by partition key. */
export function listPartitions(tableDir: string, keys: readonly string[]): Record<string, string>[] {
  let level: Record<string, string>[] = [{}];
  for (const key of keys) {
    const next: Record<string, string>[] = [];
    for (const values of level) {
      const dir = join(tableDir, partitionPath(keys.slice(0, Object.keys(values).length), values));
      for (const name of listDirs(dir)) {
        const seg = parsePartitionSegment(name);
        if (seg && seg.key === key) next.push({ ...values, [key]: seg.value });
      }
    }
    level = next;
  }
  return level;
}

export function writeFileAtomic(path: string, body: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, body);
  renameSync(tmp, path);
}

export const removeDir = (dir: string): void => {
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
};
