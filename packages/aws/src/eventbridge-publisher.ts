/** EventPublisher on an EventBridge bus: PutEvents in chunks of 10 (the API's limit). */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { AppError, type EventPublisher } from '@ohlcv/core';
import type { PipelineEventInput } from '@ohlcv/events';
import { awsErrorName, isTransientAwsError } from './aws-errors.ts';

export interface EventBridgePublisherOptions {
  busName: string;
  client?: EventBridgeClient;
}

export const PUT_EVENTS_MAX_ENTRIES = 10;

export const toPutEventsEntry = (busName: string, event: PipelineEventInput): PutEventsRequestEntry => ({
  EventBusName: busName,
  Source: event.source,
  DetailType: event.detailType,
  Detail: JSON.stringify(event.detail),
});

/**
 * Every chunk is sent even when an earlier one had failures; the error then names each
 * failed entry. Consumers are idempotent, so a caller retrying the whole list is safe.
 */
export function eventBridgePublisher(opts: EventBridgePublisherOptions): EventPublisher {
  const client = opts.client ?? new EventBridgeClient({});
  return {
    async publish(events) {
      const failed: string[] = [];
      let anyNonRetryable = false;
      for (let i = 0; i < events.length; i += PUT_EVENTS_MAX_ENTRIES) {
        const chunk = events.slice(i, i + PUT_EVENTS_MAX_ENTRIES);
        try {
          const out = await client.send(
            new PutEventsCommand({ Entries: chunk.map((e) => toPutEventsEntry(opts.busName, e)) }),
          );
          if (!out.FailedEntryCount) continue;
          (out.Entries ?? []).forEach((entry, j) => {
            if (!entry.ErrorCode) return;
            const event = chunk[j];
            const what = event ? `${event.detailType} (${event.detail.correlationId})` : `entry ${i + j}`;
            failed.push(`#${i + j} ${what}: ${entry.ErrorCode} ${entry.ErrorMessage ?? ''}`.trim());
          });
        } catch (err) {
          if (!isTransientAwsError(err)) anyNonRetryable = true;
          failed.push(`#${i}-#${i + chunk.length - 1}: ${awsErrorName(err) ?? String(err)}`);
        }
      }
      if (failed.length > 0) {
        throw new AppError(
          'PutEventsFailed',
          `${failed.length} event(s) not published to ${opts.busName}: ${failed.join('; ')}`,
          // Per-entry failures are throttling or internal errors: retryable.
          { retryable: !anyNonRetryable },
        );
      }
    },
  };
}
