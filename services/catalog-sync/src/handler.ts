/**
 * catalog-sync: on `Glue Job State Change` SUCCEEDED, read the run's summary, register
 * the partitions it wrote, then publish `ETL Run Completed` and `Partitions Registered`.
 *
 * Idempotency (see README): `_runs/<id>/catalog-synced.json` marks a finished run, so a
 * redelivery does nothing. The events are stored in `catalog-sync-pending.json` before
 * they are published, so a retry after a crash republishes exactly the same details; a
 * crash between publish and the synced marker can therefore publish twice (at-least-once),
 * never zero times.
 */
import {
  AppError,
  type Catalog,
  type Clock,
  type EventPublisher,
  forEachRecord,
  type Logger,
  METRIC,
  type Metrics,
  noopMetrics,
  type ObjectStore,
  type RunSummary,
  readJsonMarker,
  runSummaryKey,
  runSummarySchema,
  type SqsBatchHandler,
  systemClock,
} from '@ohlcv/core';
import {
  GLUE_JOB_STATE_CHANGE,
  glueJobStateChangeEventSchema,
  PARTITIONS_REGISTERED,
  type PipelineEventInput,
  parseEnvelope,
} from '@ohlcv/events';
import { z } from 'zod';
import {
  partitionsByTable,
  pendingMarkerKey,
  syncEvents,
  syncedMarkerKey,
  type TableOutcome,
} from './logic.ts';

export interface CatalogSyncDeps {
  store: ObjectStore;
  catalog: Catalog;
  publisher: EventPublisher;
  logger: Logger;
  /** PartitionsRegistered per table (newly added ones); none when absent. */
  metrics?: Metrics;
  clock?: Clock;
  /** When set, state changes of other jobs are ignored (the rule already filters on AWS). */
  jobName?: string;
}

const pendingSchema = z.object({
  jobRunId: z.string(),
  events: z.array(
    z.object({ source: z.string(), detailType: z.string(), detail: z.record(z.string(), z.unknown()) }),
  ),
});

export type SyncOutcome = 'synced' | 'already-synced' | 'republished' | 'ignored';

export function createCatalogSyncHandler(deps: CatalogSyncDeps): SqsBatchHandler {
  const clock = deps.clock ?? systemClock;
  const { store, catalog, publisher, logger } = deps;
  const metrics = deps.metrics ?? noopMetrics;

  async function readJson(key: string): Promise<unknown | undefined> {
    if (!(await store.head(key))) return undefined;
    const bytes = await store.get(key);
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  async function readSummary(jobRunId: string): Promise<RunSummary> {
    const key = runSummaryKey(jobRunId);
    const raw = await readJson(key).catch((err: unknown) => {
      throw new AppError('RunSummaryUnreadable', `cannot read ${key}: ${String(err)}`, {
        retryable: true,
        cause: err,
      });
    });
    // The job writes its summary before it reports SUCCEEDED; absent means not visible yet.
    if (raw === undefined)
      throw new AppError('RunSummaryMissing', `run summary ${key} not found`, { retryable: true });
    const parsed = runSummarySchema.safeParse(raw);
    if (!parsed.success)
      throw new AppError('RunSummaryInvalid', `run summary ${key} is invalid: ${parsed.error.message}`);
    if (parsed.data.jobRunId !== jobRunId) {
      throw new AppError('RunSummaryInvalid', `run summary ${key} is for run ${parsed.data.jobRunId}`);
    }
    return parsed.data;
  }

  async function publishAndMark(jobRunId: string, events: PipelineEventInput[]): Promise<void> {
    await publisher.publish(events);
    await store.put(
      syncedMarkerKey(jobRunId),
      JSON.stringify({ jobRunId, syncedAt: clock.now().toISOString() }),
      {
        contentType: 'application/json',
      },
    );
    countRegistered(events);
  }

  /**
   * From the published `Partitions Registered` detail, so a republished run counts what its
   * first attempt registered; like the events, a crash between publish and mark counts twice.
   */
  function countRegistered(events: readonly PipelineEventInput[]): void {
    const registered = events.find((e) => e.detailType === PARTITIONS_REGISTERED)?.detail as
      | { tables?: { table: string; added: number }[] }
      | undefined;
    for (const t of registered?.tables ?? []) {
      metrics.count(METRIC.partitionsRegistered, t.added, { table: t.table });
    }
  }

  async function syncRun(jobRunId: string): Promise<SyncOutcome> {
    if (await store.head(syncedMarkerKey(jobRunId))) return 'already-synced';

    const pending = await readJsonMarker(store, pendingMarkerKey(jobRunId), pendingSchema);
    if (pending !== undefined) {
      await publishAndMark(jobRunId, pending.events as PipelineEventInput[]);
      return 'republished';
    }

    const summary = await readSummary(jobRunId);
    const outcomes: TableOutcome[] = [];
    for (const { table, partitions } of partitionsByTable(summary.partitionsWritten)) {
      const { added, existing } = await catalog.registerPartitions(table, partitions);
      outcomes.push({ table, added, existing, partitions: partitions.map((p) => p.values) });
    }
    const events = syncEvents(summary, outcomes);
    await store.put(pendingMarkerKey(jobRunId), JSON.stringify({ jobRunId, events }), {
      contentType: 'application/json',
    });
    await publishAndMark(jobRunId, events);
    logger.info('partitions registered', {
      correlationId: summary.correlationId,
      jobRunId,
      tables: outcomes.map((o) => ({ table: o.table, added: o.added, existing: o.existing })),
    });
    return 'synced';
  }

  return (event) =>
    forEachRecord(event, logger, async (record) => {
      const parsed = parseEnvelope(record.body, glueJobStateChangeEventSchema);
      if (!parsed.success) {
        throw new AppError('InvalidEvent', `not a ${GLUE_JOB_STATE_CHANGE} event: ${parsed.error}`);
      }
      const { jobName, jobRunId, state } = parsed.data.detail;
      if (state !== 'SUCCEEDED' || (deps.jobName && jobName !== deps.jobName)) {
        logger.info('job state change ignored', { jobName, jobRunId, state });
        return;
      }
      const outcome = await syncRun(jobRunId);
      if (outcome !== 'synced') logger.info(`run ${outcome}`, { jobName, jobRunId, outcome });
    });
}
