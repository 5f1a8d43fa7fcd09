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
}

export type RawFormat = 'ndjson' | 'csv' | 'twelvedata-json';

const GZIP_MAGIC = [0x1f, 0x8b];
export const isGzip = (bytes: Uint8Array): boolean =>
  bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];

export const stripBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/** The format from the key (`.gz` ignored) and, for `.json`, the content. */
export function detectFormat(key: string, text: string): RawFormat {
  const name = key.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
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
});

export const unreadableObject = (reason: string): StagedRecord =>
  unreadable(1, reason, contract.errors.object);

// ---- CSV ----------------------------------------------------------------------------

const CSV_ALIASES = contract.csvAliases as Record<string, CanonicalField>;

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

export function stageCsv(text: string): StagedRecord[] {
  const lines = stripBom(text).split('\n');
  const headerIndex = lines.findIndex((l) => cleanText(l) !== null);
  if (headerIndex < 0) return [];
  const header = (splitCsvLine(lines[headerIndex]!.replace(/\r$/, '')) ?? []).map((h) => {
    const name = (cleanText(h) ?? '').toLowerCase();
    return CSV_ALIASES[name] ?? name;
  });
  const known = new Set<string>(canonicalFields);
  const unknown = header.filter((h) => !known.has(h));
  const unknownKeys = unknown.length ? unknown.join(',') : null;
  const out: StagedRecord[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (cleanText(raw) === null) continue;
    const cells = splitCsvLine(raw);
    if (!cells || cells.length !== header.length) {
      out.push(unreadable(i + 1, raw));
      continue;
    }
    const rec: StagedRecord = {
      line_number: i + 1,
      raw_record: raw,
      stage_error: null,
      unknown_keys: unknownKeys,
    };
    header.forEach((h, j) => {
      if (known.has(h)) rec[h as CanonicalField] = cleanText(cells[j]);
    });
    out.push(rec);
  }
  return out;
}

// ---- Twelve Data /time_series JSON ------------------------------------------------------

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | null => (v === undefined || v === null ? null : cleanText(String(v)));

const INTRADAY = new RegExp(contract.intradayInterval);

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
      const datetime = str(v.datetime);
      out.push({
        line_number: line,
        raw_record: raw,
        stage_error: null,
        unknown_keys: null,
        symbol,
        exchange: str(meta.exchange) ?? '',
        mic_code: str(meta.mic_code),
        currency: str(meta.currency) ?? (symbol ? quoteCurrency(symbol) : null),
        instrument_type: str(meta.type),
        interval,
        ts: datetime !== null && !intraday ? datetime.slice(0, 10) : datetime,
        tz,
        open: str(v.open),
        high: str(v.high),
        low: str(v.low),
        close: str(v.close),
        volume: str(v.volume),
        source: 'twelvedata',
      });
    }
  }
  return out;
}
