/** Builders and fakes for ingestion's tests, benchmarks and the composition root's tests. */
import type { SqsEvent } from '@ohlcv/core';
import { sqsRecord } from '@ohlcv/core/testing/sqs-record';
import {
  buildPipelineEvent,
  INGESTION_REQUESTED,
  INGESTION_REQUESTED_SOURCE,
  type IngestionRequestedDetail,
} from '@ohlcv/events';

/** Wraps request details into the SQS batch the handler receives. */
export function ingestionRequestBatch(
  details: readonly IngestionRequestedDetail[],
  opts: { receiveCount?: number; time?: string } = {},
): SqsEvent {
  return {
    Records: details.map((detail, i) =>
      sqsRecord(
        `m-${i}`,
        buildPipelineEvent(
          { source: INGESTION_REQUESTED_SOURCE, detailType: INGESTION_REQUESTED, detail },
          { id: `e-${i}`, time: opts.time ?? '2024-03-20T00:00:00Z' },
        ),
        { queue: 'ingestion-requests', receiveCount: opts.receiveCount, receiptHandle: `r-${i}` },
      ),
    ),
  };
}

export const sqsEventOf = (details: IngestionRequestedDetail[], receiveCount = 1): SqsEvent =>
  ingestionRequestBatch(details, { receiveCount });

export const detail = (over: Partial<IngestionRequestedDetail> = {}): IngestionRequestedDetail => ({
  schemaVersion: 1,
  correlationId: 'corr-1',
  requestId: 'req-1',
  symbols: ['AAPL'],
  interval: '1min',
  incremental: false,
  ...over,
});
