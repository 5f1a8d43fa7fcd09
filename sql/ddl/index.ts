/**
 * The Athena/Glue table DDL, one `CREATE EXTERNAL TABLE` file per table. `{{location}}`
 * is the only placeholder: the table's storage location, known at deploy time only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TableName } from '../../packages/core/src/tables.ts';

export const DDL_DIR = path.dirname(fileURLToPath(import.meta.url));

export function loadDdl(table: TableName): string {
  return readFileSync(path.join(DDL_DIR, `${table}.sql`), 'utf8');
}

/** The DDL with its location filled in, e.g. `s3://bucket/processed/bars/`. */
export function renderDdl(table: TableName, location: string): string {
  if (!/^[A-Za-z0-9+.-]+:\/\/[^'\s]+\/$/.test(location)) {
    throw new RangeError(`table location must be a URI ending in '/', got ${location}`);
  }
  return loadDdl(table).replace('{{location}}', location);
}

export interface DdlShape {
  table: string;
  columns: { name: string; type: string }[];
  partitionKeys: { name: string; type: string }[];
}

/** Reads names and types back out of a DDL file (used by the drift test). */
export function parseDdlShape(ddl: string): DdlShape {
  const body = ddl
    .split('\n')
    .filter((l) => !l.startsWith('--'))
    .join('\n');
  const table = /CREATE EXTERNAL TABLE IF NOT EXISTS\s+([\w.]+)\s*\(/.exec(body)?.[1] ?? '';
  const colBlock = /\(\n([\s\S]*?)\n\)\nCOMMENT/.exec(body)?.[1] ?? '';
  const partBlock = /PARTITIONED BY \(\n([\s\S]*?)\n\)/.exec(body)?.[1] ?? '';
  const parse = (block: string) =>
    block
      .split('\n')
      .map((l) => /^\s*`(\w+)`\s+([\w<>]+)/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1] ?? '', type: m[2] ?? '' }));
  return { table, columns: parse(colBlock), partitionKeys: parse(partBlock) };
}
