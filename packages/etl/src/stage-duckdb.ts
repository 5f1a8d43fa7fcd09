/**
 * Staging on DuckDB: the manifest's objects -> `staged_records`, the uniform relation
 * the shared SQL starts from (every field as text, plus raw_object, line_number,
 * raw_record, stage_error, unknown_keys, tz, object_date, object_ingested_at).
 * NDJSON, the bulk format, is split and read by DuckDB itself; CSV and Twelve Data
 * JSON go through the TypeScript readers and a scratch NDJSON file.
 */
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Manifest } from '@ohlcv/core';
import type { DuckSession } from './duckdb.ts';
import { sqlString, sqlStringList } from './duckdb.ts';
import type { StagedRecord } from './stage-formats.ts';
import {
  canonicalFields,
  detectFormat,
  isGzip,
  stageCsv,
  stageTwelveData,
  stripBom,
  unreadableObject,
} from './stage-formats.ts';

type ManifestObject = Manifest['objects'][number];

const TEXT_FIELDS = [...canonicalFields, 'tz'] as const;

export const stagedColumns = [
  'raw_object',
  'line_number',
  'raw_record',
  'stage_error',
  'unknown_keys',
  ...TEXT_FIELDS,
  'object_date',
  'object_ingested_at',
] as const;

/** UTC date of the object's write, the quarantine partition of its rejected rows. */
export const objectDate = (o: ManifestObject): string => new Date(o.lastModified).toISOString().slice(0, 10);

interface ObjectRow {
  path: string;
  raw_object: string;
  object_date: string;
  object_ingested_at: string;
}

export async function stageObjects(
  db: DuckSession,
  lakeRoot: string,
  objects: readonly ManifestObject[],
  scratchDir: string,
): Promise<void> {
  const ndjson: ObjectRow[] = [];
  const others: Array<
    StagedRecord & { raw_object: string; object_date: string; object_ingested_at: string }
  > = [];
  objects.forEach((o, index) => {
    const meta = {
      raw_object: o.key,
      object_date: objectDate(o),
      object_ingested_at: new Date(o.lastModified).toISOString(),
    };
    const path = join(lakeRoot, o.key);
    if (/\.(ndjson|jsonl)$/i.test(o.key) && !startsWithGzipMagic(path)) {
      ndjson.push({ path, ...meta });
      return;
    }
    let bytes: Uint8Array = readFileSync(path);
    const wasGzip = isGzip(bytes);
    if (wasGzip) {
      try {
        bytes = gunzipSync(bytes);
      } catch (e) {
        others.push({ ...unreadableObject(`unreadable gzip: ${(e as Error).message}`), ...meta });
        return;
      }
    }
    const text = Buffer.from(bytes).toString('utf8');
    const format = detectFormat(o.key, text);
    if (format === 'ndjson') {
      let file = path;
      if (wasGzip) {
        file = join(scratchDir, `ndjson-${index}.ndjson`);
        writeFileSync(file, bytes);
      }
      ndjson.push({ path: file, ...meta });
      return;
    }
    const records = format === 'csv' ? stageCsv(text) : stageTwelveData(stripBom(text));
    for (const r of records) others.push({ ...r, ...meta });
  });

  const columnsDef = stagedColumns
    .map((c) => `${sqlString(c)}: ${sqlString(c === 'line_number' ? 'BIGINT' : 'VARCHAR')}`)
    .join(', ');
  const parts: string[] = [];
  if (others.length) {
    const file = join(scratchDir, 'staged-other.ndjson');
    writeFileSync(file, others.map((r) => JSON.stringify(r)).join('\n'));
    parts.push(
      `SELECT ${stagedColumns.join(', ')} FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${columnsDef}})`,
    );
  }
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
    parts.push(ndjsonStagingSql(ndjson.map((o) => o.path)));
  }
  if (!parts.length) {
    parts.push(
      `SELECT ${stagedColumns.map((c) => `CAST(NULL AS ${c === 'line_number' ? 'BIGINT' : 'VARCHAR'}) AS ${c}`).join(', ')} WHERE false`,
    );
  }
  await db.run(`CREATE OR REPLACE TEMP VIEW staged_records AS ${parts.join('\nUNION ALL\n')}`);
}

function startsWithGzipMagic(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && isGzip(head);
  } finally {
    closeSync(fd);
  }
}

/**
 * Lines of the NDJSON files: BOM and CR stripped, blank lines skipped (not records),
 * each line parsed once (json_transform) into the canonical fields as text. Functions
 * were picked by measurement: trim() and TIMESTAMPTZ casts cost 10x more than these.
 */
function ndjsonStagingSql(paths: readonly string[]): string {
  const known = sqlStringList(canonicalFields);
  const struct = sqlString(JSON.stringify(Object.fromEntries(canonicalFields.map((f) => [f, 'VARCHAR']))));
  const fieldCols = canonicalFields.map((f) => `l.f.${f} AS ${f}`).join(', ');
  return `
SELECT
  o.raw_object, l.line_number, l.raw_record,
  CASE WHEN l.is_object THEN NULL ELSE 'unparseable_line' END AS stage_error,
  CASE
    -- Fast path: ingestion writes exactly the canonical keys in this order.
    WHEN NOT l.is_object OR json_keys(l.raw_record) = ${known} THEN NULL
    ELSE NULLIF(array_to_string(list_filter(json_keys(l.raw_record), lambda k: NOT list_contains(${known}, k)), ','), '')
  END AS unknown_keys,
  ${fieldCols},
  CAST(NULL AS VARCHAR) AS tz,
  o.object_date, o.object_ingested_at
FROM (
  SELECT
    *,
    -- Valid JSON (try() yields NULL for invalid text) that starts with '{' is an object.
    f IS NOT NULL AND CASE WHEN left(raw_record, 1) = '{' THEN true ELSE regexp_matches(raw_record, '^[ \\t]*\\{') END AS is_object
  FROM (
    SELECT *, try(json_transform(raw_record, ${struct})) AS f
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
    WHERE NOT regexp_full_match(raw_record, '\\s*')
  )
) l
JOIN staged_objects o ON o.path = l.filename`;
}
