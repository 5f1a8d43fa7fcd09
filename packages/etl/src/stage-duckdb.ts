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
 *
 * Typed fast path (issue 16). Text staging costs what the baseline never pays: every
 * field as text, trimmed twice, every number through a grammar regex. For an NDJSON
 * object whose every line a typed parse reads exactly as the text path does, the lines
 * are split the same way (same line numbers, raw text, blank lines skipped) and parsed
 * straight into typed values (`TYPED_PARSED_SQL`), and the job points the plan's
 * `parsed_records` (01's view, `TYPED_PATH_REPLACES`) at them for that batch. The 14
 * validation rules of 02 still run on those rows, so quarantine (with line numbers and
 * raw text), the dedupe tie-break and row accounting are unchanged. A line qualifies
 * (`CERTIFIED`) when it starts with `{`, has exactly the canonical keys in the canonical
 * order (no unknown, missing or duplicate key) and every numeric field is a JSON number
 * or null (not a string such as "1.5d" or "1_000", not a boolean); the object qualifies
 * when the screen found no backslash and no space next to a quote (`plainStrings`: no
 * string needs trimming) and every line is certified. Anything else, including a line
 * that is not JSON (the certifying scan fails; json_valid finds the object), sends the
 * whole object to the text path, in a text batch of its own at the end.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@ohlcv/core';
import type { DuckSession, Row } from './duckdb.ts';
import { sqlString, sqlStringList } from './duckdb.ts';
import { BufferedFileWriter, fileLines, LINE_CHUNK_BYTES } from './file-lines.ts';
import { loadPlan } from './plan.ts';
import type { StagedRecord } from './stage-formats.ts';
import {
  canonicalFields,
  csvRecords,
  detectFormat,
  isCsvKey,
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
  /** The number, in its object, of the file's first line: 1 but for the parts of a big object. */
  first_line: number;
  raw_object: string;
  object_date: string;
  object_ingested_at: string;
}

/** The plan relation a typed batch stands in for (01's view over staged_records). */
export const TYPED_PATH_REPLACES = 'parsed_records';
/** The relation with 01's columns that a typed batch provides. */
export const TYPED_PARSED_RECORDS = 'typed_parsed_records';

type Batch =
  | { kind: 'records'; sql: string }
  | { kind: 'text' | 'typed'; files: ObjectRow[]; bytes: number[] };

/** Raw NDJSON bytes split into lines per batch: ~4x this in DuckDB memory at peak. */
export const STAGING_BATCH_BYTES = 256 * 1024 * 1024;

export interface StagingBatches {
  /**
   * At least 1: a run without objects has one empty batch. It can grow while batches are
   * loaded: objects a typed batch refused come back as text batches at the end.
   */
  readonly count: number;
  /** The loaded batch is typed: `TYPED_PARSED_RECORDS` holds it, not staged_records. */
  readonly typed: boolean;
  /** Objects that took the typed path so far (for the run's debug log and tests). */
  readonly typedObjects: readonly string[];
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
  typedFastPath = true,
): Promise<StagingBatches> {
  const ndjson: ObjectRow[] = [];
  const typedCandidates: ObjectRow[] = [];
  // The other readers' records stream into scratch NDJSON files, never a list in memory.
  const others = new StagedRecordFiles(scratchDir, batchBytes);
  try {
    for (const [index, o] of objects.entries()) {
      const meta = {
        raw_object: o.key,
        object_date: objectDate(o),
        object_ingested_at: new Date(o.lastModified).toISOString(),
      };
      const metaJson = recordJsonFields(meta);
      // One bad object never stops the others: what cannot be read, decoded or
      // decompressed within the limits is one quarantine row, and a line too long is one.
      const screened = await screenObject(
        join(lakeRoot, o.key),
        o.key,
        scratchCopyName(scratchDir, index),
        limits,
      );
      if (screened.kind === 'unreadable') {
        others.add(unreadableObject(screened.cause), metaJson);
        continue;
      }
      for (const r of screened.tooLong) others.add(r, metaJson);
      // Decompressed and with long lines blanked when it had to be: the screened copy.
      const path = screened.path;
      const ndjsonList = typedFastPath && screened.plainStrings ? typedCandidates : ndjson;
      const asNdjson = () => {
        for (const part of splitAtLines(path, batchBytes, scratchDir, index))
          ndjsonList.push({ ...part, ...meta });
      };
      if (/\.(ndjson|jsonl)(\.gz)?$/i.test(o.key)) {
        asNdjson();
        continue;
      }
      if (isCsvKey(o.key)) {
        // Streamed line by line: a valid CSV may be bigger than the longest string V8 holds.
        for (const r of csvRecords(fileLines(path))) others.add(r, metaJson);
        continue;
      }
      // Not a line format: the screen capped it at MAX_JSON_DOCUMENT_BYTES, so it reads whole.
      const text = readFileSync(path, 'utf8');
      if (detectFormat(o.key, text) === 'ndjson') {
        asNdjson();
        continue;
      }
      for (const r of stageTwelveData(stripBom(text))) others.add(r, metaJson);
    }
  } finally {
    others.close();
  }

  const batches: Batch[] = [];
  const columnsDef = stagedColumns.map((c) => `${sqlString(c)}: ${sqlString(stagedType(c))}`).join(', ');
  for (const file of others.paths) {
    batches.push({
      kind: 'records',
      sql: `SELECT ${stagedColumns.join(', ')} FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${columnsDef}})`,
    });
  }
  const fileBatches = (kind: 'text' | 'typed', rows: readonly ObjectRow[]): Batch[] => {
    const byPath = new Map(rows.map((r) => [r.path, r]));
    return groupBySize(
      rows.map((o) => ({ path: o.path, bytes: statSync(o.path).size })),
      batchBytes,
    ).map((group) => ({
      kind,
      files: group.map((f) => byPath.get(f.path)!),
      bytes: group.map((f) => f.bytes),
    }));
  };
  batches.push(...fileBatches('typed', typedCandidates), ...fileBatches('text', ndjson));
  if (ndjson.length || typedCandidates.length) {
    await db.run(
      'CREATE OR REPLACE TEMP TABLE staged_objects (path VARCHAR, raw_object VARCHAR, object_date VARCHAR, object_ingested_at VARCHAR)',
    );
    for (const o of [...typedCandidates, ...ndjson]) {
      await db.run('INSERT INTO staged_objects VALUES ($1, $2, $3, $4)', [
        o.path,
        o.raw_object,
        o.object_date,
        o.object_ingested_at,
      ]);
    }
  }
  const emptyBatch = `SELECT ${stagedColumns.map((c) => `CAST(NULL AS ${stagedType(c)}) AS ${c}`).join(', ')} WHERE false`;
  if (batches.length === 0) batches.push({ kind: 'records', sql: emptyBatch });
  let loaded = -1;
  let typed = false;
  const typedObjects: string[] = [];
  // An object cut into parts is typed once (a list lookup per part would be quadratic).
  const typedSeen = new Set<string>();
  // Regular (not TEMP) tables: the concurrent connections that fill them must see them.
  const release = async () => {
    await db.run('DROP TABLE IF EXISTS staged_lines');
    loaded = -1;
    typed = false;
  };
  /** Splits the batch's lines into staged_lines, on all lanes at once. */
  const splitLines = async (batch: { files: ObjectRow[]; bytes: number[] }) => {
    await db.run('CREATE TABLE staged_lines (filename VARCHAR, line_number BIGINT, raw_record VARCHAR)');
    const firstLine = new Map(batch.files.map((f) => [f.path, f.first_line]));
    await db.runConcurrently(
      spread(
        batch.files.map((f, i) => ({ path: f.path, bytes: batch.bytes[i]! })),
        db.threads,
      ).map((paths) => `INSERT INTO staged_lines ${ndjsonLinesSql(paths, firstLine)}`),
    );
  };
  /**
   * Typed batch: the lines are split as for the text path, then one scan certifies every
   * line (see the module comment). Returns the objects refused: one with a line that is
   * not certified, or that is not JSON at all (the scan fails; json_valid finds them).
   */
  const loadTyped = async (batch: { files: ObjectRow[]; bytes: number[] }): Promise<ObjectRow[]> => {
    await splitLines(batch);
    const refused = new Set<string>();
    const notRefused = () =>
      refused.size ? `NOT list_contains(${sqlStringList([...refused])}, filename)` : 'true';
    const certify = () =>
      db.all(
        `SELECT filename FROM staged_lines WHERE ${notRefused()} GROUP BY filename HAVING NOT bool_and(${CERTIFIED})`,
      );
    let uncertified: Row[];
    try {
      uncertified = await certify();
    } catch {
      const invalid = await db.all(
        'SELECT DISTINCT filename FROM staged_lines WHERE NOT json_valid(raw_record)',
      );
      for (const r of invalid) refused.add(String(r.filename));
      uncertified = await certify();
    }
    for (const r of uncertified) refused.add(String(r.filename));
    if (refused.size) await db.run(`DELETE FROM staged_lines WHERE NOT (${notRefused()})`);
    for (const f of batch.files)
      if (!refused.has(f.path) && !typedSeen.has(f.raw_object)) {
        typedSeen.add(f.raw_object);
        typedObjects.push(f.raw_object);
      }
    return batch.files.filter((f) => refused.has(f.path));
  };
  return {
    get count() {
      return batches.length;
    },
    get typed() {
      return typed;
    },
    typedObjects,
    async load(index) {
      if (index < 0 || index >= batches.length)
        throw new RangeError(`staging batch ${index} of ${batches.length}`);
      if (index === loaded) return;
      await release();
      loaded = index;
      const batch = batches[index]!;
      let sql = emptyBatch;
      if (batch.kind === 'records') sql = batch.sql;
      else if (batch.kind === 'typed') {
        const refused = await loadTyped(batch);
        // Refused objects are staged again as text, in batches of their own at the end.
        if (refused.length) batches.push(...fileBatches('text', refused));
        typed = true;
      } else {
        await splitLines(batch);
        sql = NDJSON_STAGED_RECORDS;
      }
      await db.run(`CREATE OR REPLACE TEMP VIEW staged_records AS ${sql}`);
      if (typed) await db.run(`CREATE OR REPLACE TEMP VIEW ${TYPED_PARSED_RECORDS} AS ${TYPED_PARSED_SQL}`);
    },
    release,
  };
}

/**
 * The scratch NDJSON files the CSV and Twelve Data readers' records (and the screen's
 * quarantine rows) stream into: a new file after about `partBytes`, each one staging batch.
 */
class StagedRecordFiles {
  readonly paths: string[] = [];
  private out: BufferedFileWriter | undefined;

  constructor(
    private readonly dir: string,
    private readonly partBytes: number,
  ) {}

  /** One record, with its object's columns (`recordJsonFields` of them, made once per object). */
  add(record: StagedRecord, objectFields: string): void {
    if (this.out === undefined || this.out.size >= this.partBytes) {
      this.out?.close();
      const path = join(this.dir, `staged-other-${this.paths.length}.ndjson`);
      this.paths.push(path);
      this.out = new BufferedFileWriter(path);
    }
    const fields = recordJsonFields(record);
    this.out.write(`{${fields}${fields && objectFields ? ',' : ''}${objectFields}}\n`);
  }

  close(): void {
    this.out?.close();
    this.out = undefined;
  }
}

/**
 * The members of a JSON object for `fields`, without braces, null and undefined left out
 * (read_json's `columns` reads a missing key as NULL): a third fewer bytes than
 * JSON.stringify of the record, and about half its time on a big CSV.
 */
export function recordJsonFields(fields: object): string {
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v === null) continue;
    // Keys are the staged columns' names (identifiers): no escaping needed.
    out += `${out ? ',' : ''}"${k}":${JSON.stringify(v)}`;
  }
  return out;
}

