/**
 * Staging on DuckDB: the manifest's objects -> `staged_records`, the uniform relation
 * the shared SQL starts from (every field as text, plus raw_object, line_number,
 * raw_record, stage_error, unknown_keys, tz, object_date, object_ingested_at).
 * NDJSON, the bulk format, is split and read by DuckDB itself; CSV and Twelve Data
 * JSON go through the TypeScript readers and a scratch NDJSON file.
 *
 * Staging comes in batches: `staged_records` shows one batch at a time and the job runs
 * the steps that read it once per batch. DuckDB splits files into lines on one thread
 * only, so each batch's lines are split once into a table (`staged_lines`) and
 * everything after reads that table on all threads; batches bound the table's memory.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@ohlcv/core';
import type { DuckSession } from './duckdb.ts';
import { sqlString, sqlStringList } from './duckdb.ts';
import { loadPlan } from './plan.ts';
import type { StagedRecord } from './stage-formats.ts';
import {
  canonicalFields,
  detectFormat,
  stageCsv,
  stageTwelveData,
  stripBom,
  unreadableObject,
} from './stage-formats.ts';
import { DEFAULT_STAGING_LIMITS, type StagingLimits, scratchCopyName, screenObject } from './stage-screen.ts';

type ManifestObject = Manifest['objects'][number];

/** DuckDB type of a staged column: every field is text but the line number. */
const stagedType = (column: string): string =>
  loadPlan().staging.bigintColumns.includes(column) ? 'BIGINT' : 'VARCHAR';

export const stagedColumns: readonly string[] = loadPlan().staging.columns;

/** UTC date of the object's write, the quarantine partition of its rejected rows. */
export const objectDate = (o: ManifestObject): string => new Date(o.lastModified).toISOString().slice(0, 10);

interface ObjectRow {
  path: string;
  raw_object: string;
  object_date: string;
  object_ingested_at: string;
}

/** Raw NDJSON bytes split into lines per batch: ~4x this in DuckDB memory at peak. */
export const STAGING_BATCH_BYTES = 256 * 1024 * 1024;

export interface StagingBatches {
  /** At least 1: a run without objects has one empty batch. */
  readonly count: number;
  /** Points `staged_records` at batch `index` (0-based); a no-op if it already does. */
  load(index: number): Promise<void>;
  /** Frees the last loaded batch. */
  release(): Promise<void>;
}

