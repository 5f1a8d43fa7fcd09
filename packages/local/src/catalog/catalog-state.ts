/**
 * Catalog state in the runtime's SQLite database, so a second process (`ohlcv query`
 * while `ohlcv start` runs) reads it without touching any DuckDB file: which partitions
 * each table has, and which column list (schema version) each table is at.
 */
import { AppError, type ColumnSpec, type PartitionSpec, type TableName } from '@ohlcv/core';
import type Database from 'better-sqlite3';

export interface StoredPartition {
  values: Record<string, string>;
  location: string;
  /** The table's schema version when the partition was registered (its files' columns). */
  schemaVersion: number;
}

export interface TableSchemaVersion {
  version: number;
  columns: ColumnSpec[];
}

export function migrateCatalogState(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS catalog_partitions (
      table_name TEXT NOT NULL,
      partition_key TEXT NOT NULL,
      values_json TEXT NOT NULL,
      location TEXT NOT NULL,
      schema_version INTEGER NOT NULL DEFAULT 1,
      registered_at TEXT NOT NULL,
      PRIMARY KEY (table_name, partition_key)
    );
    CREATE TABLE IF NOT EXISTS catalog_table_versions (
      table_name TEXT NOT NULL,
      version INTEGER NOT NULL,
      columns_json TEXT NOT NULL,
      created_at TEXT NOT NULL,
      PRIMARY KEY (table_name, version)
    );
  `);
}

export class CatalogState {
  private readonly insertPartition: Database.Statement;
  private readonly partitionLocation: Database.Statement;
  private readonly switchPartition: Database.Statement;
  private readonly selectPartitions: Database.Statement;
  private readonly latestVersion: Database.Statement;
  private readonly insertVersion: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => Date,
  ) {
    migrateCatalogState(db);
    this.insertPartition = db.prepare(
      `INSERT INTO catalog_partitions (table_name, partition_key, values_json, location, schema_version, registered_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (table_name, partition_key) DO NOTHING`,
    );
    this.partitionLocation = db.prepare(
      'SELECT location FROM catalog_partitions WHERE table_name = ? AND partition_key = ?',
    );
    this.switchPartition = db.prepare(
      `UPDATE catalog_partitions SET location = ?, schema_version = ?, registered_at = ?
       WHERE table_name = ? AND partition_key = ?`,
    );
    this.selectPartitions = db.prepare(
      'SELECT values_json, location, schema_version FROM catalog_partitions WHERE table_name = ? ORDER BY partition_key',
    );
    this.latestVersion = db.prepare(
      'SELECT version, columns_json FROM catalog_table_versions WHERE table_name = ? ORDER BY version DESC LIMIT 1',
    );
    this.insertVersion = db.prepare(
      `INSERT INTO catalog_table_versions (table_name, version, columns_json, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (table_name, version) DO NOTHING`,
    );
  }

  /**
   * Inserts new partitions and switches registered ones to a newer location; returns how
   * many were new and the locations switched away from. Version locations sort by age
   * (an earlier release's `.../symbol=X/` sorts before its `.../symbol=X/_v.../`), so an
   * older summary delivered late never switches a partition back.
   */
  addPartitions(
    table: TableName,
    schemaVersion: number,
    keyOf: (p: PartitionSpec) => string,
    partitions: readonly PartitionSpec[],
  ): { added: number; replaced: string[] } {
    const at = this.now().toISOString();
    let added = 0;
    const replaced: string[] = [];
    for (const p of partitions) {
      const key = keyOf(p);
      const current = this.partitionLocation.get(table, key) as { location: string } | undefined;
      if (!current) {
        this.insertPartition.run(table, key, JSON.stringify(p.values), p.location, schemaVersion, at);
        added++;
      } else if (p.location > current.location) {
        this.switchPartition.run(p.location, schemaVersion, at, table, key);
        replaced.push(current.location);
      }
    }
    return { added, replaced };
  }

  /** Runs `fn` in one transaction (a run's switch of every table). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  partitions(table: TableName): StoredPartition[] {
    const rows = this.selectPartitions.all(table) as {
      values_json: string;
      location: string;
      schema_version: number;
    }[];
    return rows.map((r) => ({
      values: JSON.parse(r.values_json) as Record<string, string>,
      location: r.location,
      schemaVersion: r.schema_version,
    }));
  }

  schema(table: TableName): TableSchemaVersion | undefined {
    const row = this.latestVersion.get(table) as { version: number; columns_json: string } | undefined;
    return row && { version: row.version, columns: JSON.parse(row.columns_json) as ColumnSpec[] };
  }

  /**
   * Records the declared columns as a new version when they differ from the latest. Only
   * appended nullable columns are accepted: anything else would break old partitions.
   */
  ensureSchema(table: TableName, declared: readonly ColumnSpec[]): { version: number; changed: boolean } {
    const current = this.schema(table);
    if (current && JSON.stringify(current.columns) === JSON.stringify(declared)) {
      return { version: current.version, changed: false };
    }
    if (current) assertCompatible(table, current.columns, declared);
    const version = (current?.version ?? 0) + 1;
    this.insertVersion.run(table, version, JSON.stringify(declared), this.now().toISOString());
    return { version, changed: true };
  }
}

/** The schema-evolution rule both catalogs apply: keep every column, append nullable ones. */
export function assertCompatible(
  table: string,
  before: readonly ColumnSpec[],
  after: readonly ColumnSpec[],
): void {
  for (const col of before) {
    const now = after.find((c) => c.name === col.name);
    if (!now || now.type !== col.type) {
      throw new SchemaChangeError(table, `column ${col.name} was removed or changed type`);
    }
  }
  const added = after.filter((c) => !before.some((b) => b.name === c.name));
  const required = added.filter((c) => !c.nullable);
  if (required.length > 0) {
    throw new SchemaChangeError(
      table,
      `new columns must be nullable: ${required.map((c) => c.name).join(', ')}`,
    );
  }
}

export class SchemaChangeError extends AppError {
  constructor(table: string, detail: string) {
    super('IncompatibleSchemaChange', `incompatible schema change for ${table}: ${detail}`);
  }
}