/**
 * An NDJSON object as staging files of about `partBytes` each, cut after a newline: DuckDB
 * reads a file as one string (read_text) and splits it into lines in one list, ~4x the
 * file in memory, so a 1 GiB object alone would be a 4 GB batch. A file that fits is its
 * own single part; parts are written to the scratch folder (the object is never modified).
 */
export function splitAtLines(
  path: string,
  partBytes: number,
  scratchDir: string,
  index: number,
): Array<{ path: string; first_line: number }> {
  if (statSync(path).size <= partBytes) return [{ path, first_line: 1 }];
  const parts: Array<{ path: string; first_line: number }> = [];
  let out: BufferedFileWriter | undefined;
  let line = 1;
  const write = (bytes: Buffer) => {
    if (out === undefined) {
      const part = join(scratchDir, `part-${index}-${parts.length}.ndjson`);
      parts.push({ path: part, first_line: line });
      out = new BufferedFileWriter(part);
    }
    out.writeBytes(bytes);
    for (let nl = bytes.indexOf(NEWLINE); nl !== -1; nl = bytes.indexOf(NEWLINE, nl + 1)) line++;
  };
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(LINE_CHUNK_BYTES);
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) {
      let view = chunk.subarray(0, n);
      while (view.length) {
        const room = partBytes - (out?.size ?? 0);
        const cut = view.length <= room ? -1 : view.indexOf(NEWLINE, Math.max(0, room - 1));
        if (cut === -1) {
          write(view);
          break;
        }
        write(view.subarray(0, cut + 1));
        out!.close();
        out = undefined;
        view = view.subarray(cut + 1);
      }
    }
  } finally {
    closeSync(fd);
    out?.close();
  }
  return parts;
}

