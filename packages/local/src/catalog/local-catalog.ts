/**
 * The local catalog and query engine: partitions and table versions live in SQLite,
 * each query runs in a fresh in-memory DuckDB whose views cover exactly the registered
 * partitions. A registered partition is therefore queryable by the very next query, from
 * any process that can open the state database.
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  AppError,
  type Catalog,
  type Clock,
  type ColumnSpec,
  tables as declaredTables,
  type PartitionSpec,
  type QueryEngine,
  type QueryParams,
  systemClock,
  type TableName,
  type TableSpec,
} from '@ohlcv/core';
import { realPathInside } from '@ohlcv/etl/inside-root';
import { VERSION_PREFIX } from '@ohlcv/etl/partition-versions';
import type Database from 'better-sqlite3';
import { assertCompatible, CatalogState } from './catalog-state.ts';
import {
  type DuckSession,
  isSchemaMismatch,
  isVanishedFile,
  openDuckSession,
  type ViewSource,
} from './duckdb-session.ts';

export interface LocalCatalogOptions {
  db: Database.Database;
  /** Folder the object keys are relative to (`<home>/lake`). */
  lakeRoot: string;
  clock?: Clock;
  /** The declared tables; tests pass an evolved copy to exercise schema changes. */
  tables?: Record<TableName, TableSpec>;
  /** DuckDB threads per session (default: DuckDB's own choice). */
  threads?: number;
  /** Memory limit of each query session (default DEFAULT_QUERY_MEMORY_LIMIT). */
  queryMemoryLimit?: string;
}

export interface LocalCatalog {
  catalog: Catalog;
  queryEngine: QueryEngine;
  /** Opens a session for several statements (dashboard, bench); close it when done. */
  openSession(unionByName?: boolean): Promise<DuckSession>;
  /** Writes a read-only SELECT's result to the file `out` (the sandbox's one writable file). */
  exportQuery(select: string, params: QueryParams, out: string, copyOptions: string): Promise<void>;
  /** The partitions registered for a table, in key order. */
  partitions(table: TableName): { values: Record<string, string>; location: string }[];
  /** The table's current schema version (1 after its first registration). */
  schemaVersion(table: TableName): number | undefined;
  close(): void;
}

