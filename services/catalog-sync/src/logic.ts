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
      tables: outcomes.map((o) => ({
        table: o.table,
        added: o.added,
        existing: o.existing,
        partitions: o.partitions,
      })),
    }),
  ];
}

/** Written after registering, before publishing: what to (re)publish for this run. */
export const pendingMarkerKey = (jobRunId: string): string => `_runs/${jobRunId}/catalog-sync-pending.json`;
/** Written after publishing: the run is done, a redelivery changes nothing. */
export const syncedMarkerKey = (jobRunId: string): string => `_runs/${jobRunId}/catalog-synced.json`;
