/**
 * Format readers for the records that are not plain NDJSON (CSV, Twelve Data JSON) and
 * for objects that cannot be read at all. Each record becomes a StagedRecord: every
 * field as the source wrote it (text), plus where it came from. Typing and validation
 * happen later, in the shared SQL.
 */

import { type CanonicalBarField, canonicalBarFields } from '@ohlcv/core';
import { loadPlan } from './plan.ts';

const contract = loadPlan().staging;
const WHITESPACE = new Set(contract.whitespace);

/** The canonical raw bar's fields, as ingestion writes them (the contract lives in core). */
export const canonicalFields = canonicalBarFields;
export type CanonicalField = CanonicalBarField;

export type StagedFields = Partial<Record<CanonicalField | 'tz', string | null>>;

export interface StagedRecord extends StagedFields {
  line_number: number;
  raw_record: string;
  stage_error: string | null;
  unknown_keys: string | null;
  duplicate_keys: string | null;
}

export type RawFormat = 'ndjson' | 'csv' | 'twelvedata-json';

const GZIP_MAGIC = [0x1f, 0x8b];
export const isGzip = (bytes: Uint8Array): boolean =>
  bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];

export const stripBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/** A CSV by its key (`.csv`, optionally `.gz`): no need to look at the content. */
export const isCsvKey = (key: string): boolean => /\.csv(\.gz)?$/i.test(key);

/** The format from the key (`.gz` ignored) and, for `.json`, the content. */
export function detectFormat(key: string, text: string): RawFormat {
  if (isCsvKey(key)) return 'csv';
  const name = key.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.json')) {
    try {
      const doc: unknown = JSON.parse(text);
      if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) return 'twelvedata-json';
    } catch {
      // Not one JSON document: treat as NDJSON below.
    }
  }
  return 'ndjson';
}

/** The staged text of a field: trimmed, empty as null (the shared SQL relies on it). */
export const cleanText = (v: string | undefined): string | null => {
  if (v === undefined) return null;
  let a = 0;
  let b = v.length;
  while (a < b && WHITESPACE.has(v[a]!)) a++;
  while (b > a && WHITESPACE.has(v[b - 1]!)) b--;
  return a < b ? v.slice(a, b) : null;
};

const unreadable = (lineNumber: number, raw: string, code = contract.errors.line): StagedRecord => ({
  line_number: lineNumber,
  raw_record: raw,
  stage_error: code,
  unknown_keys: null,
  duplicate_keys: null,
});

export const unreadableObject = (reason: string): StagedRecord =>
  unreadable(1, reason, contract.errors.object);

// ---- field names, the same in every format ----------------------------------------------

const FIELD_ALIASES = contract.fieldAliases as Record<string, CanonicalField>;
const KNOWN = new Set<string>(canonicalFields);
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * The canonical field a record's key (CSV header cell, JSON key) names, by the staging
 * contract: trimmed, ASCII case ignored, aliased. Undefined when it names none.
 */
export function fieldOfKey(key: string): CanonicalField | undefined {
  const name = cleanText(key) ?? '';
  // A non-ASCII name matches nothing: Unicode case mapping differs between the engines.
  if (NON_ASCII.test(name)) return undefined;
  const lower = name.toLowerCase();
  const field = Object.hasOwn(FIELD_ALIASES, lower) ? FIELD_ALIASES[lower]! : lower;
  return KNOWN.has(field) ? (field as CanonicalField) : undefined;
}

/** A key as the quarantine detail names it: trimmed, an empty one as "". */
const spelling = (key: string): string => cleanText(key) ?? '""';

export interface KeyMapping {
  /** Per key, in order: the field it names, or undefined. */
  fields: Array<CanonicalField | undefined>;
  /** Keys that name no field, as written (trimmed), ', '-joined; null when none. */
  unknownKeys: string | null;
  /** Every key of a field named more than once, in key order, ', '-joined; null when none. */
  duplicateKeys: string | null;
}

/** The staging contract's reading of one record's keys (twin: etl_staging.py map_keys). */
export function mapKeys(keys: readonly string[], only?: ReadonlySet<string>): KeyMapping {
  const fields = keys.map((k) => {
    const f = fieldOfKey(k);
    return f !== undefined && (only === undefined || only.has(f)) ? f : undefined;
  });
  const count = new Map<string, number>();
  for (const f of fields) if (f !== undefined) count.set(f, (count.get(f) ?? 0) + 1);
  const unknown = keys.filter((_, i) => fields[i] === undefined).map(spelling);
  const duplicate = keys.filter((_, i) => (count.get(fields[i]!) ?? 0) > 1).map(spelling);
  return {
    fields,
    unknownKeys: unknown.length ? unknown.join(', ') : null,
    duplicateKeys: duplicate.length ? duplicate.join(', ') : null,
  };
}

// ---- CSV ----------------------------------------------------------------------------

/** RFC 4180 fields of one line (no embedded newlines); undefined when quotes do not close. */
export function splitCsvLine(line: string): string[] | undefined {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
    i++;
  }
  if (quoted) return undefined;
  out.push(field);
  return out;
}

/** The records of a whole CSV text (tests and small objects; files go through csvRecords). */
export const stageCsv = (text: string): StagedRecord[] => [...csvRecords(text.split('\n'))];