const NEWLINE = 0x0a;

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
export function ndjsonLinesSql(paths: readonly string[], firstLine: ReadonlyMap<string, number>): string {
  return `
SELECT filename, line_number, raw_record
FROM ${ndjsonLines(paths, firstLine)}`;
}

/**
 * The (filename, line_number, raw_record) lines of `paths`, as a parenthesized relation.
 * A part of a big object (splitAtLines) numbers its lines from its first line's number.
 */
function ndjsonLines(paths: readonly string[], firstLine: ReadonlyMap<string, number>): string {
  const offsets = paths.filter((p) => (firstLine.get(p) ?? 1) !== 1);
  const offset = offsets.length
    ? ` + CASE filename ${offsets.map((p) => `WHEN ${sqlString(p)} THEN ${firstLine.get(p)! - 1}`).join(' ')} ELSE 0 END`
    : '';
  return `(
  SELECT filename, line_number, CASE WHEN ends_with(line, chr(13)) THEN line[1:-2] ELSE line END AS raw_record
  FROM (
    SELECT
      filename, line_number,
      CASE WHEN line_number = 1 AND starts_with(line, chr(65279)) THEN substr(line, 2) ELSE line END AS line
    FROM (
      SELECT filename, CAST(generate_subscripts(lines, 1) AS BIGINT)${offset} AS line_number, unnest(lines) AS line
      FROM (SELECT filename, string_split(content, chr(10)) AS lines FROM read_text(${sqlStringList(paths)}))
    )
  )
  WHERE NOT regexp_full_match(raw_record, '\\s*')
)`;
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

// ---- typed fast path -------------------------------------------------------------------

/** The fields 01_parsed_records types as numbers ({{to_double}}); the others are text. */
export const NUMERIC_FIELDS: readonly string[] = ['open', 'high', 'low', 'close', 'volume'];

const typedFieldType = (f: string): string => (NUMERIC_FIELDS.includes(f) ? 'DOUBLE' : 'VARCHAR');

const TYPED_STRUCT = sqlString(
  JSON.stringify(Object.fromEntries(canonicalFields.map((f) => [f, typedFieldType(f)]))),
);

/**
 * A line a typed parse reads exactly as the text path does (in an object with
 * plainStrings): it starts with `{`, has the canonical keys in the canonical order, and
 * every numeric field is a JSON number or null. A JSON number read as DOUBLE is the value
 * the text path gets from its re-printed text; a string or boolean would be cast by
 * DuckDB's rules, not the shared grammar.
 *
 * The number test is a byte test, not a second parse (json_type cost 1.8 s per 2M lines,
 * more than json_keys): the line parsed (json_keys did not fail) and holds no backslash
 * (plainStrings), so a quote is never inside a string and `"open":` is the key itself;
 * the value right after it is a number or null exactly when it starts with `-`, a digit
 * or `n`. JSON whitespace that plainStrings does not rule out (a tab or CR beside a key's
 * colon, `"open"\t:`) would hide the key from that test: any tab or CR refuses the line
 * (inside a string neither is JSON, outside one it is only padding). That test is two
 * `contains`, not a `[\t\r]` branch of the regex: RE2 walks a character class byte by byte
 * (0.95 s per 2M lines, against 0.07 s), while the number branch starts with a quote it
 * can skip to (issue 16).
 */
export const CERTIFIED = `starts_with(raw_record, '{')
    AND json_keys(raw_record) = ${sqlStringList(canonicalFields)}
    AND NOT contains(raw_record, chr(9)) AND NOT contains(raw_record, chr(13))
    AND NOT regexp_matches(raw_record, ${sqlString(`"(?:${NUMERIC_FIELDS.join('|')})":[^-0-9n]`)})`;

/**
 * A typed batch with exactly the columns of 01_parsed_records (a test compares them).
 * Certified lines need no trim (plainStrings) and no grammar check for numbers; the
 * text a number came from is not needed (02 only asks whether it was there).
 * Timestamps still go through the shared grammar (etl_to_timestamp); a time in Z has no
 * numeric offset, so the offset check runs only on the others, as 01 writes it.
 */
const TYPED_PARSED_SQL = `
SELECT
  raw_object, line_number, raw_record, object_date,
  CAST(NULL AS VARCHAR) AS stage_error,
  CAST(NULL AS VARCHAR) AS unknown_keys,
  CAST(NULL AS VARCHAR) AS duplicate_keys,
  NULLIF(symbol, '') AS symbol,
  COALESCE(exchange, '') AS exchange,
  NULLIF(mic_code, '') AS mic_code,
  NULLIF(currency, '') AS currency,
  NULLIF(instrument_type, '') AS instrument_type,
  NULLIF(interval, '') AS interval,
  NULLIF(ts, '') AS ts_text,
  CASE
    WHEN ends_with(ts, 'Z') THEN false
    ELSE COALESCE(
      CAST(NULLIF(regexp_extract(ts, '[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)?[+-]([0-9]{2}):?([0-9]{2})?$', 3), '') AS INT) * 60
        + COALESCE(CAST(NULLIF(regexp_extract(ts, '[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)?[+-]([0-9]{2}):?([0-9]{2})?$', 4), '') AS INT), 0)
        > 14 * 60
      OR CAST(NULLIF(regexp_extract(ts, '[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)?[+-]([0-9]{2}):?([0-9]{2})?$', 4), '') AS INT) >= 60,
      false
    )
  END AS ts_offset_out_of_range,
  ${NUMERIC_FIELDS.map((f) => `CASE WHEN ${f} IS NOT NULL THEN '' END AS ${f}_text`).join(',\n  ')},
  COALESCE(NULLIF(source, ''), 'file') AS source,
  etl_to_timestamp(NULLIF(ts, '')) AS ts,
  ${NUMERIC_FIELDS.join(', ')},
  etl_to_timestamp(COALESCE(NULLIF(ingested_at, ''), object_ingested_at)) AS ingested_at
FROM (
  SELECT o.raw_object, o.object_date, o.object_ingested_at, l.line_number, l.raw_record, unnest(l.f)
  FROM (SELECT *, json_transform(raw_record, ${TYPED_STRUCT}) AS f FROM staged_lines) l
  JOIN staged_objects o ON o.path = l.filename
)`;
