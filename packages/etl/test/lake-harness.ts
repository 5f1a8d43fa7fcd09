/** Real-lake helpers for the integration tests: temp lake, raw objects, manifests, table dumps. */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Manifest, RunSummary, TableName } from '@ohlcv/core';
import { tables } from '@ohlcv/core';
import { partitionPath } from '../src/hive-path.ts';
import { type RunEtlJobInput, runEtlJob } from '../src/job.ts';
import { listPartitions } from '../src/lake.ts';
import { CommittedVersions, currentPartitionFiles } from '../src/partition-versions.ts';

export const NOW = new Date('2024-06-01T00:00:00Z');
export const clock = { now: () => NOW };

export interface RawObject {
  key: string;
  body: string | Uint8Array;
  lastModified?: string;
}

export class TestLake {
  readonly root = mkdtempSync(join(tmpdir(), 'etl-lake-'));
  private runs = 0;

  put(o: RawObject): Manifest['objects'][number] {
    const path = join(this.root, o.key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, o.body);
    return {
      key: o.key,
      etag: 'e',
      size: o.body.length,
      lastModified: o.lastModified ?? '2024-01-03T10:00:00Z',
    };
  }

  /** The last run again, under its run id: a retried attempt. */
  rerun(objects: RawObject[]): Promise<RunSummary> {
    this.runs--;
    return this.run(objects);
  }

  async run(
    objects: RawObject[],
    options: Partial<
      Pick<RunEtlJobInput, 'stagingBatchBytes' | 'threads' | 'typedFastPath' | 'logger' | 'memoryLimit'>
    > = {},
  ): Promise<RunSummary> {
    const n = ++this.runs;
    const manifest: Manifest = {
      manifestId: `m-${n}`,
      createdAt: NOW.toISOString(),
      correlationId: `c-${n}`,
      objects: objects.map((o) => this.put(o)),
    };
    return runEtlJob({
      lakeRoot: this.root,
      manifest,
      jobRunId: `run-${n}`,
      jobName: 'ohlcv-etl',
      clock,
      threads: 1,
      ...options,
    });
  }

  /** The table's rows in a stable order, read back through DuckDB's hive partitioning. */
  async dump(table: TableName, omit: string[] = []): Promise<Record<string, unknown>[]> {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const spec = tables[table];
      // What a reader sees: each partition's current committed version (atomic publish).
      const committed = new CommittedVersions(this.root);
      const files = listPartitions(join(this.root, spec.location), spec.partitionKeys).flatMap((values) =>
        currentPartitionFiles(
          committed,
          this.root,
          join(this.root, spec.location, partitionPath(spec.partitionKeys, values)),
        ),
      );
      if (files.length === 0) return [];
      // The table's columns in their declared order, then the path-only keys: a key that
      // is also a column (bars' symbol) is in the path, not in the files.
      const names = [
        ...spec.columns.map((c) => c.name),
        ...spec.partitionKeys.filter((k) => !spec.columns.some((c) => c.name === k)),
      ].filter((n) => !omit.includes(n));
      const types = spec.partitionKeys.map((k) => `'${k}': 'VARCHAR'`).join(', ');
      const r = await conn.runAndReadAll(
        `SELECT ${names.map((n) => `"${n}"`).join(', ')} FROM read_parquet([${files.map((f) => `'${f}'`).join(', ')}], hive_partitioning = true, hive_types = {${types}}) ORDER BY ALL`,
      );
      return r.getRowObjectsJson() as Record<string, unknown>[];
    } catch (e) {
      if (/No files found/.test((e as Error).message)) return [];
      throw e;
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface BarInput {
  symbol: string;
  ts: string;
  close: number;
  volume?: number | null;
  ingested_at?: string;
  interval?: string;
}

export const ndjsonBar = (b: BarInput): string =>
  JSON.stringify({
    symbol: b.symbol,
    exchange: 'XNAS',
    mic_code: 'XNGS',
    currency: 'USD',
    instrument_type: 'Common Stock',
    interval: b.interval ?? '1min',
    ts: b.ts,
    open: b.close,
    high: b.close * 1.01,
    low: b.close * 0.99,
    close: b.close,
    volume: b.volume === undefined ? 100 : b.volume,
    source: 'twelvedata',
    ingested_at: b.ingested_at ?? '2024-01-03T00:00:00Z',
  });

/**
 * Rewrites every Parquet file under `location` without `column`: a lake written before the
 * column was added (e.g. quarantine's reason_detail, issue 14). Returns the files rewritten.
 */
export async function dropParquetColumn(
  lakeRoot: string,
  location: string,
  column: string,
): Promise<string[]> {
  const files = readdirSync(join(lakeRoot, location), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => join(lakeRoot, location, f));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    for (const f of files) {
      await conn.run(
        `COPY (SELECT * EXCLUDE (${column}) FROM read_parquet('${f}')) TO '${f}.old' (FORMAT parquet)`,
      );
      renameSync(`${f}.old`, f);
      // Hadoop's local file system keeps a checksum beside each file it wrote (Spark's lake).
      rmSync(join(dirname(f), `.${basename(f)}.crc`), { force: true });
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return files;
}
