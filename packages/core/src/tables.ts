/**
 * The processed tables: names, columns and partition keys. One declaration read by the
 * ETL job, the local catalog, the Glue catalog and the DDL tests, so they cannot drift.
 * Types are the portable subset: Athena/Glue `string|double|bigint|timestamp|date|array<string>`.
 */

export type ColumnType = 'string' | 'double' | 'bigint' | 'timestamp' | 'date' | 'array<string>';

/** The DuckDB spelling of each portable column type (the ETL job and the local catalog share it). */
export const duckdbType: Record<ColumnType, string> = {
  string: 'VARCHAR',
  double: 'DOUBLE',
  bigint: 'BIGINT',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  'array<string>': 'VARCHAR[]',
};

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable: boolean;
  comment: string;
}

export interface TableSpec {
  name: 'bars' | 'bars_hourly' | 'bars_daily' | 'quarantine';
  /** Object-store prefix of the table, under which the hive partitions live. */
  location: string;
  columns: readonly ColumnSpec[];
  /**
   * Partition keys, all strings in the path (`date=2024-01-02/symbol=AAPL`, values
   * percent-escaped like Hive's). A key that is also listed in `columns` (bars' `symbol`)
   * lives in the path only: Parquet files do not store it, and Glue/Athena table
   * definitions list it under PartitionKeys, never among the data columns.
   */
  partitionKeys: readonly string[];
  comment: string;
}

export const DATABASE = 'ohlcv';

/**
 * The columns a table's files hold: its columns without the partition keys (those live in
 * the path, as Spark's partitionBy writes them). Both runners write exactly these, and the
 * Glue catalog lists them as the data columns.
 */
export const fileColumnsOf = (spec: TableSpec): ColumnSpec[] =>
  spec.columns.filter((c) => !spec.partitionKeys.includes(c.name));

/**
 * The Parquet codec of every processed file, whichever engine writes it: the Glue job
 * (Spark's own default, named explicitly from tables.json), the DuckDB runner's COPY and
 * the catalog's `parquet.compression`. Snappy rather than zstd: the tables hold thousands
 * of small files (a symbol-day each), and zstd's cost per column chunk made the DuckDB
 * writer's COPY 1.7-2x slower than snappy (2M bars: 6.9-8.4 s against 3.7-4.2 s at 390
 * bars per symbol-day), for files 10-20% smaller (issue 16). Readers take the codec from
 * each file's footer: files written as zstd by earlier releases still read.
 */
export const PARQUET_COMPRESSION = 'snappy';

const c = (name: string, type: ColumnType, nullable: boolean, comment: string): ColumnSpec => ({
  name,
  type,
  nullable,
  comment,
});

/**
 * Lineage: the plan version (planVersion() in packages/etl/src/plan.ts, a hash of the plan
 * and its SQL) that produced the row. NULL = written before plan versions (lake layout < 3).
 * Appended last and nullable, as every added column must be (old files read it as NULL).
 */
const planVersionColumn = (what: string): ColumnSpec =>
  c('plan_version', 'string', true, `Plan version that ${what}; NULL = written before plan versions`);

const instrument = [
  c('symbol', 'string', false, 'Ticker as the source spells it, e.g. AAPL, BTC/USD'),
  c('exchange', 'string', false, "Exchange name; '' when the source gives none"),
  c('mic_code', 'string', true, 'ISO 10383 market identifier'),
  c('currency', 'string', true, 'Quote currency'),
  c('instrument_type', 'string', true, 'Common Stock, Digital Currency, Physical Currency, ...'),
] as const;

export const tables = {
  bars: {
    name: 'bars',
    location: 'processed/bars/',
    comment: 'Clean bars, one per instrument, interval and timestamp.',
    partitionKeys: ['date', 'symbol'],
    columns: [
      ...instrument,
      c('interval', 'string', false, 'Bar interval: 1min, 5min, 1h, 1day, ...'),
      c('ts', 'timestamp', false, 'Bar open time, UTC'),
      c('open', 'double', false, ''),
      c('high', 'double', false, ''),
      c('low', 'double', false, ''),
      c('close', 'double', false, ''),
      c('volume', 'double', true, 'Null where the source has none (forex)'),
      c('pct_change', 'double', true, "close / previous bar's close - 1; null for the first bar"),
      c('vwap', 'double', true, 'Session VWAP per UTC date; null where volume is null or zero'),
      c('source', 'string', false, 'twelvedata, file, ...'),
      c('ingested_at', 'timestamp', false, 'When the winning revision was ingested'),
      c('raw_object', 'string', false, 'Raw object key the row came from (lineage)'),
      planVersionColumn('validated the row'),
    ],
  },
  bars_hourly: {
    name: 'bars_hourly',
    location: 'processed/bars_hourly/',
    comment:
      'Intraday bars rolled up by UTC hour. Partitioned by date only: one file per day, not per symbol-hour.',
    partitionKeys: ['date'],
    columns: [
      ...instrument,
      c('interval', 'string', false, 'Interval of the bars rolled up'),
      c('ts', 'timestamp', false, 'Hour start, UTC'),
      c('open', 'double', false, ''),
      c('high', 'double', false, ''),
      c('low', 'double', false, ''),
      c('close', 'double', false, ''),
      c('volume', 'double', true, ''),
      c('vwap', 'double', true, ''),
      c('bar_count', 'bigint', false, ''),
      planVersionColumn('rolled the row up'),
    ],
  },
  bars_daily: {
    name: 'bars_daily',
    location: 'processed/bars_daily/',
    comment: 'Bars rolled up by UTC date. Partitioned by month: about 21 rows a symbol per file.',
    partitionKeys: ['month'],
    columns: [
      ...instrument,
      c('trade_date', 'date', false, 'UTC date'),
      c('open', 'double', false, ''),
      c('high', 'double', false, ''),
      c('low', 'double', false, ''),
      c('close', 'double', false, ''),
      c('volume', 'double', true, ''),
      c('vwap', 'double', true, ''),
      c('bar_count', 'bigint', false, ''),
      c('daily_return', 'double', true, "close / previous trading day's close - 1"),
      c('log_return', 'double', true, 'ln(1 + daily_return)'),
      planVersionColumn('rolled the row up'),
    ],
  },
  quarantine: {
    name: 'quarantine',
    location: 'quarantine/',
    comment: 'Rejected raw rows with their reasons. Partitioned by the UTC date the raw object was written.',
    partitionKeys: ['date'],
    columns: [
      c('raw_object', 'string', false, 'Raw object key'),
      c('line_number', 'bigint', false, '1-based line (CSV/NDJSON) or element index (JSON)'),
      c('reason_codes', 'array<string>', false, 'Rule codes, e.g. price_not_positive'),
      c('raw_record', 'string', false, 'The original record text'),
      c('symbol', 'string', true, 'When it could be read'),
      c('job_run_id', 'string', false, 'The run that quarantined it'),
      // Appended, nullable: tables only evolve so (table-schema-version.ts); older files lack it.
      c(
        'reason_detail',
        'string',
        true,
        'The fields behind missing_field, unknown_field, duplicate_field, e.g. "missing: symbol, ts; unknown: ticker, time"; null for other reasons and for rows written before it existed',
      ),
      planVersionColumn('quarantined the row'),
    ],
  },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof tables;
export const tableNames = Object.keys(tables) as TableName[];
