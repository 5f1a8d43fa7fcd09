/** Wraps request details into the SQS batch the handler receives (tests, benchmarks, local runs). */
import type { SqsEvent } from '@ohlcv/core';
import {
  buildPipelineEvent,
  INGESTION_REQUESTED,
  INGESTION_REQUESTED_SOURCE,
  type IngestionRequestedDetail,
} from '@ohlcv/events';

export function ingestionRequestBatch(
  details: readonly IngestionRequestedDetail[],
  opts: { receiveCount?: number; time?: string } = {},
): SqsEvent {
  return {
    Records: details.map((detail, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body: JSON.stringify(
        buildPipelineEvent(
          { source: INGESTION_REQUESTED_SOURCE, detailType: INGESTION_REQUESTED, detail },
          { id: `e-${i}`, time: opts.time ?? '2024-03-20T00:00:00Z' },
        ),
      ),
      attributes: {
        ApproximateReceiveCount: String(opts.receiveCount ?? 1),
        SentTimestamp: '0',
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:ingestion-requests',
      awsRegion: 'us-east-1',
    })),
  };
}
