/**
 * Event fabric: events routed by the topology rules into durable SQLite queues and
 * delivered to a handler in Lambda's SQS shape, per second; and drop-to-handler latency
 * (object put -> `Object Created` -> rule -> queue -> poller -> handler).
 * Baseline, same process: the bare SQLite work a durable queue cannot avoid (insert
 * each message, then select and delete it), so the ratio shows the fabric's overhead.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ETL_JOB_NAME, type SqsEvent, silentLogger, systemClock } from '@ohlcv/core';
import { buildS3ObjectCreatedEvent } from '@ohlcv/events';
import {
  EventLog,
  EventRouter,
  ensureTopologyQueues,
  FsObjectStore,
  openStateDb,
  QueuePoller,
  RawZone,
  SqliteQueueStore,
} from '@ohlcv/local';
import type { BenchResult } from './run.ts';

const EVENTS = Number(process.env.BENCH_FABRIC_EVENTS ?? 20_000);
const LATENCY_SAMPLES = Number(process.env.BENCH_FABRIC_LATENCY_SAMPLES ?? 50);

function setup(dir: string) {
  const db = openStateDb(path.join(dir, 'state.db'));
  const queues = new SqliteQueueStore(db, systemClock);
  ensureTopologyQueues(queues);
  const log = new EventLog(db);
  const router = new EventRouter(db, queues, log, { bucketName: 'bench', etlJobName: ETL_JOB_NAME });
  return { db, queues, log, router };
}

const envelope = (i: number) =>
  buildS3ObjectCreatedEvent({
    id: `id-${i}`,
    time: new Date(),
    bucket: 'bench',
    key: `raw/bench/file-${i}.csv`,
    size: 100,
    etag: `etag${i}`,
    sequencer: i.toString(16),
  }) as unknown as Record<string, unknown>;

async function throughput(dir: string): Promise<number> {
  const { db, queues, router } = setup(dir);
  let handled = 0;
  const poller = new QueuePoller({
    store: queues,
    queue: 'etl-trigger',
    handler: async (e: SqsEvent) => {
      handled += e.Records.length;
      return { batchItemFailures: [] };
    },
    logger: silentLogger,
  });
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i += 10) {
    // PutEvents takes at most 10 entries: route them the same way.
    router.deliver(
      'default',
      Array.from({ length: Math.min(10, EVENTS - i) }, (_, j) => envelope(i + j)),
    );
  }
  while (handled < EVENTS) {
    const r = await poller.pollOnce({ waitForBatchingWindow: false });
    if (r.received === 0) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  if (handled !== EVENTS) throw new Error(`fabric bench: handled ${handled} of ${EVENTS}`);
  return EVENTS / seconds;
}

function baseline(dir: string): number {
  const { db } = setup(dir);
  db.exec('CREATE TABLE bare (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const ins = db.prepare('INSERT INTO bare (body) VALUES (?)');
  const sel = db.prepare('SELECT id, body FROM bare ORDER BY id LIMIT 100');
  const del = db.prepare('DELETE FROM bare WHERE id = ?');
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i += 10) {
    db.transaction(() => {
      for (let j = i; j < Math.min(i + 10, EVENTS); j++) ins.run(JSON.stringify(envelope(j)));
    })();
  }
  for (;;) {
    const rows = sel.all() as { id: number }[];
    if (rows.length === 0) break;
    db.transaction(() => {
      for (const r of rows) del.run(r.id);
    })();
  }
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return EVENTS / seconds;
}

async function latency(
  dir: string,
  windowSeconds: number,
  samples: number,
): Promise<{ p50: number; p95: number }> {
  const { db, queues, router } = setup(dir);
  const lake = path.join(dir, 'lake');
  const raw = new RawZone({
    db,
    lakeRoot: lake,
    bucketName: 'bench',
    router,
    clock: systemClock,
    ids: { next: () => crypto.randomUUID() },
    logger: silentLogger,
  });
  const store = new FsObjectStore(lake, { onPut: (info) => void raw.tryAnnounce(info) });
  const seen = new Map<string, number>();
  const poller = new QueuePoller({
    store: queues,
    queue: 'etl-trigger',
    maxBatchingWindowSeconds: windowSeconds,
    handler: async (e: SqsEvent) => {
      const now = performance.now();
      for (const r of e.Records)
        seen.set((JSON.parse(r.body) as { detail: { object: { key: string } } }).detail.object.key, now);
      return { batchItemFailures: [] };
    },
    logger: silentLogger,
  });
  router.onDelivered(() => poller.notify());
  poller.start();
  const lat: number[] = [];
  for (let i = 0; i < samples; i++) {
    const key = `raw/bench/latency-${windowSeconds}-${i}.csv`;
    const t0 = performance.now();
    await store.put(key, 'symbol,interval,timestamp,open,high,low,close,volume\n');
    while (!seen.has(key)) await new Promise((r) => setImmediate(r));
    lat.push(seen.get(key)! - t0);
  }
  await poller.stop();
  db.close();
  lat.sort((a, b) => a - b);
  return { p50: lat[Math.floor(lat.length / 2)]!, p95: lat[Math.floor(lat.length * 0.95)]! };
}

export async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-bench-fabric-'));
  try {
    const base = baseline(path.join(dir, 'b'));
    const fabric = await throughput(path.join(dir, 'f'));
    const l0 = await latency(path.join(dir, 'l0'), 0, LATENCY_SAMPLES);
    return [
      {
        name: 'events routed+delivered (durable)',
        value: fabric,
        unit: 'events/s',
        note: `${EVENTS} S3 events, PutEvents-sized batches, handler batches of 100`,
      },
      {
        name: 'baseline: bare SQLite insert+select+delete',
        value: base,
        unit: 'msgs/s',
        note: 'same payloads, same DB settings',
      },
      { name: 'fabric / baseline', value: fabric / base, unit: 'ratio' },
      {
        name: 'drop-to-handler latency p50 (window 0)',
        value: l0.p50,
        unit: 'ms',
        note: 'put -> Object Created -> rule -> queue -> handler',
      },
      {
        name: 'drop-to-handler latency p95 (window 0)',
        value: l0.p95,
        unit: 'ms',
        note: "the topology adds etl-trigger's batching window (10 s) on top, by design",
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
