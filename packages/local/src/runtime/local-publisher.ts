import type { Clock, EventPublisher, IdGenerator } from '@ohlcv/core';
import { buildEnvelope, type PipelineEventInput, pipelineEventInput } from '@ohlcv/events';
import type { EventRouter } from './event-router.ts';

/**
 * Publishes `ohlcv.*` events onto the local pipeline bus. Details are validated against
 * their schema before they leave (a producer bug fails at the producer, not at every
 * subscriber); the batch is delivered in one transaction.
 */
export class LocalPublisher implements EventPublisher {
  constructor(
    private readonly router: EventRouter,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async publish(events: readonly PipelineEventInput[]): Promise<void> {
    if (events.length === 0) return;
    const time = this.clock.now();
    const envelopes = events.map((e) => {
      const checked = pipelineEventInput(e.detailType, e.detail as never);
      return buildEnvelope(checked.source, checked.detailType, checked.detail, {
        id: this.ids.next(),
        time,
      }) as unknown as Record<string, unknown>;
    });
    this.router.deliver('pipeline', envelopes);
  }
}
