/**
 * The schema version of a catalog table, derived from its declaration in tables.ts (never
 * numbered by hand, so a column added there is a new version without anyone bumping it).
 *
 * Tables only ever evolve by appending nullable columns (the catalogs refuse anything else:
 * Parquet is read by column name, so old files stay readable). Under that rule the number
 * of data columns grows with every release that changes a table, so it orders versions:
 * `version` is that count, `hash` names the exact set (names, types, partition keys), so
 * two schemas with the same count but different columns are told apart. On a stage both
 * sit in the Glue table's Parameters (infra writes them on deploy, catalog-sync stamps them
 * when it migrates a table).
 */
import type { ColumnSpec, TableSpec } from './tables.ts';

export const SCHEMA_VERSION_PARAMETER = 'ohlcv.schema_version';
export const SCHEMA_HASH_PARAMETER = 'ohlcv.schema_hash';

export interface TableSchemaVersion {
  version: number;
  hash: string;
}

/** The columns a table's files hold: every declared column except the path-only partition keys. */
export const dataColumns = (spec: Pick<TableSpec, 'columns' | 'partitionKeys'>): ColumnSpec[] =>
  spec.columns.filter((c) => !spec.partitionKeys.includes(c.name));

/** Of name+type pairs (order-free: a migrated table has its new columns appended at the end). */
export function schemaVersionOf(
  columns: readonly { name: string; type: string }[],
  partitionKeys: readonly string[],
): TableSchemaVersion {
  const cols = columns.map((c) => `${c.name.toLowerCase()}:${c.type.toLowerCase()}`).sort();
  const text = `keys=${partitionKeys.join(',')};columns=${cols.join(',')}`;
  return { version: cols.length, hash: fnv1a(text, 0x811c9dc5) + fnv1a(text, 0x01000193) };
}

/**
 * FNV-1a, 32 bits, as 8 hex digits: an identity for a column set, not a secret (core runs
 * in the browser bundle too, so no node:crypto here).
 */
function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export const tableSchemaVersion = (spec: Pick<TableSpec, 'columns' | 'partitionKeys'>): TableSchemaVersion =>
  schemaVersionOf(dataColumns(spec), spec.partitionKeys);

/** The Parameters entries that carry it. */
export const schemaVersionParameters = (spec: Pick<TableSpec, 'columns' | 'partitionKeys'>) => {
  const v = tableSchemaVersion(spec);
  return { [SCHEMA_VERSION_PARAMETER]: String(v.version), [SCHEMA_HASH_PARAMETER]: v.hash };
};
