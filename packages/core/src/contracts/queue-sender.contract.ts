/**
 * The QueueSender contract: a message sent to a topology queue arrives with its body and
 * delay; an unknown queue is a non-retryable `UnknownQueue` error, not a silent drop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import type { QueueSender } from '../ports.ts';

export interface SentMessage {
  body: string;
  delaySeconds?: number;
}

export interface QueueSenderFixture {
  sender: QueueSender;
  /** Messages that reached `queue`, in send order. */
  sent: (queue: string) => Promise<SentMessage[]>;
  cleanup?: () => Promise<void> | void;
}

export function describeQueueSenderContract(
  name: string,
  makeSender: () => Promise<QueueSenderFixture> | QueueSenderFixture,
  queue = 'ingestion-requests',
): void {
  describe(`QueueSender contract: ${name}`, () => {
    let fixture: QueueSenderFixture | undefined;
    const open = async (): Promise<QueueSenderFixture> => {
      fixture = await makeSender();
      return fixture;
    };
    afterEach(async () => {
      await fixture?.cleanup?.();
      fixture = undefined;
    });

    it('delivers bodies in order, with the delay when given', async () => {
      const f = await open();
      await f.sender.send(queue, '{"n":1}');
      await f.sender.send(queue, '{"n":2}', { delaySeconds: 30 });
      const sent = await f.sent(queue);
      expect(sent.map((m) => m.body)).toEqual(['{"n":1}', '{"n":2}']);
      expect(sent[1]?.delaySeconds).toBe(30);
      expect(sent[0]?.delaySeconds ?? 0).toBe(0);
    });

    it('rejects an unknown queue with UnknownQueue', async () => {
      const f = await open();
      const err = await f.sender.send('no-such-queue', '{}').catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('UnknownQueue');
      expect(isAppError(err) && err.retryable).toBe(false);
    });
  });
}
