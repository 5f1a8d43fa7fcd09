/**
 * Writing a relation's partitions on DuckDB: COPY into the run's scratch folder,
 * partitioned by a numeric id (no escaping questions there), then each partition's files
 * renamed into its Hive path. File names are DuckDB's deterministic `data_<n>.parquet`.
 *
 * DuckDB buffers every open partition of a COPY in memory (blocks per column), so
 * thousands of partitions in one COPY exhaust memory_limit: the rows are tagged with
 * their partition id once, then written in chunks of at most PARTITIONS_PER_COPY ids,
 * and each chunk's id range filter skips the row groups of the others. That skipping
 * needs each partition's rows together, and the steps mostly leave them so (06's window
 * sorts by symbol and date; where two threads' output meets, a few partitions lie in two
 * places). So ids are given in the order the rows already lie in, compact partitions
 * first, and the tagged rows are not sorted: "lay out bars by partition" (tag and sort)
 * took 0.75-0.84 s of a 2M-bar run and 7.2 s at 10M bars; tagging alone takes 0.54-0.60 s
 * and 3.7 s (issue 16; the baseline sorts too). Where the chunks would read rows from
 * more than SCAN_LIMIT times the relation (rows of many partitions interleaved), the
 * tagged rows are sorted by id as before.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TableName, WrittenPartition } from '@ohlcv/core';
import { fileColumnsOf, PARQUET_COMPRESSION, tables } from '@ohlcv/core';
import type { DuckSession } from './duckdb.ts';
import { sqlString } from './duckdb.ts';
import { partitionPath } from './hive-path.ts';

/** Partitions written by one COPY: bounds DuckDB's per-partition write buffers. */
export const PARTITIONS_PER_COPY = 128;
/** How many times the relation's rows the COPY chunks' row ranges may span before the rows are sorted. */
export const SCAN_LIMIT = 4;

/** Moves a written partition folder in as a new version; returns its lake-relative location. */
export type Publish = (stagingDir: string, table: TableName, partitionPath: string) => string;

/**
 * Writes the rows of `relation` (a table: its row ids say where a partition's rows lie)
 * that pass `filter` as `table`'s partitions, each published with `publish`.
 */
export async function writePartitions(
  db: DuckSession,
  work: string,
  table: TableName,
  relation: string,
  filter: string,
  timer: (phase: string) => void,
  publish: Publish,
): Promise<WrittenPartition[]> {
  const keys = tables[table].partitionKeys;
  const keyList = keys.join(', ');
  const fileColumns = fileColumnsOf(tables[table]).map((c) => c.name);
  const parts = `parts_${table}`;
  // The partitions, the row ids their rows lie between, and their ids: compact ones (rows
  // within twice their count of row ids) first, in the order they lie in.
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${parts} AS
     SELECT ${keyList}, rows, first_row, last_row,
       CAST(row_number() OVER (ORDER BY last_row - first_row + 1 > 2 * rows, first_row, ${keyList}) - 1 AS INTEGER) AS pid
     FROM (
       SELECT ${keyList}, count(*) AS rows, min(rowid) AS first_row, max(rowid) AS last_row
       FROM ${relation} WHERE ${filter} GROUP BY ${keyList}
     )`,
  );
  const partitions = await db.all(`SELECT * FROM ${parts} ORDER BY ${keyList}`);
  if (!partitions.length) return [];
  const [cover] = await db.all(
    `SELECT
       (SELECT sum(hi - lo + 1) FROM (
          SELECT min(first_row) AS lo, max(last_row) AS hi FROM ${parts} GROUP BY pid // ${PARTITIONS_PER_COPY}
        )) AS covered,
       (SELECT count(*) FROM ${relation}) AS total`,
  );
  const grouped = Number(cover!.covered) <= SCAN_LIMIT * Number(cover!.total);
  const rowsByPid = `write_${table}`;
  // A regular table, not TEMP: the concurrent COPYs below read it on connections of their own.
  await db.run(
    `CREATE OR REPLACE TABLE ${rowsByPid} AS
     SELECT ${fileColumns.map((c) => `r.${c}`).join(', ')}, p.pid
     FROM ${relation} r JOIN ${parts} p USING (${keyList})
     WHERE ${filter}${grouped ? '' : '\n     ORDER BY p.pid'}`,
  );
  timer(grouped ? `tag ${table} rows by partition` : `lay out ${table} by partition`);
  const staging = join(work, 'out', table);
  // Made here: concurrent COPYs would race to create it.
  mkdirSync(staging, { recursive: true });
  const copies: string[] = [];
  for (let first = 0; first < partitions.length; first += PARTITIONS_PER_COPY) {
    const last = Math.min(first + PARTITIONS_PER_COPY, partitions.length) - 1;
    copies.push(
      `COPY (SELECT * FROM ${rowsByPid} WHERE pid BETWEEN ${first} AND ${last})
       TO ${sqlString(staging)} (FORMAT parquet, PARTITION_BY (pid), COMPRESSION ${PARQUET_COMPRESSION}, OVERWRITE_OR_IGNORE)`,
    );
  }
  // One COPY of small partition files keeps about 1.3 of 2 cores busy (opening and
  // closing files); two at a time take 20-30% less time for 50-90 MB more at 2M bars
  // (issue 16). Each writes its own pid folders, so the files are the same.
  try {
    await db.runConcurrently(copies);
  } finally {
    await db.run(`DROP TABLE IF EXISTS ${rowsByPid}`);
  }
  timer(`copy ${table}`);
  const leftovers = readdirSync(staging).length - partitions.length;
  if (leftovers !== 0) throw new Error(`COPY of ${table} produced ${leftovers} unexpected partition folders`);
  const written: WrittenPartition[] = [];
  for (const p of partitions) {
    const values = Object.fromEntries(keys.map((k) => [k, String(p[k])]));
    const location = publish(join(staging, `pid=${p.pid}`), table, partitionPath(keys, values));
    written.push({ table, values, location, rows: Number(p.rows) });
  }
  return written;
}
