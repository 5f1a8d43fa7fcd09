/**
 * Small lakes for tests: deterministic daily and intraday bars written as Parquet hive
 * partitions with DuckDB, plus the PartitionSpecs a job run would report for them.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnSpec, PartitionSpec, TableSpec } from '@ohlcv/core';
import { duckdbType } from '@ohlcv/core';
import { quoteIdent, quotePath } from '../sql-text.ts';

/** Characters Hive escapes in partition path values (FileUtils.escapePathName). */
const HIVE_ESCAPED = new Set([
  '"',
  '#',
  '%',
  "'",
  '*',
  '/',
  ':',
  '=',
  '?',
  '\\',
  '\u007f',
  '{',
  '[',
  ']',
  '^',
]);

/** Hive-style escaping of a partition value (what Spark and the ETL job write). */
export function escapePartitionValue(v: string): string {
  return [...v]
    .map((ch) =>
      ch.charCodeAt(0) < 0x20 || HIVE_ESCAPED.has(ch)
        ? `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
        : ch,
    )
    .join('');
}

export function partitionLocation(spec: TableSpec, values: Record<string, string>): string {
  return `${spec.location}${spec.partitionKeys.map((k) => `${k}=${escapePartitionValue(values[k] ?? '')}`).join('/')}/`;
}

/** Writes rows as one Parquet file; columns not in `columns` are dropped, missing ones null. */
export async function writeParquet(
  file: string,
  columns: readonly ColumnSpec[],
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.ndjson`;
  writeFileSync(tmp, rows.map((r) => JSON.stringify(r)).join('\n'));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const spec = columns.map((c) => `${quotePath(c.name)}: '${duckdbType[c.type]}'`).join(', ');
    const select = columns.map((c) => quoteIdent(c.name)).join(', ');
    await conn.run(
      `COPY (SELECT ${select} FROM read_json(${quotePath(tmp)}, format = 'newline_delimited', columns = {${spec}})) TO ${quotePath(file)} (FORMAT parquet)`,
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
    rmSync(tmp, { force: true });
  }
}

/** Writes rows of a table grouped into its partitions; returns the partitions written. */
export async function writeTable(
  lakeRoot: string,
  spec: TableSpec,
  rows: readonly object[],
  partitionValues: (row: Record<string, unknown>) => Record<string, string>,
  opts: { columns?: readonly ColumnSpec[]; fileName?: string } = {},
): Promise<PartitionSpec[]> {
  const groups = new Map<string, { values: Record<string, string>; rows: Record<string, unknown>[] }>();
  for (const r of rows) {
    const row = r as Record<string, unknown>;
    const values = partitionValues(row);
    const location = partitionLocation(spec, values);
    const g = groups.get(location) ?? { values, rows: [] };
    g.rows.push(row);
    groups.set(location, g);
  }
  const keys = new Set<string>(spec.partitionKeys);
  // Like Spark, partition columns live in the path; bars keeps symbol in the file as well.
  const columns = (opts.columns ?? spec.columns).filter((c) => !keys.has(c.name) || c.name === 'symbol');
  const out: PartitionSpec[] = [];
  for (const [location, g] of groups) {
    await writeParquet(path.join(lakeRoot, location, opts.fileName ?? 'part-00000.parquet'), columns, g.rows);
    out.push({ values: g.values, location });
  }
  return out;
}

export interface DailyBar {
  symbol: string;
  exchange: string;
  trade_date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number | null;
  vwap: number | null;
  bar_count: number;
  daily_return: number | null;
  log_return: number | null;
}

const lcg = (seed: number) => () => {
  seed = (seed * 1664525 + 1013904223) % 4294967296;
  return seed / 4294967296;
};

/** Weekday bars for stocks, every day for crypto; forex without volume. */
export function dailyBars(opts: { from: string; days: number; symbols?: string[] }): DailyBar[] {
  const symbols = opts.symbols ?? ['AAPL', 'MSFT', 'BTC/USD', 'EUR/USD'];
  const out: DailyBar[] = [];
  symbols.forEach((symbol, si) => {
    const rnd = lcg(1000 + si);
    let prev: number | null = null;
    let price = 100 + si * 50;
    for (let d = 0; d < opts.days; d++) {
      const date = new Date(Date.parse(`${opts.from}T00:00:00Z`) + d * 86_400_000);
      const weekday = date.getUTCDay();
      if (!symbol.includes('/') && (weekday === 0 || weekday === 6)) continue;
      const open = price;
      price = Math.round(price * (1 + (rnd() - 0.5) * 0.06) * 100) / 100;
      const close = price;
      const r: number | null = prev === null ? null : close / prev - 1;
      const volume = symbol === 'EUR/USD' ? null : Math.round(1_000_000 * (0.5 + rnd()));
      out.push({
        symbol,
        exchange: symbol.includes('/') ? '' : 'NASDAQ',
        trade_date: date.toISOString().slice(0, 10),
        open,
        high: Math.max(open, close) + 1,
        low: Math.min(open, close) - 1,
        close,
        volume,
        vwap: volume === null ? null : (open + close) / 2,
        bar_count: 390,
        daily_return: r,
        log_return: r === null ? null : Math.log(1 + r),
      });
      prev = close;
    }
  });
  return out;
}

export const byMonth = (row: Record<string, unknown>) => ({ month: String(row.trade_date).slice(0, 7) });
export const byDateSymbol = (row: Record<string, unknown>) => ({
  date: String(row.ts).slice(0, 10),
  symbol: String(row.symbol),
});