/**
 * The records of a CSV given as its lines (`text.split('\n')`, or fileLines streaming a
 * file): a BOM on line 1 is dropped, the header is the first non-blank line, CRs before
 * the newline are dropped, blank lines are no records but count in line numbers.
 */
export function* csvRecords(lines: Iterable<string>): Generator<StagedRecord> {
  let header: string[] | undefined;
  let keys: KeyMapping | undefined;
  let lineNumber = 0;
  for (const line of lines) {
    lineNumber++;
    const text = lineNumber === 1 ? stripBom(line) : line;
    if (keys === undefined) {
      if (cleanText(text) === null) continue;
      header = splitCsvLine(text.replace(/\r$/, '')) ?? [];
      keys = mapKeys(header);
      continue;
    }
    const raw = text.replace(/\r$/, '');
    if (cleanText(raw) === null) continue;
    const cells = splitCsvLine(raw);
    if (!cells || cells.length !== header!.length) {
      yield unreadable(lineNumber, raw);
      continue;
    }
    const rec: StagedRecord = {
      line_number: lineNumber,
      raw_record: raw,
      stage_error: null,
      unknown_keys: keys.unknownKeys,
      duplicate_keys: keys.duplicateKeys,
    };
    // A field given twice takes its first column (the record is quarantined anyway).
    keys.fields.forEach((f, j) => {
      if (f !== undefined && !(f in rec)) rec[f] = cleanText(cells[j]);
    });
    yield rec;
  }
}

// ---- Twelve Data /time_series JSON ------------------------------------------------------

/** With the `u` flag a surrogate pair is one code point: only a lone half matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const isLoneSurrogateText = (v: unknown): boolean => typeof v === 'string' && LONE_SURROGATE.test(v);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | null => (v === undefined || v === null ? null : cleanText(String(v)));

const INTRADAY = new RegExp(contract.intradayInterval);
/** What a Twelve Data value carries; the rest of a bar comes from meta. */
const VALUE_FIELDS: ReadonlySet<string> = new Set<CanonicalField>([
  'ts',
  'open',
  'high',
  'low',
  'close',
  'volume',
]);

const quoteCurrency = (symbol: string): string | null => {
  const pair = symbol.split(':')[0]!.split('/');
  return pair.length === 2 && pair[1] ? pair[1] : null;
};

/**
 * One `{meta, values}` series or a batch `{SYMBOL: {meta, values}, ...}`. Intraday
 * datetimes are wall-clock in meta.exchange_timezone (or meta.timezone when the request
 * asked for one); daily and longer bars are trading dates at 00:00 UTC, as ingestion writes.
 */
export function stageTwelveData(text: string): StagedRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(stripBom(text));
  } catch {
    return [unreadable(1, text)];
  }
  if (!isObject(doc)) return [unreadable(1, text)];
  const series: Array<[string | null, unknown]> =
    'values' in doc || 'meta' in doc || 'status' in doc ? [[null, doc]] : Object.entries(doc);
  const out: StagedRecord[] = [];
  let line = 0;
  for (const [requested, s] of series) {
    if (!isObject(s) || !isObject(s.meta) || !Array.isArray(s.values)) {
      out.push(unreadable(++line, JSON.stringify(s) ?? ''));
      continue;
    }
    const meta = s.meta;
    const symbol = requested ?? str(meta.symbol);
    const interval = str(meta.interval);
    const intraday = interval !== null && INTRADAY.test(interval);
    const tz = intraday ? (str(meta.timezone) ?? str(meta.exchange_timezone) ?? 'UTC') : null;
    for (const v of s.values) {
      line++;
      const raw = JSON.stringify(v) ?? '';
      if (!isObject(v)) {
        out.push(unreadable(line, raw));
        continue;
      }
      // The value's keys read like any record's (`datetime` is an alias of ts), first one wins.
      const keys = Object.keys(v);
      const { fields, duplicateKeys } = mapKeys(keys, VALUE_FIELDS);
      const value = (f: CanonicalField): string | null => {
        const i = fields.indexOf(f);
        return i < 0 ? null : str(v[keys[i]!]);
      };
      const datetime = value('ts');
      const record: StagedRecord = {
        line_number: line,
        raw_record: raw,
        stage_error: null,
        unknown_keys: null,
        duplicate_keys: duplicateKeys,
        symbol,
        exchange: str(meta.exchange) ?? '',
        mic_code: str(meta.mic_code),
        currency: str(meta.currency) ?? (symbol ? quoteCurrency(symbol) : null),
        instrument_type: str(meta.type),
        interval,
        ts: datetime !== null && !intraday ? datetime.slice(0, 10) : datetime,
        tz,
        open: value('open'),
        high: value('high'),
        low: value('low'),
        close: value('close'),
        volume: value('volume'),
        source: 'twelvedata',
      };
      // A lone surrogate (a JSON escape such as "\ud800", in a value or in meta) is no
      // text: the record is unparseable, as the same line is in NDJSON (DuckDB's JSON
      // reader refuses it; written as a field it failed the whole run).
      out.push(Object.values(record).some(isLoneSurrogateText) ? unreadable(line, raw) : record);
    }
  }
  return out;
}
