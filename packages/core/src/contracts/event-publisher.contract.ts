/**
 * The EventPublisher contract. The fixture exposes what reached the bus, so the suite
 * checks delivery (source, detail-type, detail intact; more than one PutEvents chunk)
 * the same way for EventBridge on a mocked client and for the local bus.
 */
import type { PipelineEventInput } from '@ohlcv/events';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventPublisher } from '../ports.ts';

export interface DeliveredEvent {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
}

export interface EventPublisherFixture {
  publisher: EventPublisher;
  /** Everything the bus accepted so far, in publish order. */
  delivered: () => Promise<DeliveredEvent[]>;
  cleanup?: () => Promise<void> | void;
}

/**
 * Builds a publishable event. `PipelineEventInput` comes from the event catalog; the suite
 * only relies on it carrying source, detail-type and detail.
 */
export type MakeEvent = (i: number) => PipelineEventInput;

export function describeEventPublisherContract(
  name: string,
  makePublisher: () => Promise<EventPublisherFixture> | EventPublisherFixture,
  makeEvent: MakeEvent,
): void {
  describe(`EventPublisher contract: ${name}`, () => {
    let fixture: EventPublisherFixture | undefined;
    const open = async (): Promise<EventPublisherFixture> => {
      fixture = await makePublisher();
      return fixture;
    };
    afterEach(async () => {
      await fixture?.cleanup?.();
      fixture = undefined;
    });

    it('publishes nothing for an empty list', async () => {
      const f = await open();
      await f.publisher.publish([]);
      expect(await f.delivered()).toEqual([]);
    });

    it('delivers one event with its source, detail-type and detail intact', async () => {
      const f = await open();
      const event = makeEvent(0);
      await f.publisher.publish([event]);
      const delivered = await f.delivered();
      expect(delivered).toHaveLength(1);
      const json = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
      expect(delivered[0]?.source).toBe(json.source);
      expect(delivered[0]?.detail).toEqual(json.detail);
    });

    it('delivers more than one PutEvents chunk (25 events), in order', async () => {
      const f = await open();
      const events = Array.from({ length: 25 }, (_, i) => makeEvent(i));
      await f.publisher.publish(events);
      const delivered = await f.delivered();
      expect(delivered).toHaveLength(25);
      expect(delivered.map((e) => e.detail)).toEqual(
        events.map((e) => (JSON.parse(JSON.stringify(e)) as { detail: unknown }).detail),
      );
    });
  });
}
