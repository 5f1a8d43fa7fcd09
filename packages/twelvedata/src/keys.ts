/**
 * Object keys for the raw zone. A symbol is user input (`BTC/USD`, `EUR/USD:FXCM`, `../x`,
 * unicode): it must never add a path segment, climb out of the zone or hide as a dotfile.
 */

const SAFE = /[A-Za-z0-9_-]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Percent-encodes (UTF-8) every byte outside `[A-Za-z0-9._-]`, and dots too when they lead
 * (`.x`, `..`), so the result is one path segment, injective and reversible.
 */
export function safeKeySegment(value: string): string {
  if (value.length === 0) throw new Error('empty key segment');
  // A lone surrogate would encode as U+FFFD and collide with a real one.
  if (LONE_SURROGATE.test(value)) throw new Error('key segment is not well-formed Unicode');
  let out = '';
  for (const byte of new TextEncoder().encode(value.normalize('NFC'))) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && SAFE.test(ch)) out += ch;
    else if (ch === '.' && out.length > 0) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeKeySegment(segment: string): string {
  return decodeURIComponent(segment);
}

export const RAW_PREFIX = 'raw/source=twelvedata/';

const compact = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');

/**
 * `raw/source=twelvedata/date=YYYY-MM-DD/<symbol>.<interval>.<from>_<to>.ndjson`: one object
 * per symbol, interval and UTC day chunk, named after the bars it holds, so a retried or
 * resumed run overwrites the same object instead of adding a duplicate beside it.
 */
export function rawObjectKey(input: {
  symbol: string;
  interval: string;
  date: string;
  fromTs: string;
  toTs: string;
}): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.date)) throw new Error(`bad partition date: ${input.date}`);
  const name = [
    safeKeySegment(input.symbol),
    safeKeySegment(input.interval),
    `${compact(input.fromTs)}_${compact(input.toTs)}`,
  ].join('.');
  return `${RAW_PREFIX}date=${input.date}/${name}.ndjson`;
}

/** Where ingestion keeps its high-water mark for one symbol and interval. */
export function ingestionStateKey(symbol: string, interval: string): string {
  return `_state/ingestion/${safeKeySegment(symbol)}.${safeKeySegment(interval)}.json`;
}
