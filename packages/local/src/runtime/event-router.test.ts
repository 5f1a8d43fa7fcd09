import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BusName, type QueueName, queueNames, rules, type TopologyContext } from '@ohlcv/core';
import { eventCatalog } from '@ohlcv/events';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLog } from './event-log.ts';
import { EventRouter, type QueueWriter } from './event-router.ts';
import { type RuntimeKit, runtimeKit } from './testing/runtime-kit.ts';

const samplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../events/samples');
// The names the samples use for our bucket and job.
const ctx: TopologyContext = { bucketName: 'ohlcv-lake', etlJobName: 'ohlcv-etl' };

type Envelope = Record<string, unknown> & { 'detail-type': string; detail: Record<string, unknown> };
const sample = (file: string): Envelope =>
  JSON.parse(fs.readFileSync(path.join(samplesDir, file), 'utf8')) as Envelope;
const busOf = (e: Envelope): BusName => {
  const entry = eventCatalog.find((c) => c.detailType === e['detail-type']);
  if (!entry) throw new Error(`no catalog entry for ${e['detail-type']}`);
  return entry.bus;
};

/** Every sample, the succeeded Glue sample renamed to our job, and where each must go. */
const expected: [name: string, event: Envelope, queues: QueueName[]][] = [
  ...fs
    .readdirSync(samplesDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f): [string, Envelope, QueueName[]] => {
      const routes: Record<string, QueueName[]> = {
        'object-created.raw-drop.json': ['etl-trigger'],
        'glue-job-state-change.failed.json': ['quality-alert'],
        'glue-job-state-change.timeout.json': ['quality-alert'],
        // No rule: the job evaluates sql/quality itself; nothing publishes Glue DQ results.
        'data-quality-evaluation-results-available.json': [],
        'data-quality-evaluation-results-available.glue-job.json': [],
        'ingestion-batch-failed.json': ['quality-alert'],
      };
      const event = sample(f);
      if (f === 'etl-run-completed.json') {
        // Routed to quality-alert exactly when it quarantined rows.
        const quarantined = Number(event.detail.rowsQuarantined) > 0;
        return [f, event, quarantined ? ['quality-alert'] : []];
      }
      return [f, event, routes[f] ?? []];
    }),
  [
    'glue-job-state-change.json as ohlcv-etl',
    ((e) => ({ ...e, detail: { ...e.detail, jobName: 'ohlcv-etl' } }))(sample('glue-job-state-change.json')),
    ['catalog-sync'],
  ],
  [
    'etl-run-completed.json with 0 quarantined',
    ((e) => ({ ...e, detail: { ...e.detail, rowsQuarantined: 0 } }))(sample('etl-run-completed.json')),
    [],
  ],
  [
    'etl-run-completed.json with 3 quarantined',
    ((e) => ({ ...e, detail: { ...e.detail, rowsQuarantined: 3 } }))(sample('etl-run-completed.json')),
    ['quality-alert'],
  ],
  [
    'object-created.raw-drop.json outside raw/',
    ((e) => ({
      ...e,
      detail: { ...e.detail, object: { ...(e.detail.object as object), key: 'processed/x.parquet' } },
    }))(sample('object-created.raw-drop.json')),
    [],
  ],
];

