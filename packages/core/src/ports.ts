/**
 * Ports: the small interfaces the services depend on. The AWS adapters (SDK v3) and
 * the local adapters (files, SQLite, DuckDB) implement them; services never know which.
 */
import type { PipelineEventInput, TwelveDataInterval } from '@ohlcv/events';
import type { ErrorCode } from './error-codes.ts';

export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ObjectStore {
  /** Atomic: readers see the old object or the new one, never a part. */
  put(key: string, body: Uint8Array | string, opts?: { contentType?: string }): Promise<ObjectInfo>;
  /** Throws an `AppError` with code `NoSuchKey` when absent. */
  get(key: string): Promise<Uint8Array>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /**
   * Deletes these keys (a missing one is not an error). Optional: only what removes
   * superseded partition versions (catalog-sync on AWS) needs it.
   */
  delete?(keys: readonly string[]): Promise<void>;
}

/** Publishes our own `ohlcv.*` events onto the pipeline bus. */
export interface EventPublisher {
  publish(events: readonly PipelineEventInput[]): Promise<void>;
}

export interface StartJobRunInput {
  jobName: string;
  /** Glue job arguments, `--key` style names, string values. */
  arguments: Record<string, string>;
}

/** Starts the ETL job (Glue on AWS, DuckDB locally). */
export interface JobRunner {
  /** Throws an `AppError` with code `ConcurrentRunsExceeded` (retryable) when busy. */
  startJobRun(input: StartJobRunInput): Promise<{ jobRunId: string }>;
}

export interface PartitionSpec {
  /** Partition column values in declared order, e.g. `{ date: '2024-01-02', symbol: 'AAPL' }`. */
  values: Record<string, string>;
  /** Object-store key prefix holding the partition's files. */
  location: string;
}

/** The table catalog (Glue Data Catalog on AWS, DuckDB views locally). */
export interface Catalog {
  /**
   * Idempotent: an already registered partition counts as `existing`, not an error. A
   * partition registered at an older version (location) is switched to the newer one.
   */
  registerPartitions(table: string, partitions: readonly PartitionSpec[]): Promise<RegisterOutcome>;
  /**
   * Every table of one run in one switch, where the catalog can do that (the local one:
   * one transaction), so readers see all of a run or none of it. Without it the caller
   * registers table by table.
   */
  registerRun?(
    tables: readonly { table: string; partitions: readonly PartitionSpec[] }[],
  ): Promise<RegisterOutcome[]>;
}

export interface RegisterOutcome {
  /** Partitions new to the catalog. */
  added: number;
  /** Partitions it already had (switched forward or left as they were). */
  existing: number;
  /** Of `existing`, those switched to a newer version's location. */
  switched?: number;
  /**
   * Locations the switch moved away from, for a catalog whose caller removes their files
   * (Glue: catalog-sync, after a grace period). A catalog that removes them itself (the
   * local one) leaves this out.
   */
  superseded?: { table: string; values: Record<string, string>; location: string }[];
}

export type QueryParams = Record<string, string | number | boolean | null>;

export interface QueryEngine {
  /** Runs one statement with bound named parameters, returns typed-as-JSON rows. */
  query(sql: string, params?: QueryParams): Promise<Record<string, unknown>[]>;
}

export interface Alert {
  alertId: string;
  severity: 'info' | 'warning' | 'critical';
  kind: 'job-failed' | 'quality-failed' | 'ingestion-failed' | 'quarantine-threshold';
  title: string;
  message: string;
  correlationId: string;
  context: Record<string, unknown>;
}

/** Delivers an alert to people (Slack, generic webhook, SNS). */
export interface Notifier {
  notify(alert: Alert): Promise<void>;
}

/** Sends messages onto a topology queue (used by the scheduler's fan-out). */
export interface QueueSender {
  send(queue: string, body: string, opts?: { delaySeconds?: number }): Promise<void>;
}

/** An instrument as a market-data source names it. */
export interface Instrument {
  symbol: string;
  /** '' when the source names none (forex). */
  exchange: string;
  mic_code: string | null;
  currency: string | null;
  instrument_type: string | null;
}

/** One bar in UTC, numbers parsed, before it is stamped with source and ingestion time. */
export interface SourceBar {
  ts: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number | null;
}

export interface InstrumentSeries {
  instrument: Instrument;
  /** IANA zone of the exchange (`meta.exchange_timezone`); decides its session hours. */
  exchangeTimezone?: string;
  interval: TwelveDataInterval;
  /** Ascending by ts, unique ts. */
  bars: SourceBar[];
}

export interface FetchBarsRequest {
  symbols: readonly string[];
  interval: TwelveDataInterval;
  /** Inclusive. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

export interface SymbolError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
}

export type SymbolResult =
  | { symbol: string; ok: true; series: InstrumentSeries }
  | { symbol: string; ok: false; error: SymbolError };

/** The port ingestion depends on: the Twelve Data client, or anything that returns bars like it. */
export interface MarketDataSource {
  /**
   * One result per requested symbol. Per-symbol problems (unknown symbol) are results;
   * request-wide ones (bad key, daily credits, retries exhausted) throw an `AppError`.
   */
  fetchBars(req: FetchBarsRequest): Promise<SymbolResult[]>;
}

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  next(): string;
}

export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/**
 * When to wake up, on a monotonic time line: injected (like the clock) so that waits —
 * batching windows, idle polls, settle times — are tested by moving time, not by waiting.
 */
export interface Timers {
  /** Monotonic milliseconds; only differences mean anything. */
  now(): number;
  /** Runs `fn` after `ms`; the answer cancels it. `unref`: the timer alone keeps no process alive. */
  setTimeout(fn: () => void, ms: number, opts?: { unref?: boolean }): () => void;
}

export const systemClock: Clock = { now: () => new Date() };
export const systemTimers: Timers = {
  now: () => performance.now(),
  setTimeout(fn, ms, opts) {
    const t = setTimeout(fn, ms);
    if (opts?.unref) t.unref();
    return () => clearTimeout(t);
  },
};
export const randomIds: IdGenerator = { next: () => crypto.randomUUID() };
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
