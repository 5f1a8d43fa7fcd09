/**
 * The contract between etl-trigger, the ETL job and the services that read its outcome:
 * the manifest a run is started with and the summary it leaves behind.
 */
import { z } from 'zod';

export const manifestObjectSchema = z.object({
  key: z.string().startsWith('raw/'),
  etag: z.string(),
  size: z.number().int().nonnegative(),
  /** ISO-8601; the quarantine partition date of the object's rejected rows. */
  lastModified: z.string(),
});

export const manifestSchema = z.object({
  manifestId: z.string().min(1),
  createdAt: z.string(),
  correlationId: z.string(),
  objects: z.array(manifestObjectSchema).min(1),
});
export type Manifest = z.infer<typeof manifestSchema>;

export const manifestKey = (manifestId: string): string => `_manifests/${manifestId}.json`;

/**
 * A reprocess run (`ohlcv reprocess`): the range it rebuilds from raw. On a stage it is the
 * Glue job argument `--reprocess_scope` as JSON (empty: a normal run, merging with what the
 * lake holds); the job then rebuilds the range from the manifest's raw objects alone and
 * replaces the partitions in scope (packages/etl/src/reprocess.ts has the scope rules).
 */
export const reprocessScopeSchema = z.strictObject({
  /** Inclusive UTC dates, YYYY-MM-DD. */
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
  symbols: z.array(z.string().min(1)).min(1).optional(),
});
export type ReprocessScopeArg = z.infer<typeof reprocessScopeSchema>;
export const REPROCESS_SCOPE_ARG = '--reprocess_scope';
export const runSummaryKey = (jobRunId: string): string => `_runs/${jobRunId}/summary.json`;

export const dqRuleResultSchema = z.object({
  rule: z.string(),
  description: z.string(),
  passed: z.boolean(),
  /** Rows that failed the rule (0 when it passed). */
  failedRows: z.number().int().nonnegative(),
});

export const writtenPartitionSchema = z.object({
  table: z.enum(['bars', 'bars_hourly', 'bars_daily', 'quarantine']),
  values: z.record(z.string(), z.string()),
  location: z.string(),
  rows: z.number().int().nonnegative(),
});

/** One of a run's most common quarantine reasons (sql/etl/13_quarantine_top.sql). */
export const quarantineReasonSchema = z.object({
  reasonCodes: z.array(z.string()).min(1),
  /** The fields behind the codes, e.g. "missing: symbol, ts; unknown: ticker" (bounded). */
  detail: z.string().optional(),
  rows: z.number().int().positive(),
});

export const runSummarySchema = z.object({
  jobRunId: z.string(),
  jobName: z.string(),
  manifestId: z.string(),
  correlationId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  objects: z.number().int().nonnegative(),
  rowsIn: z.number().int().nonnegative(),
  rowsKept: z.number().int().nonnegative(),
  rowsQuarantined: z.number().int().nonnegative(),
  /** Exact duplicate raw rows (same content and key) dropped without quarantine. */
  duplicates: z.number().int().nonnegative(),
  partitionsWritten: z.array(writtenPartitionSchema),
  dataQuality: z.array(dqRuleResultSchema),
  /**
   * The run's most common quarantine reasons (at most 5 groups of codes and detail, the
   * largest first); absent in summaries written before it existed.
   */
  quarantineReasons: z.array(quarantineReasonSchema).optional(),
  /**
   * The ETL plan the run applied: a hash of sql/etl/plan.json and every file it names
   * (packages/etl/src/plan.ts planVersion). Rows written by the run carry it through their
   * job run's summary, so a user can tell which rows predate a rule change.
   */
  planVersion: z.string().optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;
export type WrittenPartition = z.infer<typeof writtenPartitionSchema>;
export type QuarantineReason = z.infer<typeof quarantineReasonSchema>;

/** Why an object under the bucket is not ETL input (etl-trigger skips it, reprocess leaves it out). */
export type SkipReason = 'not-raw-zone' | 'folder-marker' | 'hidden-file';

/**
 * Why an object under the bucket is not ETL input, or undefined when it is. Hidden and
 * `_`-prefixed names are temp/marker files of copy tools and Spark, never data.
 */
export function skipReasonOf(key: string): SkipReason | undefined {
  if (!key.startsWith('raw/')) return 'not-raw-zone';
  if (key.endsWith('/')) return 'folder-marker';
  const base = key.slice(key.lastIndexOf('/') + 1);
  if (base.startsWith('.') || base.startsWith('_')) return 'hidden-file';
  return undefined;
}
