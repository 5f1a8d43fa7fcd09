import type { EventPublisher, SqsEvent } from '@ohlcv/core';
import type { IngestionRequestedDetail, PipelineEventInput } from '@ohlcv/events';
import { ingestionRequestBatch } from '../src/testing/sqs-event.ts';

export function recordingPublisher(): EventPublisher & { events: PipelineEventInput[] } {
  const events: PipelineEventInput[] = [];
  return {
    events,
    async publish(batch) {
      events.push(...batch);
    },
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
