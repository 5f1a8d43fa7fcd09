import { createHash } from 'node:crypto';
import type { SqsBatchResponse, SqsEvent } from '@ohlcv/core';
import { correlatedLogger } from '@ohlcv/core';
import { type ManualTimers, manualTimers, memoryLogger } from '@ohlcv/core/contracts/in-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueuePoller } from './queue-poller.ts';
import { SqliteQueueStore } from './sqlite-queue-store.ts';
import { FakeClock, tempDb } from './testing/temp-db.ts';

let tmp: ReturnType<typeof tempDb>;

beforeEach(() => {
  tmp = tempDb();
});
afterEach(() => tmp.cleanup());

function setup(clock: { now(): Date } = new FakeClock(), batch = { batchSize: 10, window: 0 }) {
  const store = new SqliteQueueStore(tmp.open(), clock);
  store.ensureQueue('work', {
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 3,
    retentionSeconds: 3600,
    dlqName: 'work-dlq',
    batchSize: batch.batchSize,
    maxBatchingWindowSeconds: batch.window,
  });
  return store;
}

/** A handler that records each event and answers with `answer(event)`. */
function recorder(
  answer: (e: SqsEvent) => SqsBatchResponse | Promise<SqsBatchResponse> = () => ({
    batchItemFailures: [],
  }),
) {
  const events: SqsEvent[] = [];
  const handler = async (e: SqsEvent) => {
    events.push(structuredClone(e));
    return answer(e);
  };
  return { events, handler };
}

/** A promise with its settled state readable synchronously. */
function settled<T>(p: Promise<T>): { done: boolean; value: Promise<T> } {
  const out = { done: false, value: p };
  out.value = p.finally(() => {
    out.done = true;
  });
  return out;
}

/** Lets queued work run, turn by turn, without moving time, until `check` holds. */
async function turnsUntil(timers: ManualTimers, check: () => boolean, turns = 100): Promise<void> {
  for (let i = 0; i < turns && !check(); i++) await timers.advance(0);
  expect(check()).toBe(true);
}

