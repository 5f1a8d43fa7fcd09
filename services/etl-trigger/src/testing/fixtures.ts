/** Builds the SQS records the handler receives: one EventBridge envelope per body. */
import type { SqsEvent, SqsRecord } from '@ohlcv/core';
import { sqsRecord as coreSqsRecord } from '@ohlcv/core/testing/sqs-record';
import { buildS3ObjectCreatedEvent } from '@ohlcv/events';

export const sqsRecord = (messageId: string, body: unknown): SqsRecord =>
  coreSqsRecord(messageId, body, { queue: 'etl-trigger' });

export const objectCreated = (
  key: string,
  etag: string,
  opts: { id?: string; time?: string; size?: number } = {},
) =>
  buildS3ObjectCreatedEvent({
    bucket: 'lake',
    key,
    size: opts.size ?? 100,
    etag,
    sequencer: '0055AED6DCD90281E5',
    time: opts.time ?? '2024-03-01T10:00:00Z',
    id: opts.id ?? `evt-${key}-${etag}`,
  });

export const batch = (...bodies: unknown[]): SqsEvent => ({
  Records: bodies.map((b, i) => sqsRecord(`msg-${i + 1}`, b)),
});
