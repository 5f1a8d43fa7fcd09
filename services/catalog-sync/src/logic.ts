/**
 * The pure part of catalog-sync: from a run summary, which partitions to register per
 * table, and the two events that announce the outcome.
 */
import {
  type RunSummary,
  runSummaryKey,
  type TableName,
  tableNames,
  type WrittenPartition,
} from '@ohlcv/core';
import {
  ETL_RUN_COMPLETED,
  PARTITIONS_REGISTERED,
  type PipelineEventInput,
  pipelineEventInput,
  SCHEMA_VERSION,
} from '@ohlcv/events';

export interface TablePartitions {
  table: TableName;
  partitions: { values: Record<string, string>; location: string }[];
}

export interface TableOutcome {
  table: TableName;
  added: number;
  existing: number;
  partitions: Record<string, string>[];
}

/** Written partitions grouped by table in declared table order, each location once. */
export function partitionsByTable(written: readonly WrittenPartition[]): TablePartitions[] {
  const out: TablePartitions[] = [];
  for (const table of tableNames) {
    const seen = new Set<string>();
    const partitions = written
      .filter((p) => p.table === table)
      .filter((p) => !seen.has(p.location) && seen.add(p.location) !== undefined)
      .map((p) => ({ values: p.values, location: p.location }));
    if (partitions.length > 0) out.push({ table, partitions });
  }
  return out;
}

export function syncEvents(summary: RunSummary, outcomes: readonly TableOutcome[]): PipelineEventInput[] {
  const base = { schemaVersion: SCHEMA_VERSION, correlationId: summary.correlationId };
  return [
    pipelineEventInput(ETL_RUN_COMPLETED, {
      ...base,
      jobName: summary.jobName,
      jobRunId: summary.jobRunId,
      summaryKey: runSummaryKey(summary.jobRunId),
      rowsIn: summary.rowsIn,
      rowsKept: summary.rowsKept,
      rowsQuarantined: summary.rowsQuarantined,
      duplicates: summary.duplicates,
      partitionsWritten: summary.partitionsWritten.length,
    }),
    pipelineEventInput(PARTITIONS_REGISTERED, {
      ...base,
      jobRunId: summary.jobRunId,
      summaryKey: runSummaryKey(summary.jobRunId),
      tables: listedPartitions(outcomes),
    }),
  ];
}

/**
 * How much of an event's detail the partition lists may fill: EventBridge refuses an
 * entry over 256 KiB (source, detail-type, detail and resources together; the local bus
 * too), and a backfill's run writes thousands of partitions. What does not fit is counted
 * in `partitionsOmitted` and is in the run summary the event names (a claim check).
 */
export const PARTITION_LIST_BUDGET_BYTES = 192 * 1024;

type ListedTable = TableOutcome & { partitionsOmitted?: number };

/**
 * The outcomes with each table's partition list cut to its first `k` entries, `k` the
 * largest that keeps the lists within the budget (the same `k` for every table, so no
 * table crowds out the others); a list that fits is given whole, without the count.
 */
export function listedPartitions(
  outcomes: readonly TableOutcome[],
  budget: number = PARTITION_LIST_BUDGET_BYTES,
): ListedTable[] {
  const sized = outcomes.map((o) => o.partitions.map((p) => Buffer.byteLength(JSON.stringify(p)) + 1));
  const bytesAt = (k: number) =>
    sized.reduce((n, sizes) => n + sizes.slice(0, k).reduce((a, b) => a + b, 0), 0);
  const longest = Math.max(0, ...sized.map((s) => s.length));
  if (bytesAt(longest) <= budget) return outcomes.map((o) => ({ ...o }));
  let lo = 0;
  let hi = longest;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (bytesAt(mid) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return outcomes.map((o) => ({
    ...o,
    partitions: o.partitions.slice(0, lo),
    partitionsOmitted: Math.max(0, o.partitions.length - lo),
  }));
}

/** Written after registering, before publishing: what to (re)publish for this run. */
export const pendingMarkerKey = (jobRunId: string): string => `_runs/${jobRunId}/catalog-sync-pending.json`;
/** Written after publishing: the run is done, a redelivery changes nothing. */
export const syncedMarkerKey = (jobRunId: string): string => `_runs/${jobRunId}/catalog-synced.json`;
