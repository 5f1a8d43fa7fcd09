/**
 * The runtime-neutral ingestion handler: an SQS batch of `Ingestion Requested` envelopes
 * in, `batchItemFailures` out. Used as is by the Lambda entry and the local runtime.
 */
import {
  AppError,
  type Clock,
  type EventPublisher,
  errorCode,
  errorMessage,
  forEachRecord,
  type Logger,
  type MarketDataSource,
  METRIC,
  type Metrics,
  noopMetrics,
  type ObjectStore,
  queues,
  type SqsBatchHandler,
  type SqsRecord,
} from '@ohlcv/core';
import {
  INGESTION_BATCH_COMPLETED,
  INGESTION_BATCH_COMPLETED_SOURCE,
  INGESTION_BATCH_FAILED,
  INGESTION_BATCH_FAILED_SOURCE,
  type IngestionBatchFailedDetail,
  type IngestionRequestedDetail,
  ingestionBatchFailedDetailSchema,
  ingestionRequestedEventSchema,
  type PipelineEventInput,
  parseEnvelope,
  SCHEMA_VERSION,
} from '@ohlcv/events';
import { z } from 'zod';
import { type IngestionProgress, ingestRequest } from './logic.ts';
import { checkIngestionRange, describeProblems } from './request-check.ts';

/** Just enough of a request to name the batch in its `Ingestion Batch Failed` event. */
const identifiableRequestSchema = z.object({
  detail: ingestionBatchFailedDetailSchema.pick({
    correlationId: true,
    requestId: true,
    symbols: true,
    interval: true,
  }),
});

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export interface IngestionHandlerDeps {
  store: ObjectStore;
  publisher: EventPublisher;
  /** The Twelve Data client (real API or the embedded source). */
  client: MarketDataSource;
  clock: Clock;
  logger: Logger;
  /** IngestionFailures, BarsIngested and LatestBarAgeSeconds per symbol; none when absent. */
  metrics?: Metrics;
  onProgress?: (p: IngestionProgress) => void;
  /** Receives after which a retryable failure is reported (defaults to the queue's DLQ threshold). */
  maxReceiveCount?: number;
}

const failedEvent = (detail: IngestionBatchFailedDetail): PipelineEventInput => ({
  source: INGESTION_BATCH_FAILED_SOURCE,
  detailType: INGESTION_BATCH_FAILED,
  detail,
});

export function createIngestionHandler(deps: IngestionHandlerDeps): SqsBatchHandler {
  const maxReceives = deps.maxReceiveCount ?? queues['ingestion-requests'].maxReceiveCount;
  const metrics = deps.metrics ?? noopMetrics;

  /** Age of each in-session symbol's newest stored bar (its open time): what freshness alarms watch. */
  const emitFreshness = (latestBarTs: Record<string, string>) => {
    const now = deps.clock.now().getTime();
    for (const [symbol, ts] of Object.entries(latestBarTs)) {
      const age = Math.max(0, Math.round((now - Date.parse(ts)) / 1000));
      metrics.gauge(METRIC.latestBarAgeSeconds, age, 'Seconds', { symbol });
    }
  };

  /**
   * A request no retry can fix: reported once as `Ingestion Batch Failed` (which raises
   * an alert) and consumed, when it names enough to say which batch it was.
   */
  async function rejectRequest(record: SqsRecord, why: string): Promise<void> {
    metrics.count(METRIC.ingestionFailures, 1);
    const id = identifiableRequestSchema.safeParse(safeJson(record.body));
    if (!id.success) {
      // Not even which batch it was: leave it to the queue's retries and DLQ (and its alarm).
      throw new AppError('InvalidIngestionRequest', `not an Ingestion Requested event: ${why}`, {
        retryable: true,
      });
    }
    const d = id.data.detail;
    deps.logger.error('ingestion request rejected', {
      correlationId: d.correlationId,
      requestId: d.requestId,
      code: 'InvalidIngestionRequest',
      error: why,
    });
    await deps.publisher.publish([
      failedEvent({
        schemaVersion: SCHEMA_VERSION,
        correlationId: d.correlationId,
        requestId: d.requestId,
        symbols: d.symbols,
        interval: d.interval,
        error: { code: 'InvalidIngestionRequest', message: why, retryable: false },
      }),
    ]);
  }

  async function handleRecord(record: SqsRecord): Promise<void> {
    const parsed = parseEnvelope(record.body, ingestionRequestedEventSchema);
    if (!parsed.success) return rejectRequest(record, String(parsed.error));
    const detail: IngestionRequestedDetail = parsed.data.detail;
    const rangeProblems = checkIngestionRange(detail, deps.clock.now());
    if (rangeProblems.length > 0) return rejectRequest(record, describeProblems(rangeProblems));
    const log = { correlationId: detail.correlationId, requestId: detail.requestId };
    try {
      const outcome = await ingestRequest(detail, {
        store: deps.store,
        source: deps.client,
        clock: deps.clock,
        logger: deps.logger,
        onProgress: deps.onProgress,
      });
      const events: PipelineEventInput[] = [
        ...(outcome.completed
          ? [
              {
                source: INGESTION_BATCH_COMPLETED_SOURCE,
                detailType: INGESTION_BATCH_COMPLETED,
                detail: outcome.completed,
              } as const,
            ]
          : []),
        ...outcome.failed.map(failedEvent),
      ];
      if (events.length) await deps.publisher.publish(events);
      // After the publish: an attempt that fails and is retried is not counted twice.
      if (outcome.completed) metrics.count(METRIC.barsIngested, outcome.completed.bars);
      if (outcome.failed.length > 0) metrics.count(METRIC.ingestionFailures, outcome.failed.length);
      emitFreshness(outcome.latestBarTs);
    } catch (err) {
      // Every failed attempt counts, retried or not: the alarm watches the rate of failures.
      metrics.count(METRIC.ingestionFailures, 1);
      const retryable = err instanceof AppError ? err.retryable : true;
      const lastAttempt = Number(record.attributes.ApproximateReceiveCount) >= maxReceives;
      deps.logger.error('ingestion request failed', {
        ...log,
        code: errorCode(err),
        error: errorMessage(err),
        retryable,
        lastAttempt,
      });
      // Permanent errors (bad key, daily credits spent) are reported once and consumed;
      // transient ones are retried by the queue and reported when it gives up.
      if (!retryable || lastAttempt) {
        await deps.publisher.publish([
          failedEvent({
            schemaVersion: SCHEMA_VERSION,
            correlationId: detail.correlationId,
            requestId: detail.requestId,
            symbols: detail.symbols,
            interval: detail.interval,
            error: { code: errorCode(err), message: errorMessage(err), retryable },
          }),
        ]);
      }
      if (retryable) throw err;
    }
  }

  return (event) => forEachRecord(event, deps.logger, handleRecord);
}
