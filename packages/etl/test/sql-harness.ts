/** Given/expect harness for one SQL step on in-memory DuckDB. */
import type { DuckSession, Row } from '../src/duckdb.ts';
import { openDuckSession } from '../src/duckdb.ts';
import { loadDialect, loadEtlSteps, renderSql } from '../src/sql-files.ts';

export type Schema = Record<string, string>;

export async function sqlSession(): Promise<DuckSession> {
  const db = await openDuckSession({ threads: 1, memoryLimit: '256MB' });
  for (const stmt of loadDialect().duckdbPrelude) await db.run(stmt);
  return db;
}

export async function given(
  db: DuckSession,
  name: string,
  schema: Schema,
  rows: Array<Record<string, unknown>>,
) {
  const cols = Object.keys(schema);
  await db.run(`CREATE OR REPLACE TEMP TABLE ${name} (${cols.map((c) => `${c} ${schema[c]}`).join(', ')})`);
  for (const row of rows) {
    const values = cols.map((c) => (row[c] === undefined ? null : row[c]));
    const placeholders = cols.map((c, i) => `CAST($${i + 1} AS ${schema[c]})`).join(', ');
    await db.run(
      `INSERT INTO ${name} VALUES (${placeholders})`,
      values.map((v) => (v === null ? null : typeof v === 'number' ? String(v) : (v as string))),
    );
  }
}

const steps = loadEtlSteps();

/** Runs the step producing `relation` (as a table) and returns its rows in a stable order. */
export async function runStep(db: DuckSession, relation: string, orderBy = 'ALL'): Promise<Row[]> {
  const step = steps.find((s) => s.relation === relation);
  if (!step) throw new Error(`no step ${relation}`);
  await db.run(`CREATE OR REPLACE TEMP TABLE ${relation} AS\n${renderSql(step.sql, 'duckdb')}`);
  return db.all(`SELECT * FROM ${relation} ORDER BY ${orderBy}`);
}

export const barSchema: Schema = {
  symbol: 'VARCHAR',
  exchange: 'VARCHAR',
  mic_code: 'VARCHAR',
  currency: 'VARCHAR',
  instrument_type: 'VARCHAR',
  interval: 'VARCHAR',
  ts: 'TIMESTAMP',
  open: 'DOUBLE',
  high: 'DOUBLE',
  low: 'DOUBLE',
  close: 'DOUBLE',
  volume: 'DOUBLE',
  source: 'VARCHAR',
  ingested_at: 'TIMESTAMP',
  raw_object: 'VARCHAR',
};
