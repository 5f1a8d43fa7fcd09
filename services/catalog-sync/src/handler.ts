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
  type RegisterOutcome,
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
  type TablePartitions,
} from './logic.ts';
import { recordSuperseded, sweepSuperseded } from './superseded.ts';

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
  /**
   * When set (AWS), locations the catalog switched away from are recorded and their files
   * deleted this long after the switch, on a later run (superseded.ts). The local catalog
   * removes them itself.
   */
  supersededGraceMs?: number;
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
    const byTable = partitionsByTable(summary.partitionsWritten);
    // One switch for the whole run where the catalog offers it (atomic publish).
    const counts = catalog.registerRun
      ? await catalog.registerRun(byTable)
      : await registerEach(catalog, byTable);
    byTable.forEach(({ table, partitions }, i) => {
      const { added, existing } = counts[i]!;
      outcomes.push({ table, added, existing, partitions: partitions.map((p) => p.values) });
    });
    const superseded = counts.flatMap((c) => c.superseded ?? []);
    if (deps.supersededGraceMs !== undefined && superseded.length > 0)
      await recordSuperseded(store, clock, jobRunId, superseded);
    const events = syncEvents(summary, outcomes);
    await store.put(pendingMarkerKey(jobRunId), JSON.stringify({ jobRunId, events }), {
      contentType: 'application/json',
    });
    await publishAndMark(jobRunId, events);
    logger.info('partitions registered', {
      correlationId: summary.correlationId,
      jobRunId,
      tables: outcomes.map((o, i) => ({
        table: o.table,
        added: o.added,
        existing: o.existing,
        switched: counts[i]?.switched ?? 0,
      })),
      superseded: superseded.length,
    });
    return 'synced';
  }

  /** Removes versions superseded longer ago than the grace period (this run's or earlier runs'). */
  async function sweep(): Promise<void> {
    if (deps.supersededGraceMs === undefined) return;
    const r = await sweepSuperseded(store, clock, deps.supersededGraceMs, logger);
    if (r.versions > 0) logger.info('superseded versions removed', { ...r });
  }

  return async (event) => {
    const result = await forEachRecord(event, logger, async (record) => {
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
    // After the batch, whatever its records did: a failed sweep is logged and retried on the
    // next batch, never turned into a failure of records that synced.
    await sweep().catch((err: unknown) =>
      logger.warn('removing superseded versions failed; the next batch retries', {
        error: (err as Error)?.message ?? String(err),
      }),
    );
    return result;
  };
}

async function registerEach(
  catalog: Catalog,
  byTable: readonly TablePartitions[],
): Promise<RegisterOutcome[]> {
  const out: RegisterOutcome[] = [];
  for (const { table, partitions } of byTable) out.push(await catalog.registerPartitions(table, partitions));
  return out;
}
