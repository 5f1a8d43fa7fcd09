/**
 * One query session: an in-memory DuckDB with schema `ohlcv` holding one view per table
 * over exactly the registered partitions' Parquet files. Nothing is persisted in DuckDB,
 * so any number of processes can query while the runtime writes.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type DuckDBResultReader } from '@duckdb/node-api';
import { AppError, type ColumnSpec, DATABASE, duckdbType, type TableSpec } from '@ohlcv/core';
import type { ParamValue } from '@ohlcv/sql/params';
import { toDuckDb } from '@ohlcv/sql/params';
import type { StoredPartition } from './catalog-state.ts';
import { quoteIdent, quotePath } from './sql-text.ts';

export interface ViewSource {
  spec: TableSpec;
  columns: readonly ColumnSpec[];
  partitions: readonly StoredPartition[];
}

export interface DuckSession {
  connection: DuckDBConnection;
  query(sql: string, params?: Record<string, ParamValue>): Promise<Record<string, unknown>[]>;
  close(): void;
}

export async function openDuckSession(
  lakeRoot: string,
  sources: readonly ViewSource[],
  opts: { threads?: number; unionByName?: boolean } = {},
): Promise<DuckSession> {
  const instance = await DuckDBInstance.create(
    ':memory:',
    opts.threads ? { threads: String(opts.threads) } : {},
  );
  const connection = await instance.connect();
  const close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  try {
    await connection.run(`CREATE SCHEMA ${quoteIdent(DATABASE)}`);
    // sql/queries name no database (Athena's context database is `ohlcv_<stage>`): here the
    // unqualified names resolve in the local catalog's schema.
    await connection.run(`SET schema = ${quotePath(DATABASE)}`);
    for (const source of sources) await createView(connection, lakeRoot, source, opts.unionByName ?? false);
  } catch (err) {
    close();
    throw err;
  }
  return {
    connection,
    async query(sql, params = {}) {
      const bound = toDuckDb(sql, params);
      try {
        const reader = await connection.runAndReadAll(bound.sql, bound.values);
        return toRows(reader);
      } catch (err) {
        throw new AppError('QueryFailed', `DuckDB: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      }
    },
    close,
  };
}

/** Parquet files of the partitions that still have any (a missing folder is skipped). */
export function partitionFiles(lakeRoot: string, partitions: readonly StoredPartition[]): string[] {
  const files: string[] = [];
  for (const p of partitions) {
    const dir = path.join(lakeRoot, p.location);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names.sort()) if (n.endsWith('.parquet')) files.push(path.join(dir, n));
  }
  return files;
}

async function createView(
  conn: DuckDBConnection,
  lakeRoot: string,
  source: ViewSource,
  unionByName: boolean,
): Promise<void> {
  const { spec, columns } = source;
  const keys = new Set<string>(spec.partitionKeys);
  const dataColumns = columns.filter((c) => !keys.has(c.name));
  const view = `${quoteIdent(DATABASE)}.${quoteIdent(spec.name)}`;
  const nullColumn = (c: ColumnSpec) => `CAST(NULL AS ${duckdbType[c.type]}) AS ${quoteIdent(c.name)}`;
  // Files registered under one schema version share their columns, so each version group
  // is read without union_by_name (which would open every file's footer on every query);
  // groups are then aligned by name, NULL where an older version lacks a column.
  const groups = new Map<number, StoredPartition[]>();
  for (const p of source.partitions) {
    const key = unionByName ? 0 : p.schemaVersion;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  // Partition values come from the path, percent-decoded by DuckDB, and kept as strings
  // (a month `2024-01` must not turn into a date).
  const hiveTypes = spec.partitionKeys.map((k) => `${quotePath(k)}: 'VARCHAR'`).join(', ');
  const selects: string[] = [];
  for (const [, partitions] of [...groups].sort(([a], [b]) => a - b)) {
    const files = partitionFiles(lakeRoot, partitions);
    if (files.length === 0) continue;
    const scan = `read_parquet([${files.map(quotePath).join(', ')}], hive_partitioning = true, union_by_name = ${unionByName}, hive_types = {${hiveTypes}})`;
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${scan}`);
    const present = new Set(described.getRowObjectsJson().map((r) => String(r.column_name)));
    const cols = [
      ...dataColumns.map((c) => (present.has(c.name) ? quoteIdent(c.name) : nullColumn(c))),
      ...spec.partitionKeys.map(quoteIdent),
    ];
    selects.push(`SELECT ${cols.join(', ')} FROM ${scan}`);
  }
  if (selects.length === 0) {
    const cols = [
      ...dataColumns.map(nullColumn),
      ...spec.partitionKeys.map((k) => `CAST(NULL AS VARCHAR) AS ${quoteIdent(k)}`),
    ];
    selects.push(`SELECT ${cols.join(', ')} WHERE false`);
  }
  await conn.run(`CREATE VIEW ${view} AS ${selects.join('\nUNION ALL BY NAME\n')}`);
}

/** A file listed for the session was removed before DuckDB read it (a partition rewrite). */
export const isVanishedFile = (err: unknown): boolean =>
  /No files found|No such file|Cannot open file|could not open file/i.test(
    err instanceof Error ? err.message : String(err),
  );

/** DuckDB's complaint when files read as one schema differ: retry with union_by_name. */
export const isSchemaMismatch = (err: unknown): boolean =>
  /schema mismatch|union_by_name/i.test(err instanceof Error ? err.message : String(err));

const NUMERIC_AS_STRING = /^(BIGINT|UBIGINT|HUGEINT|UHUGEINT|DECIMAL)/;

/** JSON-friendly rows: 64-bit integers and decimals as numbers, temporal values as strings. */
export function toRows(reader: DuckDBResultReader): Record<string, unknown>[] {
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
  const names = reader.columnNames();
  const numeric = reader
    .columnTypes()
    .map((t, i) => (NUMERIC_AS_STRING.test(String(t)) ? names[i] : undefined))
    .filter((n): n is string => n !== undefined);
  if (numeric.length === 0) return rows;
  for (const row of rows) {
    for (const n of numeric) {
      const v = row[n];
      if (typeof v === 'string') row[n] = Number(v);
    }
  }
  return rows;
}

/** A bare in-memory DuckDB for callers outside this package (bench, fixtures). */
export async function openScratchDuckDb(): Promise<{ connection: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
