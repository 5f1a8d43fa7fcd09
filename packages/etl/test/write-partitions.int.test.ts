/**
 * write-partitions.ts on DuckDB: every row lands in its own partition's files, whatever
 * order the relation holds its rows in, with and without the sorted copy (issue 16).
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { duckdbType, PARQUET_COMPRESSION, tables } from '@ohlcv/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type DuckSession, openDuckSession, sqlString } from '../src/duckdb.ts';
import { writePartitions } from '../src/write-partitions.ts';

// More chunks than SCAN_LIMIT: interleaved rows then cover the relation too often.
const PARTITIONS = 700;
const ROWS = 10;
const CONTEXT = 10;

let dir: string | undefined;
let db: DuckSession | undefined;
afterEach(async () => {
  await db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  db = undefined;
  dir = undefined;
});

/**
 * A bars relation of PARTITIONS written partitions (plus CONTEXT read-only ones, which
 * must not be written) of ROWS rows each, stored in the order `ord` gives (p: partition
 * index, i: row index within it).
 */
async function barsRelation(session: DuckSession, ord: string): Promise<void> {
  const values: Record<string, string> = {
    symbol: "'S' || lpad(CAST(p % 30 AS VARCHAR), 3, '0')",
    exchange: "'XNAS'",
    interval: "'1min'",
    ts: "TIMESTAMP '2024-01-01' + to_days(CAST(p // 30 AS INTEGER)) + to_minutes(CAST(i AS BIGINT))",
    close: 'p * 1000 + i',
    plan_version: "'v'",
  };
  const columns = tables.bars.columns.map(
    (c) => `${values[c.name] ?? `CAST(NULL AS ${duckdbType[c.type]})`} AS ${c.name}`,
  );
  await session.run(
    `CREATE TABLE rel AS
     SELECT ${columns.join(', ')}, CAST(CAST(ts AS DATE) AS VARCHAR) AS date, CASE WHEN p >= ${PARTITIONS} THEN 1 ELSE 0 END AS is_context
     FROM range(${PARTITIONS + CONTEXT}) a(p), range(${ROWS}) b(i)
     ORDER BY ${ord}`,
  );
}

async function writeAndReadBack(ord: string) {
  dir = mkdtempSync(join(tmpdir(), 'write-partitions-'));
  db = await openDuckSession({ threads: 2 });
  await barsRelation(db, ord);
  const phases: string[] = [];
  const lake = join(dir, 'lake');
  const written = await writePartitions(
    db,
    join(dir, 'work'),
    'bars',
    'rel',
    'is_context = 0',
    (p) => phases.push(p),
    (staging, _t, rel) => {
      const to = join(lake, rel);
      mkdirSync(dirname(to), { recursive: true });
      renameSync(staging, to);
      return to;
    },
  );
  // Each published folder holds exactly its partition's rows (close = p * 1000 + i).
  const found: Record<string, number[]> = {};
  const codecs = new Set<string>();
  for (const w of written) {
    const files = readdirSync(w.location).map((f) => join(w.location, f));
    const list = files.map(sqlString).join(', ');
    const rows = await db.all(`SELECT close FROM read_parquet([${list}]) ORDER BY close`);
    found[`${w.values.date}/${w.values.symbol}`] = rows.map((r) => Number(r.close));
    for (const m of await db.all(`SELECT DISTINCT compression FROM parquet_metadata([${list}])`))
      codecs.add(String(m.compression));
  }
  const expected: Record<string, number[]> = {};
  for (let p = 0; p < PARTITIONS; p++) {
    const day = String(1 + Math.floor(p / 30)).padStart(2, '0');
    expected[`2024-01-${day}/S${String(p % 30).padStart(3, '0')}`] = Array.from(
      { length: ROWS },
      (_, i) => p * 1000 + i,
    );
  }
  return { found, expected, phases, written, codecs: [...codecs] };
}

describe('writePartitions', { timeout: 60_000 }, () => {
  it('rows stored by partition, by symbol then date (as 06 leaves bars_out, not key order): no sort, every row in place', async () => {
    // Ids follow the stored order: in key order (date, symbol) each chunk would span the relation.
    const r = await writeAndReadBack('p % 30, p // 30, i');
    expect(r.found).toEqual(r.expected);
    expect(r.written.map((w) => w.rows)).toEqual(Array(PARTITIONS).fill(ROWS));
    expect(r.phases).toEqual(['tag bars rows by partition', 'copy bars']);
    // Every column chunk in the codec the catalog declares and the Glue job writes.
    expect(r.codecs).toEqual([PARQUET_COMPRESSION.toUpperCase()]);
  });

  it('a few partitions in two places (where two threads met): still no sort, still every row in place', async () => {
    // Partitions 7, 350 and 699 have half their rows at the very end.
    const r = await writeAndReadBack('CASE WHEN p IN (7, 350, 699) AND i % 2 = 1 THEN 1 ELSE 0 END, p, i');
    expect(r.found).toEqual(r.expected);
    expect(r.phases).toEqual(['tag bars rows by partition', 'copy bars']);
  });

  it('rows of all partitions interleaved: sorted by partition once, every row in place', async () => {
    const r = await writeAndReadBack('i, p');
    expect(r.found).toEqual(r.expected);
    expect(r.phases).toEqual(['lay out bars by partition', 'copy bars']);
  });
});
