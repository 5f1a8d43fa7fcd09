/**
 * Ports: the small interfaces the services depend on. The AWS adapters (SDK v3) and
 * the local adapters (files, SQLite, DuckDB) implement them; services never know which.
 */
import type { PipelineEventInput } from '@ohlcv/events';

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
  registerPartitions(
    table: string,
    partitions: readonly PartitionSpec[],
  ): Promise<{ added: number; existing: number }>;
  /**
   * Every table of one run in one switch, where the catalog can do that (the local one:
   * one transaction), so readers see all of a run or none of it. Without it the caller
   * registers table by table.
   */
  registerRun?(
    tables: readonly { table: string; partitions: readonly PartitionSpec[] }[],
  ): Promise<{ added: number; existing: number }[]>;
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

export const systemClock: Clock = { now: () => new Date() };
export const randomIds: IdGenerator = { next: () => crypto.randomUUID() };
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
