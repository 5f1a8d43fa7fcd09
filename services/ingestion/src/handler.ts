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
  ingestionRequestedEventSchema,
  type PipelineEventInput,
  parseEnvelope,
  SCHEMA_VERSION,
} from '@ohlcv/events';
import { type IngestionProgress, ingestRequest } from './logic.ts';

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

  async function handleRecord(record: SqsRecord): Promise<void> {
    const parsed = parseEnvelope(record.body, ingestionRequestedEventSchema);
    if (!parsed.success) {
      metrics.count(METRIC.ingestionFailures, 1);
      throw new AppError('InvalidIngestionRequest', `not an Ingestion Requested event: ${parsed.error}`);
    }
    const detail: IngestionRequestedDetail = parsed.data.detail;
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
