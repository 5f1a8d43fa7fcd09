import { AppError, type Clock, type EventPublisher, type IdGenerator, PIPELINE_BUS } from '@ohlcv/core';
import { type PipelineEventInput, pipelineEventInput } from '@ohlcv/events';
import { LocalEventBus, MAX_ENTRIES_PER_PUT } from '../bus/event-bus.ts';
import type { EventRouter } from './event-router.ts';

/**
 * Publishes `ohlcv.*` events onto the local pipeline bus through PutEvents, with AWS's
 * limits and per-entry failures, exactly as the EventBridge adapter does on AWS. Details
 * are validated against their schema first (a producer bug fails at the producer, not at
 * every subscriber); each accepted event is routed durably by the topology's rules.
 */
export class LocalPublisher implements EventPublisher {
  private readonly bus: LocalEventBus;

  constructor(router: EventRouter, clock: Clock, ids: IdGenerator) {
    this.bus = new LocalEventBus({
      name: PIPELINE_BUS,
      clock,
      ids,
      onEvent: (envelope) => router.deliver('pipeline', [envelope as Record<string, unknown>]),
    });
  }

  async publish(events: readonly PipelineEventInput[]): Promise<void> {
    const entries = events.map((e) => {
      const checked = pipelineEventInput(e.detailType, e.detail as never);
      return {
        Source: checked.source,
        DetailType: checked.detailType,
        Detail: JSON.stringify(checked.detail),
        EventBusName: PIPELINE_BUS,
      };
    });
    const failed: string[] = [];
    for (let i = 0; i < entries.length; i += MAX_ENTRIES_PER_PUT) {
      const chunk = entries.slice(i, i + MAX_ENTRIES_PER_PUT);
      const result = await this.bus.putEvents(chunk);
      result.Entries.forEach((r, j) => {
        if ('ErrorCode' in r) failed.push(`${chunk[j]!.DetailType}: ${r.ErrorCode} ${r.ErrorMessage}`);
      });
    }
    if (failed.length > 0) {
      throw new AppError('PutEventsFailed', `${failed.length} event(s) not accepted: ${failed.join('; ')}`, {
        retryable: true,
      });
    }
  }
}
