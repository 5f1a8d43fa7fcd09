/**
 * Hive-style partition path segments. Values are escaped like Hive's
 * FileUtils.escapePathName (`%` + two upper-case hex digits), so `BTC/USD` becomes
 * `symbol=BTC%2FUSD`: one directory, and Spark, Athena and DuckDB decode it back.
 */
import { loadPlan } from './plan.ts';

/** The characters the plan escapes (sql/etl/plan.json `escaping`), as Spark's partitionBy does. */
const MUST_ESCAPE = new Set(loadPlan().escaping.characters);

export const escapePartitionValue = (value: string): string => {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    out +=
      code < 0x20 || code === 0x7f || MUST_ESCAPE.has(ch)
        ? `%${code.toString(16).toUpperCase().padStart(2, '0')}`
        : ch;
  }
  return out;
};

export const unescapePartitionValue = (segment: string): string =>
  segment.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

/** `{date:'2024-01-02', symbol:'BTC/USD'}` with keys [date, symbol] -> `date=2024-01-02/symbol=BTC%2FUSD`. */
export const partitionPath = (keys: readonly string[], values: Record<string, string>): string =>
  keys
    .map((k) => {
      const v = values[k];
      if (v === undefined || v === '') throw new Error(`Missing partition value for ${k}`);
      return `${k}=${escapePartitionValue(v)}`;
    })
    .join('/');

/** Parses one `key=value` directory name, or undefined when it is not one. */
export const parsePartitionSegment = (segment: string): { key: string; value: string } | undefined => {
  const eq = segment.indexOf('=');
  if (eq <= 0) return undefined;
  return { key: segment.slice(0, eq), value: unescapePartitionValue(segment.slice(eq + 1)) };
};
