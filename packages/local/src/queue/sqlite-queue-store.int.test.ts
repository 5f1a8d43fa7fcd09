import { createHash } from 'node:crypto';
import { DLQ_RETENTION_SECONDS, dlqName, queues } from '@ohlcv/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STATE_DB_BUSY_TIMEOUT_MS } from '../state-db.ts';
import { SqliteQueueStore } from './sqlite-queue-store.ts';
import { FakeClock, tempDb } from './testing/temp-db.ts';
import { ensureTopologyQueues } from './topology-queues.ts';

let tmp: ReturnType<typeof tempDb>;
let clock: FakeClock;
let store: SqliteQueueStore;

beforeEach(() => {
  tmp = tempDb();
  clock = new FakeClock();
  store = new SqliteQueueStore(tmp.open(), clock);
  store.ensureQueue('work', {
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 3,
    retentionSeconds: 3600,
    dlqName: 'work-dlq',
    batchSize: 10,
    maxBatchingWindowSeconds: 1,
  });
});
afterEach(() => tmp.cleanup());

describe('SqliteQueueStore', () => {
  it('configures the connection for WAL and durable-enough commits', () => {
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(STATE_DB_BUSY_TIMEOUT_MS);
  });

  it('creates queues idempotently, with the DLQ, and updates settings', () => {
    store.ensureQueue('work', {
      visibilityTimeoutSeconds: 60,
      maxReceiveCount: 3,
      retentionSeconds: 3600,
      dlqName: 'work-dlq',
    });
    expect(store.listQueues().map((q) => q.name)).toEqual(['work', 'work-dlq']);
    expect(store.getQueue('work')).toMatchObject({ visibilityTimeoutSeconds: 60, dlqName: 'work-dlq' });
    expect(store.getQueue('work-dlq')).toMatchObject({
      retentionSeconds: DLQ_RETENTION_SECONDS,
      maxReceiveCount: null,
      dlqName: null,
    });
    expect(() => store.ensureQueue('bad name', { visibilityTimeoutSeconds: 1, retentionSeconds: 1 })).toThrow(
      /invalid queue name/,
    );
  });

  it('builds every topology queue with its DLQ', () => {
    ensureTopologyQueues(store);
    const names = store.listQueues().map((q) => q.name);
    for (const q of Object.keys(queues) as (keyof typeof queues)[]) {
      expect(names).toContain(q);
      expect(names).toContain(dlqName(q));
      expect(store.getQueue(q)).toMatchObject({
        dlqName: dlqName(q),
        maxReceiveCount: queues[q].maxReceiveCount,
        batchSize: queues[q].batchSize,
        maxBatchingWindowSeconds: queues[q].maxBatchingWindowSeconds,
      });
    }
  });

  it('sends and receives with SQS attributes, md5 and message attributes', () => {
    const sentAt = clock.ms;
    const { messageId } = store.send('work', 'hello', {
      messageAttributes: { kind: { dataType: 'String', stringValue: 'demo' } },
    });
    clock.advance(2);
    const [m] = store.receive('work');
    expect(m).toBeDefined();
    expect(m!.messageId).toBe(messageId);
    expect(m!.body).toBe('hello');
    expect(m!.md5OfBody).toBe(createHash('md5').update('hello').digest('hex'));
    expect(m!.attributes).toEqual({
      ApproximateReceiveCount: '1',
      SentTimestamp: String(sentAt),
      SenderId: '000000000000',
      ApproximateFirstReceiveTimestamp: String(sentAt + 2000),
    });
    expect(m!.messageAttributes).toEqual({
      kind: { dataType: 'String', stringValue: 'demo', stringListValues: [], binaryListValues: [] },
    });
  });

  it('rejects unknown queues and bad parameters with stable codes', () => {
    expect(() => store.send('nope', 'x')).toThrow(expect.objectContaining({ code: 'UnknownQueue' }));
    expect(() => store.send('work', '')).toThrow(expect.objectContaining({ code: 'InvalidParameterValue' }));
    expect(() => store.send('work', 'x', { delaySeconds: 901 })).toThrow(/delaySeconds/);
    expect(() => store.receive('work', { maxMessages: 0 })).toThrow(/maxMessages/);
    expect(() => store.receive('work', { maxMessages: 10_001 })).toThrow(/maxMessages/);
    expect(() => store.deleteMessage('work', 'garbage')).toThrow(
      expect.objectContaining({ code: 'ReceiptHandleIsInvalid' }),
    );
  });

  it('hides a received message for the visibility timeout, then redelivers with a new handle', () => {
    store.send('work', 'a');
    const [first] = store.receive('work');
    expect(store.receive('work')).toEqual([]);
    expect(store.stats('work')).toMatchObject({ visible: 0, inFlight: 1, delayed: 0 });
    clock.advance(29.999);
    expect(store.receive('work')).toEqual([]);
    clock.advance(0.001);
    const [second] = store.receive('work');
    expect(second!.messageId).toBe(first!.messageId);
    expect(second!.receiptHandle).not.toBe(first!.receiptHandle);
    expect(second!.attributes.ApproximateReceiveCount).toBe('2');
    expect(second!.attributes.ApproximateFirstReceiveTimestamp).toBe(
      first!.attributes.ApproximateFirstReceiveTimestamp,
    );
  });

  it('honours a per-receive visibility timeout and changeVisibility', () => {
    store.send('work', 'a');
    const [m] = store.receive('work', { visibilityTimeoutSeconds: 5 });
    clock.advance(4);
    store.changeVisibility('work', m!.receiptHandle, 10);
    clock.advance(9);
    expect(store.receive('work')).toEqual([]);
    clock.advance(1);
    const [again] = store.receive('work');
    expect(again!.attributes.ApproximateReceiveCount).toBe('2');
    store.changeVisibility('work', again!.receiptHandle, 0);
    expect(store.stats('work').visible).toBe(1);
  });

  it('does not let a stale receipt handle delete or extend a re-received message', () => {
    const { messageId } = store.send('work', 'a');
    const [first] = store.receive('work');
    clock.advance(30);
    const [second] = store.receive('work');
    expect(store.deleteMessage('work', first!.receiptHandle)).toBe(false);
    expect(() => store.changeVisibility('work', first!.receiptHandle, 100)).toThrow(
      expect.objectContaining({ code: 'ReceiptHandleIsInvalid' }),
    );
    expect(store.peek('work', 10).map((p) => p.messageId)).toEqual([messageId]);
    expect(store.deleteMessage('work', second!.receiptHandle)).toBe(true);
    expect(store.deleteMessage('work', second!.receiptHandle)).toBe(false);
    expect(store.peek('work', 10)).toEqual([]);
  });

  it('ignores a handle used on another queue and a handle from before a move to the DLQ', () => {
    store.ensureQueue('other', { visibilityTimeoutSeconds: 30, retentionSeconds: 3600 });
    store.send('work', 'a');
    const [m] = store.receive('work');
    expect(store.deleteMessage('other', m!.receiptHandle)).toBe(false);
    for (let i = 0; i < 3; i++) {
      clock.advance(30);
      store.receive('work');
    }
    clock.advance(30);
    expect(store.receive('work')).toEqual([]); // moved to the DLQ
    expect(store.deleteMessage('work', m!.receiptHandle)).toBe(false);
    expect(store.deleteMessage('work-dlq', m!.receiptHandle)).toBe(false);
    expect(store.stats('work-dlq').visible).toBe(1);
  });

  it('lets the latest handle delete after its visibility ran out if nobody re-received it', () => {
    store.send('work', 'a');
    const [m] = store.receive('work');
    clock.advance(60);
    expect(() => store.changeVisibility('work', m!.receiptHandle, 10)).toThrow(
      expect.objectContaining({ code: 'MessageNotInflight' }),
    );
    expect(store.deleteMessage('work', m!.receiptHandle)).toBe(true);
    expect(store.stats('work').visible).toBe(0);
  });

  it('delays a message and counts it as delayed until then', () => {
    store.send('work', 'later', { delaySeconds: 10 });
    store.send('work', 'now');
    expect(store.stats('work')).toMatchObject({ visible: 1, delayed: 1, inFlight: 0 });
    expect(store.receive('work', { maxMessages: 10 }).map((m) => m.body)).toEqual(['now']);
    clock.advance(9);
    expect(store.receive('work', { maxMessages: 10 })).toEqual([]);
    clock.advance(1);
    expect(store.receive('work', { maxMessages: 10 }).map((m) => m.body)).toEqual(['later']);
  });

  it('moves a message to the DLQ instead of a receive past maxReceiveCount, keeping it intact', () => {
    const sentAt = clock.ms;
    const { messageId } = store.send('work', 'poison', {
      messageAttributes: { n: { dataType: 'Number', stringValue: '7' } },
    });
    for (let i = 1; i <= 3; i++) {
      const got = store.receive('work', { maxMessages: 10 }).filter((m) => m.messageId === messageId);
      expect(got.map((m) => m.attributes.ApproximateReceiveCount)).toEqual([String(i)]);
      clock.advance(30);
    }
    store.send('work', 'fine');
    // The 4th receive would exceed maxReceiveCount=3: the message goes to the DLQ instead.
    const fourth = store.receive('work', { maxMessages: 10 });
    expect(fourth.map((m) => m.body)).toEqual(['fine']);
    expect(store.stats('work-dlq').visible).toBe(1);
    const [peeked] = store.peek('work-dlq', 10);
    expect(peeked).toMatchObject({ messageId, body: 'poison', receiveCount: 3, sourceQueue: 'work' });
    expect(peeked!.sentAt.getTime()).toBe(sentAt);
    // peek changes nothing
    expect(store.peek('work-dlq', 10)[0]!.receiveCount).toBe(3);
    const [fromDlq] = store.receive('work-dlq');
    expect(fromDlq!.attributes.DeadLetterQueueSourceArn).toBe('arn:aws:sqs:local:000000000000:work');
    expect(fromDlq!.attributes.SentTimestamp).toBe(String(sentAt));
    expect(fromDlq!.messageAttributes.n?.stringValue).toBe('7');
  });

  it('fills the batch with other messages when some move to the DLQ', () => {
    store.send('work', 'poison');
    for (let i = 0; i < 3; i++) {
      store.receive('work');
      clock.advance(30);
    }
    store.send('work', 'b');
    store.send('work', 'c');
    const got = store.receive('work', { maxMessages: 2 });
    expect(got.map((m) => m.body)).toEqual(['b', 'c']);
    expect(store.stats('work-dlq').visible).toBe(1);
  });

  it('redrives DLQ messages to their source with the receive count reset', () => {
    const { messageId } = store.send('work', 'poison');
    for (let i = 0; i < 4; i++) {
      store.receive('work');
      clock.advance(30);
    }
    store.send('work-dlq', 'orphan'); // sent straight to the DLQ: source inferred from the redrive policy
    expect(store.stats('work-dlq').visible).toBe(2);
    const result = store.redrive('work-dlq');
    expect(result).toEqual({ moved: 2, skipped: 0, byQueue: { work: 2 } });
    expect(store.stats('work-dlq').visible).toBe(0);
    const got = store.receive('work', { maxMessages: 10 });
    expect(got.map((m) => m.body).sort()).toEqual(['orphan', 'poison']);
    const poison = got.find((m) => m.messageId === messageId)!;
    expect(poison.attributes.ApproximateReceiveCount).toBe('1');
    expect(poison.attributes.DeadLetterQueueSourceArn).toBeUndefined();
  });

  it('redrives at most maxMessages, and to another queue on request', () => {
    store.ensureQueue('other', { visibilityTimeoutSeconds: 30, retentionSeconds: 3600 });
    for (const b of ['1', '2', '3']) store.send('work-dlq', b);
    expect(store.redrive('work-dlq', { toQueue: 'other', maxMessages: 2 })).toEqual({
      moved: 2,
      skipped: 0,
      byQueue: { other: 2 },
    });
    expect(store.peek('other', 10).map((m) => m.body)).toEqual(['1', '2']);
    expect(store.peek('work-dlq', 10).map((m) => m.body)).toEqual(['3']);
  });

  it('sends batches and multi-queue sends atomically, also inside a caller transaction', () => {
    store.ensureQueue('other', { visibilityTimeoutSeconds: 30, retentionSeconds: 3600 });
    expect(store.sendBatch('work', [{ body: 'a' }, { body: 'b', delaySeconds: 5 }])).toHaveLength(2);
    expect(() => store.sendBatch('work', [{ body: 'c' }, { body: '' }])).toThrow();
    expect(store.stats('work')).toMatchObject({ visible: 1, delayed: 1 });

    const db = store.db;
    db.exec('CREATE TABLE caller_log (x TEXT)');
    const deliver = db.transaction((fail: boolean) => {
      db.prepare('INSERT INTO caller_log VALUES (?)').run('event');
      store.sendMany([
        { queue: 'work', body: 'w' },
        { queue: 'other', body: 'o' },
      ]);
      if (fail) throw new Error('boom');
    });
    expect(() => deliver(true)).toThrow('boom');
    expect(store.stats('other').visible).toBe(0);
    expect(db.prepare('SELECT count(*) AS n FROM caller_log').get()).toEqual({ n: 0 });
    deliver(false);
    expect(store.stats('other').visible).toBe(1);
    expect(store.stats('work').visible).toBe(2);
  });

  it('reports stats and the age of the oldest message', () => {
    store.send('work', 'a');
    clock.advance(5);
    store.send('work', 'b');
    store.receive('work');
    clock.advance(5);
    expect(store.stats('work')).toEqual({ visible: 1, inFlight: 1, delayed: 0, oldestAgeSeconds: 10 });
  });

  it('drops messages past retention and purges on request', () => {
    store.send('work', 'old');
    clock.advance(3000);
    store.send('work', 'new');
    clock.advance(600);
    expect(store.receive('work', { maxMessages: 10 }).map((m) => m.body)).toEqual(['new']);
    expect(store.sweepExpired()).toBe(1);
    expect(store.peek('work', 10).map((m) => m.body)).toEqual(['new']);
    expect(store.purge('work')).toBe(1);
    expect(store.stats('work')).toEqual({ visible: 0, inFlight: 0, delayed: 0, oldestAgeSeconds: 0 });
  });

  it('keeps state across reopen', () => {
    store.send('work', 'persisted');
    const [m] = store.receive('work');
    store.db.close();
    const reopened = new SqliteQueueStore(tmp.open(), clock);
    expect(reopened.stats('work')).toMatchObject({ inFlight: 1 });
    expect(reopened.deleteMessage('work', m!.receiptHandle)).toBe(true);
  });

  it('never hands the same message to two store instances on one file', () => {
    const other = new SqliteQueueStore(tmp.open(), clock);
    store.sendBatch(
      'work',
      Array.from({ length: 200 }, (_, i) => ({ body: `m${i}` })),
    );
    const seen: string[] = [];
    for (let round = 0; round < 40; round++) {
      for (const s of [store, other]) seen.push(...s.receive('work', { maxMessages: 3 }).map((m) => m.body));
    }
    expect(seen).toHaveLength(200);
    expect(new Set(seen).size).toBe(200);
  });

  it('receives a large Lambda-sized batch in one call', () => {
    store.sendBatch(
      'work',
      Array.from({ length: 2500 }, (_, i) => ({ body: String(i) })),
    );
    const got = store.receive('work', { maxMessages: 10_000 });
    expect(got).toHaveLength(2500);
    expect(got[0]!.body).toBe('0');
    expect(got[2499]!.body).toBe('2499');
  });
});