describe('EventRouter', () => {
  const kits: RuntimeKit[] = [];
  afterEach(() => {
    for (const k of kits.splice(0)) k.cleanup();
  });
  const open = (): RuntimeKit => {
    const kit = runtimeKit();
    kits.push(kit);
    return kit;
  };

  it('has samples for every catalog event', () => {
    expect(expected.length).toBeGreaterThanOrEqual(eventCatalog.length);
  });

  it.each(
    expected.map(([name, event, queues]) => [name, queues.join(' + ') || 'no queue', event, queues] as const),
  )('routes %s to %s and nowhere else', (_name, _label, event, queues) => {
    const kit = open();
    const router = new EventRouter(kit.db, kit.queues, kit.log, ctx);
    const bus = busOf(event);
    expect(router.targets(bus, event)).toEqual(queues);
    // The other bus never matches: rules are per bus.
    expect(router.targets(bus === 'default' ? 'pipeline' : 'default', event)).toEqual([]);
    router.deliver(bus, [event]);
    for (const q of queueNames) {
      expect(kit.messages(q)).toEqual(queues.includes(q) ? [event] : []);
    }
    expect(kit.log.last(5).map((e) => [e.bus, e.detailType, e.routedTo])).toEqual([
      [bus, event['detail-type'], queues],
    ]);
  });

  it('every topology rule is exercised by at least one sample', () => {
    const kit = open();
    for (const rule of rules) {
      const only = new EventRouter(kit.db, kit.queues, kit.log, ctx, [rule]);
      const hits = expected.filter(([, e]) => only.targets(busOf(e), e).length > 0).map(([n]) => n);
      expect(hits, rule.name).not.toEqual([]);
    }
  });

  it('an event and its sends commit atomically: a failing send leaves nothing logged or sent', () => {
    const kit = open();
    kit.db.exec('CREATE TABLE side (v TEXT)');
    let sends = 0;
    const failing: QueueWriter = {
      send: (queue, body) => {
        if (++sends === 2) throw new Error('disk full');
        return kit.queues.send(queue, body);
      },
    };
    const router = new EventRouter(kit.db, failing, kit.log, ctx);
    let notified = 0;
    router.onDelivered(() => notified++);
    const drop = sample('object-created.raw-drop.json');
    const second = { ...drop, id: 'second' };
    expect(() =>
      router.deliver('default', [drop, second], () => kit.db.prepare("INSERT INTO side VALUES ('x')").run()),
    ).toThrow('disk full');
    expect(sends).toBe(2);
    expect(kit.log.lastSeq()).toBe(0);
    expect(kit.messages('etl-trigger')).toEqual([]);
    expect(kit.db.prepare('SELECT COUNT(*) AS n FROM side').get()).toEqual({ n: 0 });
    expect(notified).toBe(0);

    // The same router delivers fine once the writer does.
    router.deliver('default', [drop]);
    expect(kit.messages('etl-trigger')).toEqual([drop]);
    expect(notified).toBe(1);
  });

  it('a throwing alsoInTransaction delivers nothing', () => {
    const kit = open();
    const router = new EventRouter(kit.db, kit.queues, kit.log, ctx);
    expect(() =>
      router.deliver('default', [sample('object-created.raw-drop.json')], () => {
        throw new Error('already announced');
      }),
    ).toThrow('already announced');
    expect(kit.messages('etl-trigger')).toEqual([]);
    expect(kit.log.lastSeq()).toBe(0);
  });

  it('onDelivered: called after commit with each touched queue once; not for unrouted events; unsubscribes', () => {
    const kit = open();
    const router = new EventRouter(kit.db, kit.queues, kit.log, ctx);
    const calls: (readonly QueueName[])[] = [];
    const seenCommitted: number[] = [];
    const off = router.onDelivered((qs) => {
      calls.push(qs);
      seenCommitted.push(kit.reopen().messages('etl-trigger').length);
    });
    const drop = sample('object-created.raw-drop.json');
    const failed = sample('glue-job-state-change.failed.json');
    router.deliver('default', [drop, { ...drop, id: 'b' }, failed]);
    expect(calls).toEqual([['etl-trigger', 'quality-alert']]);
    // Another connection already sees the messages: the listener runs after the commit.
    expect(seenCommitted).toEqual([2]);
    router.deliver('default', [sample('object-created.json')]);
    expect(calls).toHaveLength(1);
    off();
    router.deliver('default', [drop]);
    expect(calls).toHaveLength(1);
    expect(kit.log.lastSeq()).toBe(5);
  });
});

describe('EventLog', () => {
  let kit: RuntimeKit | undefined;
  afterEach(() => kit?.cleanup());

  const envelope = (i: number, detailType = 'ETL Run Requested') => ({
    source: 'ohlcv.etl-trigger',
    'detail-type': detailType,
    time: `2026-01-02T03:04:${String(i % 60).padStart(2, '0')}Z`,
    detail: { i },
  });

  it('tail (last), after, lastSeq and counts read back what was appended, in order', () => {
    kit = runtimeKit();
    const log = new EventLog(kit.db);
    expect(log.lastSeq()).toBe(0);
    expect(log.last(5)).toEqual([]);
    for (let i = 1; i <= 7; i++)
      log.append('pipeline', envelope(i, i % 2 ? 'A' : 'B'), i === 3 ? ['quality-alert'] : [], `t${i}`);
    expect(log.lastSeq()).toBe(7);
    expect(log.last(3).map((e) => e.seq)).toEqual([5, 6, 7]);
    expect(log.after(2, 3).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(log.after(7)).toEqual([]);
    expect(log.after(2, 1)[0]).toEqual({
      seq: 3,
      at: 't3',
      bus: 'pipeline',
      source: 'ohlcv.etl-trigger',
      detailType: 'A',
      routedTo: ['quality-alert'],
      envelope: envelope(3, 'A'),
    });
    expect(log.countsByDetailType()).toEqual({ A: 4, B: 3 });
    // Another process (connection) reads the same log.
    expect(new EventLog(kit.reopen().db).last(1)[0]?.seq).toBe(7);
  });

  it('prunes to the newest `keep` events every 1000 appends, and on demand', () => {
    kit = runtimeKit();
    const log = new EventLog(kit.db, 10);
    const insert = kit.db.transaction(() => {
      for (let i = 1; i <= 999; i++) log.append('default', envelope(i), [], 'now');
    });
    insert();
    expect(log.last(2000)).toHaveLength(999);
    log.append('default', envelope(1000), [], 'now');
    const kept = log.last(2000).map((e) => e.seq);
    expect(kept).toEqual([991, 992, 993, 994, 995, 996, 997, 998, 999, 1000]);
    log.append('default', envelope(1001), [], 'now');
    expect(log.prune(3)).toBe(8);
    expect(log.last(100).map((e) => e.seq)).toEqual([999, 1000, 1001]);
    // Sequence numbers never go back after a prune.
    log.append('default', envelope(1002), [], 'now');
    expect(log.lastSeq()).toBe(1002);
  });
});
