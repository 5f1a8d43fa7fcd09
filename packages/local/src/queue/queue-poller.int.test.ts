import { createHash } from 'node:crypto';
import type { SqsBatchResponse, SqsEvent } from '@ohlcv/core';
import { systemClock } from '@ohlcv/core';
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    const store = setup(systemClock, { batchSize: 5, window: 0.6 });
    const { events, handler } = recorder();
    const poller = new QueuePoller({ store, queue: 'work', handler, idlePollMs: 50 });

    store.sendBatch('work', [{ body: 'a' }, { body: 'b' }]);
    let t0 = performance.now();
    await poller.pollOnce();
    const partialMs = performance.now() - t0;
    expect(events[0]!.Records.map((r) => r.body)).toEqual(['a', 'b']);
    expect(partialMs).toBeGreaterThanOrEqual(590);

    store.sendBatch('work', [{ body: 'c' }, { body: 'd' }]);
    t0 = performance.now();
    const filling = poller.pollOnce();
    await sleep(50);
    store.sendBatch('work', [{ body: 'e' }, { body: 'f' }, { body: 'g' }, { body: 'h' }]);
    await filling;
    const fullMs = performance.now() - t0;
    expect(events[1]!.Records.map((r) => r.body)).toEqual(['c', 'd', 'e', 'f', 'g']);
    expect(fullMs).toBeLessThan(550); // filled before the 600 ms window ended

    t0 = performance.now();
    // 'h' is left over: a partial batch goes at once when the window is not awaited (drain).
    expect(await poller.pollOnce({ waitForBatchingWindow: false })).toEqual({ received: 1, failed: 0 });
    expect(performance.now() - t0).toBeLessThan(550);
  });

  it('runs until stopped, wakes on a send at once, and finishes the batch in flight on stop', async () => {
    const store = setup(systemClock);
    let release: () => void = () => {};
    const started: string[] = [];
    const done: string[] = [];
    const poller = new QueuePoller({
      store,
      queue: 'work',
      idlePollMs: 10_000,
      handler: async (e) => {
        started.push(...e.Records.map((r) => r.body));
        if (e.Records.some((r) => r.body === 'slow')) await new Promise<void>((r) => (release = r));
        done.push(...e.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      },
    });
    poller.start();
    await sleep(20); // the loop is now idle, sleeping up to 10 s
    const t0 = performance.now();
    store.send('work', 'fast');
    while (!done.includes('fast')) await sleep(2);
    expect(performance.now() - t0).toBeLessThan(2000); // the idle sleep was 10 s

    store.send('work', 'slow');
    while (!started.includes('slow')) await sleep(2);
    const stopped = poller.stop();
    await sleep(20);
    expect(done).not.toContain('slow');
    release();
    await stopped;
    expect(done).toContain('slow');
    expect(poller.running).toBe(false);
    expect(store.stats('work')).toMatchObject({ visible: 0, inFlight: 0 });
  });

  it('wakes on notify() for sends from another connection', async () => {
    const store = setup(systemClock);
    const otherProcess = new SqliteQueueStore(tmp.open(), systemClock);
    const { events, handler } = recorder();
    const poller = new QueuePoller({ store, queue: 'work', handler, idlePollMs: 10_000 });
    poller.start();
    await sleep(20);
    otherProcess.send('work', 'x');
    await sleep(50);
    expect(events).toHaveLength(0); // no send notification crosses connections
    poller.notify();
    while (events.length === 0) await sleep(2);
    await poller.close();
    expect(events[0]!.Records[0]!.body).toBe('x');
  });
});