export async function stageObjects(
  db: DuckSession,
  lakeRoot: string,
  objects: readonly ManifestObject[],
  scratchDir: string,
  batchBytes: number = STAGING_BATCH_BYTES,
  limits: StagingLimits = DEFAULT_STAGING_LIMITS,
): Promise<StagingBatches> {
  const ndjson: ObjectRow[] = [];
  const others: Array<
    StagedRecord & { raw_object: string; object_date: string; object_ingested_at: string }
  > = [];
  for (const [index, o] of objects.entries()) {
    const meta = {
      raw_object: o.key,
      object_date: objectDate(o),
      object_ingested_at: new Date(o.lastModified).toISOString(),
    };
    // One bad object never stops the others: what cannot be read, decoded or
    // decompressed within the limits is one quarantine row, and a line too long is one.
    const screened = await screenObject(
      join(lakeRoot, o.key),
      o.key,
      scratchCopyName(scratchDir, index),
      limits,
    );
    if (screened.kind === 'unreadable') {
      others.push({ ...unreadableObject(screened.cause), ...meta });
      continue;
    }
    for (const r of screened.tooLong) others.push({ ...r, ...meta });
    // Decompressed and with long lines blanked when it had to be: the screened copy.
    const path = screened.path;
    if (/\.(ndjson|jsonl)(\.gz)?$/i.test(o.key)) {
      ndjson.push({ path, ...meta });
      continue;
    }
    const text = readFileSync(path, 'utf8');
    const format = detectFormat(o.key, text);
    if (format === 'ndjson') {
      ndjson.push({ path, ...meta });
      continue;
    }
    const records = format === 'csv' ? stageCsv(text) : stageTwelveData(stripBom(text));
    for (const r of records) others.push({ ...r, ...meta });
  }

  const batches: string[] = [];
  if (others.length) {
    const file = join(scratchDir, 'staged-other.ndjson');
    writeFileSync(file, others.map((r) => JSON.stringify(r)).join('\n'));
    const columnsDef = stagedColumns.map((c) => `${sqlString(c)}: ${sqlString(stagedType(c))}`).join(', ');
    batches.push(
      `SELECT ${stagedColumns.join(', ')} FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${columnsDef}})`,
    );
  }
  const ndjsonBatches = groupBySize(
    ndjson.map((o) => ({ path: o.path, bytes: statSync(o.path).size })),
    batchBytes,
  );
  if (ndjson.length) {
    await db.run(
      'CREATE OR REPLACE TEMP TABLE staged_objects (path VARCHAR, raw_object VARCHAR, object_date VARCHAR, object_ingested_at VARCHAR)',
    );
    for (const o of ndjson) {
      await db.run('INSERT INTO staged_objects VALUES ($1, $2, $3, $4)', [
        o.path,
        o.raw_object,
        o.object_date,
        o.object_ingested_at,
      ]);
    }
  }
  const emptyBatch = `SELECT ${stagedColumns.map((c) => `CAST(NULL AS ${stagedType(c)}) AS ${c}`).join(', ')} WHERE false`;
  const count = Math.max(1, batches.length + ndjsonBatches.length);
  let loaded = -1;
  // A regular (not TEMP) table: the concurrent connections that fill it must see it.
  const release = async () => {
    await db.run('DROP TABLE IF EXISTS staged_lines');
    loaded = -1;
  };
  return {
    count,
    async load(index) {
      if (index < 0 || index >= count) throw new RangeError(`staging batch ${index} of ${count}`);
      if (index === loaded) return;
      await release();
      loaded = index;
      let sql = batches[index];
      const files = ndjsonBatches[index - batches.length];
      if (files) {
        await db.run('CREATE TABLE staged_lines (filename VARCHAR, line_number BIGINT, raw_record VARCHAR)');
        await db.runConcurrently(
          spread(files, db.threads).map((paths) => `INSERT INTO staged_lines ${ndjsonLinesSql(paths)}`),
        );
        sql = NDJSON_STAGED_RECORDS;
      }
      await db.run(`CREATE OR REPLACE TEMP VIEW staged_records AS ${sql ?? emptyBatch}`);
    },
    release,
  };
}

interface SizedFile {
  path: string;
  bytes: number;
}

/** Consecutive groups of files of about `limit` bytes together (a bigger file alone). */
export function groupBySize(files: readonly SizedFile[], limit: number): SizedFile[][] {
  const groups: SizedFile[][] = [];
  let size = Number.POSITIVE_INFINITY;
  for (const file of files) {
    if (size + file.bytes > limit) {
      groups.push([]);
      size = 0;
    }
    groups.at(-1)!.push(file);
    size += file.bytes;
  }
  return groups;
}

/** The files dealt into at most `lanes` lists of similar byte totals (largest first). */
export function spread(files: readonly SizedFile[], lanes: number): string[][] {
  const out = Array.from({ length: Math.max(1, Math.min(lanes, files.length)) }, () => ({
    bytes: 0,
    paths: [] as string[],
  }));
  for (const f of [...files].sort((a, b) => b.bytes - a.bytes)) {
    const lane = out.reduce((min, l) => (l.bytes < min.bytes ? l : min));
    lane.paths.push(f.path);
    lane.bytes += f.bytes;
  }
  return out.map((l) => l.paths);
}

/**
 * Lines of the NDJSON files: BOM and CR stripped, blank lines skipped (not records).
 * Functions were picked by measurement: trim() costs 10x more than these.
 */
function ndjsonLinesSql(paths: readonly string[]): string {
  return `
SELECT filename, line_number, raw_record
FROM (
  SELECT filename, line_number, CASE WHEN ends_with(line, chr(13)) THEN line[1:-2] ELSE line END AS raw_record
  FROM (
    SELECT
      filename, line_number,
      CASE WHEN line_number = 1 AND starts_with(line, chr(65279)) THEN substr(line, 2) ELSE line END AS line
    FROM (
      SELECT filename, CAST(generate_subscripts(lines, 1) AS BIGINT) AS line_number, unnest(lines) AS line
      FROM (SELECT filename, string_split(content, chr(10)) AS lines FROM read_text(${sqlStringList(paths)}))
    )
  )
)
WHERE NOT regexp_full_match(raw_record, '\\s*')`;
}

/**
 * The staged lines as records: each line parsed once (json_transform) into the
 * canonical fields as text. A line whose keys are not all canonical names (an alias such
 * as `timestamp`, another case, an unknown key) takes the staging contract's key
 * mapping (fieldOfKey in stage-formats.ts): each field's value is its first key's,
 * converted exactly as json_transform converts it.
 */
