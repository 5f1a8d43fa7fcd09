/** Throughput of the durable queue on a temp database; `pnpm bench` reports it. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { StatePragmas } from '../state-db.ts';
import { QueuePoller } from './queue-poller.ts';
import { SqliteQueueStore } from './sqlite-queue-store.ts';

export interface QueueBenchOptions {
  messages: number;
  /** Messages per receive + delete round (a Lambda batch). Default 10. */
  batchSize?: number;
  synchronous?: StatePragmas['synchronous'];
}

export interface QueueBenchResult {
  messages: number;
  batchSize: number;
  synchronous: 'NORMAL' | 'FULL';
  /** One message per `send` call, each its own durable commit. */
  sendPerSec: number;
  /** One receive and one batched delete (two commits) per `batchSize` messages. */
  receiveDeletePerSec: number;
}

export function benchQueue(opts: QueueBenchOptions): QueueBenchResult {
  const batchSize = opts.batchSize ?? 10;
  const synchronous = opts.synchronous ?? 'NORMAL';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-queue-bench-'));
  const db = new Database(path.join(dir, 'bench.db'));
  try {
    const store = new SqliteQueueStore(db, undefined, { pragmas: { synchronous } });
    store.ensureQueue('bench', {
      visibilityTimeoutSeconds: 300,
      maxReceiveCount: 5,
      retentionSeconds: 3600,
      dlqName: 'bench-dlq',
    });
    const body = JSON.stringify({ source: 'aws.s3', detail: { object: { key: 'raw/bench.ndjson' } } });

    let t0 = performance.now();
    for (let i = 0; i < opts.messages; i++) store.send('bench', body);
    const sendSeconds = (performance.now() - t0) / 1000;

    t0 = performance.now();
    let done = 0;
    while (done < opts.messages) {
      const batch = store.receive('bench', { maxMessages: batchSize });
      if (batch.length === 0) break;
      store.deleteMessageBatch(
        'bench',
        batch.map((m) => m.receiptHandle),
      );
      done += batch.length;
    }
    const receiveSeconds = (performance.now() - t0) / 1000;
    if (done !== opts.messages) throw new Error(`bench received ${done} of ${opts.messages} messages`);
    return {
      messages: opts.messages,
      batchSize,
      synchronous,
      sendPerSec: Math.round(opts.messages / sendSeconds),
      receiveDeletePerSec: Math.round(done / receiveSeconds),
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface QueueLatencyResult {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Send-to-handler latency through a running poller (batch size 1, no batching window),
 * one message at a time: what an idle pipeline adds per hop.
 */
export async function benchQueueLatency(opts: { samples: number }): Promise<QueueLatencyResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-queue-latency-'));
  const db = new Database(path.join(dir, 'bench.db'));
  const latencies: number[] = [];
  let arrived: (() => void) | undefined;
  const store = new SqliteQueueStore(db);
  store.ensureQueue('latency', { visibilityTimeoutSeconds: 30, retentionSeconds: 3600, batchSize: 1 });
  const poller = new QueuePoller({
    store,
    queue: 'latency',
    idlePollMs: 1000,
    handler: async (e) => {
      for (const r of e.Records) latencies.push(performance.now() - Number(JSON.parse(r.body).t));
      arrived?.();
      return { batchItemFailures: [] };
    },
  });
  try {
    poller.start();
    for (let i = 0; i < opts.samples; i++) {
      const done = new Promise<void>((r) => (arrived = r));
      store.send('latency', JSON.stringify({ t: performance.now() }));
      await done;
    }
  } finally {
    await poller.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    round2(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return { samples: latencies.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