export function openLocalCatalog(opts: LocalCatalogOptions): LocalCatalog {
  const clock = opts.clock ?? systemClock;
  const specs = opts.tables ?? declaredTables;
  const state = new CatalogState(opts.db, () => clock.now());
  const lakeRoot = path.resolve(opts.lakeRoot);

  const specOf = (table: string): TableSpec => {
    const spec = (specs as Record<string, TableSpec | undefined>)[table];
    if (!spec) {
      throw new AppError('UnknownTable', `unknown table ${table}; tables: ${Object.keys(specs).join(', ')}`);
    }
    return spec;
  };

  const register = (table: string, partitions: readonly PartitionSpec[], replaced: string[]) => {
    const spec = specOf(table);
    for (const p of partitions) validatePartition(spec, p);
    const { version } = state.ensureSchema(spec.name, spec.columns);
    const r = state.addPartitions(spec.name, version, (p) => partitionKey(spec, p), partitions);
    replaced.push(...r.replaced);
    return { added: r.added, existing: partitions.length - r.added };
  };
  const catalog: Catalog = {
    async registerPartitions(table, partitions) {
      const replaced: string[] = [];
      const out = state.transaction(() => register(table, partitions, replaced));
      removeSuperseded(lakeRoot, replaced);
      return out;
    },
    // Every table of a run switches in one SQLite transaction: a query opens its session
    // before or after it, never in between.
    async registerRun(runTables) {
      const replaced: string[] = [];
      const out = state.transaction(() => runTables.map((t) => register(t.table, t.partitions, replaced)));
      removeSuperseded(lakeRoot, replaced);
      return out;
    },
  };

  // The views show the columns this release declares as soon as it runs (as a deploy
  // updates the Glue tables), also for a reader before any run registers them: columns an
  // older release's files lack read as NULL. A declaration that would break the stored
  // schema is refused at registration; until then the stored one is shown.
  const viewColumns = (spec: TableSpec): readonly ColumnSpec[] => {
    const stored = state.schema(spec.name)?.columns;
    if (!stored) return spec.columns;
    try {
      assertCompatible(spec.name, stored, spec.columns);
      return spec.columns;
    } catch {
      return stored;
    }
  };
  const viewSources = (): ViewSource[] =>
    Object.values(specs).map((spec) => ({
      spec,
      columns: viewColumns(spec),
      partitions: state.partitions(spec.name),
    }));

  const openSession = (unionByName = false, writableFiles: readonly string[] = []) =>
    openDuckSession(lakeRoot, viewSources(), {
      threads: opts.threads,
      unionByName,
      memoryLimit: opts.queryMemoryLimit,
      writableFiles,
    });

  const runOnce = async (sql: string, params: QueryParams, unionByName: boolean) => {
    const session = await openSession(unionByName);
    try {
      return await session.query(sql, params);
    } finally {
      session.close();
    }
  };

  const queryEngine: QueryEngine = {
    async query(sql: string, params: QueryParams = {}) {
      let unionByName = false;
      for (let attempt = 1; ; attempt++) {
        try {
          return await runOnce(sql, params, unionByName);
        } catch (err) {
          // Files of one schema version that still differ (written outside the ETL job):
          // read every file by name instead, slower but always right.
          if (!unionByName && isSchemaMismatch(err)) unionByName = true;
          // The job replaced a partition's files between listing and reading: list again.
          else if (!(attempt < 3 && isVanishedFile(err))) throw err;
        }
      }
    },
  };

  const exportQuery = async (select: string, params: QueryParams, out: string, copyOptions: string) => {
    const file = path.resolve(out);
    const session = await openSession(false, [file]);
    try {
      await session.copyTo(select, params, file, copyOptions);
    } finally {
      session.close();
    }
  };

  return {
    catalog,
    queryEngine,
    openSession: (unionByName = false) => openSession(unionByName),
    exportQuery,
    partitions: (table) => state.partitions(table),
    schemaVersion: (table) => state.schema(table)?.version,
    close() {
      // The database belongs to the caller; nothing of ours stays open between queries.
    },
  };
}

/** Partition identity: its values in declared key order. */
function partitionKey(spec: TableSpec, p: PartitionSpec): string {
  return spec.partitionKeys.map((k) => `${k}=${p.values[k]}`).join('/');
}

function validatePartition(spec: TableSpec, p: PartitionSpec): void {
  const given = Object.keys(p.values).sort();
  const expected = [...spec.partitionKeys].sort();
  if (given.join() !== expected.join()) {
    throw new AppError(
      'InvalidPartition',
      `partition of ${spec.name} must have values for [${spec.partitionKeys.join(', ')}], got [${given.join(', ')}]`,
    );
  }
  const loc = p.location;
  if (!loc.startsWith(spec.location) || loc.split('/').includes('..') || path.isAbsolute(loc)) {
    throw new AppError('InvalidPartition', `partition location ${loc} is not under ${spec.location}`);
  }
}

/**
 * Files of versions the catalog no longer points at. A query that listed them just before
 * the switch finds them gone and lists again (isVanishedFile). An earlier release's
 * partition folder holds the newer versions too: only its own files go.
 */
function removeSuperseded(lakeRoot: string, locations: readonly string[]): void {
  for (const location of locations) {
    const dir = path.join(lakeRoot, location);
    realPathInside(lakeRoot, dir);
    if (location.includes(`/${VERSION_PREFIX}`)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    for (const name of safeReaddir(dir))
      if (name.endsWith('.parquet')) rmSync(path.join(dir, name), { force: true });
  }
}

const safeReaddir = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};