const NDJSON_STAGED_RECORDS: string = (() => {
  const known = sqlStringList(canonicalFields);
  const struct = sqlString(JSON.stringify(Object.fromEntries(canonicalFields.map((f) => [f, 'VARCHAR']))));
  const { whitespace, fieldAliases } = loadPlan().staging;
  // The staging contract: field text trimmed of the plan's whitespace, empty text NULL.
  const ws = [...whitespace].map((c) => `chr(${c.charCodeAt(0)})`).join(' || ');
  const aliasCases = Object.entries(fieldAliases)
    .map(([alias, field]) => `WHEN ${sqlString(alias)} THEN ${sqlString(field)}`)
    .join(' ');
  // fieldOfKey: trimmed, ASCII case ignored (a non-ASCII name matches nothing), aliased.
  const fieldOf = (k: string) => `(CASE
      WHEN regexp_matches(trim(${k}, ${ws}), '[^\\x00-\\x7f]') THEN NULL
      ELSE list_position(${known}, CASE lower(trim(${k}, ${ws})) ${aliasCases} ELSE lower(trim(${k}, ${ws})) END)
    END)`;
  const spelling = (k: string) => `COALESCE(NULLIF(trim(${k}, ${ws}), ''), '""')`;
  // The JSON pointer of a key: ~ and / escaped (RFC 6901).
  const pointer = (k: string) => `'/' || replace(replace(${k}, '~', '~0'), '/', '~1')`;
  const fieldCols = canonicalFields
    .map((f, i) => {
      const mapped = `json_transform(json_extract(l.raw_record, ${pointer(`l.keys[list_position(l.fields, ${i + 1})]`)}), '"VARCHAR"')`;
      const value = `CASE WHEN NOT l.mapped THEN l.f.${f} WHEN list_position(l.fields, ${i + 1}) > 0 THEN ${mapped} END`;
      return `NULLIF(trim(${value}, ${ws}), '') AS ${f}`;
    })
    .join(',\n  ');
  return `
SELECT
  o.raw_object, l.line_number, l.raw_record,
  CASE WHEN l.is_object THEN NULL ELSE 'unparseable_line' END AS stage_error,
  CASE WHEN l.fields IS NULL THEN NULL
    ELSE NULLIF(array_to_string([${spelling('k')} FOR k, i IN l.keys IF l.fields[i] IS NULL], ', '), '')
  END AS unknown_keys,
  CASE WHEN l.fields IS NULL OR len(list_distinct(l.fields)) = len(list_filter(l.fields, lambda x: x IS NOT NULL)) THEN NULL
    ELSE array_to_string(
      list_filter(l.keys, lambda k, i: l.fields[i] IS NOT NULL AND len(list_filter(l.fields, lambda x: x = l.fields[i])) > 1)
        .list_transform(lambda k: ${spelling('k')}), ', ')
  END AS duplicate_keys,
  ${fieldCols},
  CAST(NULL AS VARCHAR) AS tz,
  o.object_date, o.object_ingested_at
FROM (
  SELECT
    *,
    -- A key that is not spelled as its canonical field: values through the key mapping.
    -- (CASE, not AND: DuckDB evaluates a CASE branch only for its rows; the fast path skips it.)
    CASE WHEN fields IS NULL THEN false
      ELSE COALESCE(list_bool_or([fields[i] IS NULL OR ${known}[fields[i]] <> k FOR k, i IN keys]), false)
    END AS mapped
  FROM (
    SELECT
      *,
      -- Fast path: ingestion writes exactly the canonical keys in this order.
      CASE WHEN NOT is_object OR keys = ${known} THEN NULL ELSE [${fieldOf('k')} FOR k IN keys] END AS fields
    FROM (
      SELECT
        *,
        -- Valid JSON (try() yields NULL for invalid text) that starts with '{' is an object.
        f IS NOT NULL AND CASE WHEN left(raw_record, 1) = '{' THEN true ELSE regexp_matches(raw_record, '^[ \\t]*\\{') END AS is_object,
        CASE WHEN f IS NOT NULL THEN json_keys(raw_record) END AS keys
      FROM (SELECT *, try(json_transform(raw_record, ${struct})) AS f FROM staged_lines)
    )
  )
) l
JOIN staged_objects o ON o.path = l.filename`;
})();
