/**
 * Test wiring for the runtime building blocks: a temp folder with a real state DB,
 * the topology queues, an event log and a router — what runtime.ts builds, minus the
 * services. Used by the *.test.ts files next to it only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock, QueueName } from '@ohlcv/core';
import { ensureTopologyQueues, SqliteQueueStore } from '../../queue/index.ts';
import { openStateDb, type StateDb } from '../../state-db.ts';
import { EventLog } from '../event-log.ts';
import { EventRouter } from '../event-router.ts';

export const TEST_BUCKET = 'ohlcv-test-lake';
export const TEST_JOB = 'ohlcv-etl';

export interface RuntimeKit {
  dir: string;
  dbFile: string;
  db: StateDb;
  queues: SqliteQueueStore;
  log: EventLog;
  router: EventRouter;
  /** Bodies (parsed) of every message waiting in `queue`, oldest first, without receiving them. */
  messages(queue: QueueName): Record<string, unknown>[];
  /** Another connection to the same DB file with its own store, log and router (a second process). */
  reopen(): RuntimeKit;
  cleanup(): void;
}

export function tempDir(prefix = 'ohlcv-runtime-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function runtimeKit(clock?: Clock, dir = tempDir()): RuntimeKit {
  const opened: StateDb[] = [];
  const dbFile = path.join(dir, 'state', 'state.db');
  const build = (): RuntimeKit => {
    const db = openStateDb(dbFile);
    opened.push(db);
    const queues = new SqliteQueueStore(db, clock);
    ensureTopologyQueues(queues);
    const log = new EventLog(db);
    const router = new EventRouter(db, queues, log, { bucketName: TEST_BUCKET, etlJobName: TEST_JOB });
    return {
      dir,
      dbFile,
      db,
      queues,
      log,
      router,
      messages: (queue) =>
        (
          db.prepare('SELECT body FROM queue_messages WHERE queue = ? ORDER BY seq').all(queue) as {
            body: string;
          }[]
        ).map((r) => JSON.parse(r.body) as Record<string, unknown>),
      reopen: build,
      cleanup: () => {
        for (const d of opened) if (d.open) d.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  };
  return build();
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 3000, stepMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
