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
import type { MarketDataSource } from '@ohlcv/twelvedata';
import { type IngestionProgress, ingestRequest } from './ingest.ts';

export interface IngestionHandlerDeps {
  store: ObjectStore;
  publisher: EventPublisher;
  /** The Twelve Data client (real API or the embedded source). */
  client: MarketDataSource;
  clock: Clock;
  logger: Logger;
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

  async function handleRecord(record: SqsRecord): Promise<void> {
    const parsed = parseEnvelope(record.body, ingestionRequestedEventSchema);
    if (!parsed.success) {
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
    } catch (err) {
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