describe('QueuePoller', () => {
  it('feeds the Lambda SQS event shape and deletes a successful batch', async () => {
    const clock = new FakeClock();
    const store = setup(clock);
    const { messageId } = store.send('work', '{"a":1}', {
      messageAttributes: { k: { dataType: 'String', stringValue: 'v' } },
    });
    const { events, handler } = recorder();
    const poller = new QueuePoller({ store, queue: 'work', handler });
    expect(await poller.pollOnce()).toEqual({ received: 1, failed: 0 });
    expect(events).toHaveLength(1);
    const record = events[0]!.Records[0]!;
    expect(record).toMatchObject({
      messageId,
      body: '{"a":1}',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:work',
      awsRegion: 'local',
      md5OfBody: createHash('md5').update('{"a":1}').digest('hex'),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(clock.ms),
        SenderId: '000000000000',
        ApproximateFirstReceiveTimestamp: String(clock.ms),
      },
      messageAttributes: {
        k: { dataType: 'String', stringValue: 'v', stringListValues: [], binaryListValues: [] },
      },
    });
    expect(typeof record.receiptHandle).toBe('string');
    for (const v of Object.values(record.attributes)) expect(typeof v).toBe('string');
    expect(store.stats('work')).toMatchObject({ visible: 0, inFlight: 0 });
    expect(await poller.pollOnce()).toEqual({ received: 0, failed: 0 });
  });

  it('logs each batch as the Lambda kit does, every line of it with the batch correlation id', async () => {
    const store = setup(new FakeClock());
    const envelope = (id: string, correlationId?: string) =>
      JSON.stringify({ id, detail: correlationId ? { correlationId } : {} });
    store.sendBatch('work', [{ body: envelope('e1', 'corr-1') }, { body: envelope('e2') }, { body: 'x' }]);
    const lines = memoryLogger();
    const logger = correlatedLogger(lines);
    const handler = async (e: SqsEvent): Promise<SqsBatchResponse> => {
      logger.info('handled', { n: e.Records.length });
      return { batchItemFailures: [{ itemIdentifier: e.Records[2]!.messageId }] };
    };
    const poller = new QueuePoller({ store, queue: 'work', handler, logger, timers: manualTimers() });
    await poller.pollOnce();
    expect(lines.lines.map((l) => [l.message, l.extra])).toEqual([
      ['batch received', { correlation_id: 'corr-1', records: 3, correlationIds: ['corr-1', 'e2'] }],
      ['handled', { correlation_id: 'corr-1', n: 3 }],
      ['batch done', { correlation_id: 'corr-1', records: 3, failed: 1, durationMs: 0 }],
    ]);
    logger.info('between batches');
    expect(lines.lines.at(-1)?.extra).toBeUndefined();

    store.send('work', envelope('e3', 'corr-3'));
    const throwing = new QueuePoller({
      store,
      queue: 'work',
      logger,
      handler: async () => {
        throw new Error('down');
      },
    });
    await throwing.pollOnce();
    expect(lines.lines.at(-1)).toMatchObject({
      level: 'error',
      message: 'batch failed',
      extra: { correlation_id: 'corr-3', records: 1, code: 'Error', error: 'down' },
    });
  });

  it('keeps only the batchItemFailures and deletes the rest', async () => {
    const clock = new FakeClock();
    const store = setup(clock);
    const ids = store
      .sendBatch(
        'work',
        ['a', 'b', 'c'].map((body) => ({ body })),
      )
      .map((r) => r.messageId);
    const { handler } = recorder((e) => ({
      batchItemFailures: e.Records.filter((r) => r.body === 'b').map((r) => ({
        itemIdentifier: r.messageId,
      })),
    }));
    const poller = new QueuePoller({ store, queue: 'work', handler });
    expect(await poller.pollOnce()).toEqual({ received: 3, failed: 1 });
    expect(store.stats('work')).toMatchObject({ visible: 0, inFlight: 1 });
    clock.advance(30); // like Lambda: the failed record comes back after the visibility timeout
    const again = store.receive('work', { maxMessages: 10 });
    expect(again.map((m) => [m.messageId, m.attributes.ApproximateReceiveCount])).toEqual([[ids[1], '2']]);
  });

  it('fails the whole batch when the handler throws or names an unknown record', async () => {
    const clock = new FakeClock();
    const store = setup(clock);
    store.sendBatch('work', [{ body: 'a' }, { body: 'b' }]);
    const throwing = new QueuePoller({
      store,
      queue: 'work',
      handler: async () => {
        throw new Error('down');
      },
    });
    expect(await throwing.pollOnce()).toEqual({ received: 2, failed: 2 });
    expect(store.stats('work').inFlight).toBe(2);

    clock.advance(30);
    const bogus = new QueuePoller({
      store,
      queue: 'work',
      handler: async () => ({ batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] }),
    });
    expect(await bogus.pollOnce()).toEqual({ received: 2, failed: 2 });

    clock.advance(30);
    const empty = new QueuePoller({
      store,
      queue: 'work',
      handler: async () => undefined as unknown as SqsBatchResponse,
    });
    expect(await empty.pollOnce()).toEqual({ received: 2, failed: 0 });
    expect(store.stats('work')).toMatchObject({ visible: 0, inFlight: 0 });
  });

  it('respects the batch size', async () => {
    const store = setup(new FakeClock(), { batchSize: 10, window: 0 });
    store.sendBatch(
      'work',
      Array.from({ length: 25 }, (_, i) => ({ body: String(i) })),
    );
    const { events, handler } = recorder();
    const poller = new QueuePoller({ store, queue: 'work', handler });
    const sizes: number[] = [];
    for (;;) {
      const { received } = await poller.pollOnce();
      if (received === 0) break;
      sizes.push(received);
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(events.flatMap((e) => e.Records.map((r) => r.body))).toEqual(
      Array.from({ length: 25 }, (_, i) => String(i)),
    );
  });

  it('moves a record that keeps failing to the DLQ after maxReceiveCount', async () => {
    const clock = new FakeClock();
    const store = setup(clock);
    const { messageId } = store.send('work', 'poison');
    const { events, handler } = recorder((e) => ({
      batchItemFailures: e.Records.map((r) => ({ itemIdentifier: r.messageId })),
    }));
    const poller = new QueuePoller({ store, queue: 'work', handler, failedVisibilitySeconds: 0 });
    for (let i = 0; i < 5; i++) await poller.pollOnce();
    expect(events.map((e) => e.Records[0]!.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
    expect(store.peek('work-dlq', 10).map((m) => m.messageId)).toEqual([messageId]);
  });

  it('waits up to the batching window to fill a batch, and no longer once it is full', async () => {
    const timers = manualTimers();
    const store = setup(new FakeClock(), { batchSize: 5, window: 0.6 });
    const { events, handler } = recorder();
    const poller = new QueuePoller({ store, queue: 'work', handler, idlePollMs: 50, timers });

    store.sendBatch('work', [{ body: 'a' }, { body: 'b' }]);
    const partial = settled(poller.pollOnce());
    await timers.advance(550);
    expect(partial.done).toBe(false); // still inside the 600 ms window
    await timers.advance(50);
    expect(partial.done).toBe(true);
    expect(await partial.value).toEqual({ received: 2, failed: 0 });
    expect(events[0]!.Records.map((r) => r.body)).toEqual(['a', 'b']);

    store.sendBatch('work', [{ body: 'c' }, { body: 'd' }]);
    const start = timers.now();
    const filling = settled(poller.pollOnce());
    await timers.advance(50);
    expect(filling.done).toBe(false);
    store.sendBatch('work', [{ body: 'e' }, { body: 'f' }, { body: 'g' }, { body: 'h' }]);
    await turnsUntil(timers, () => filling.done);
    expect(events[1]!.Records.map((r) => r.body)).toEqual(['c', 'd', 'e', 'f', 'g']);
    expect(timers.now() - start).toBe(50); // filled by the send, long before the window ended
    expect(timers.pending()).toEqual([]);

    // 'h' is left over: a partial batch goes at once when the window is not awaited (drain).
    expect(await poller.pollOnce({ waitForBatchingWindow: false })).toEqual({ received: 1, failed: 0 });
    expect(timers.now() - start).toBe(50);
  });

  it('runs until stopped, wakes on a send at once, and finishes the batch in flight on stop', async () => {
    const timers = manualTimers();
    const store = setup(new FakeClock());
    let release: () => void = () => {};
    const started: string[] = [];
    const done: string[] = [];
    const poller = new QueuePoller({
      store,
      queue: 'work',
      idlePollMs: 10_000,
      timers,
      handler: async (e) => {
        started.push(...e.Records.map((r) => r.body));
        if (e.Records.some((r) => r.body === 'slow')) await new Promise<void>((r) => (release = r));
        done.push(...e.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      },
    });
    poller.start();
    await timers.advance(0);
    expect(timers.pending()).toEqual([10_000]); // the loop is idle, sleeping 10 s
    store.send('work', 'fast');
    await turnsUntil(timers, () => done.includes('fast'));
    expect(timers.now()).toBe(0); // woken by the send, not by the idle sleep

    store.send('work', 'slow');
    await turnsUntil(timers, () => started.includes('slow'));
    const stopped = settled(poller.stop());
    await timers.advance(0);
    expect(stopped.done).toBe(false);
    expect(done).not.toContain('slow');
    release();
    await stopped.value;
    expect(done).toContain('slow');
    expect(poller.running).toBe(false);
    expect(store.stats('work')).toMatchObject({ visible: 0, inFlight: 0 });
  });

  it('wakes on notify() for sends from another connection', async () => {
    const timers = manualTimers();
    const clock = new FakeClock();
    const store = setup(clock);
    const otherProcess = new SqliteQueueStore(tmp.open(), clock);
    const { events, handler } = recorder();
    const poller = new QueuePoller({ store, queue: 'work', handler, idlePollMs: 10_000, timers });
    poller.start();
    await timers.advance(0);
    otherProcess.send('work', 'x');
    await timers.advance(0);
    expect(events).toHaveLength(0); // no send notification crosses connections
    poller.notify();
    await turnsUntil(timers, () => events.length > 0);
    await poller.close();
    expect(events[0]!.Records[0]!.body).toBe('x');
    expect(timers.now()).toBe(0);
  });
});
