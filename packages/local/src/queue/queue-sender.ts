import type { QueueSender } from '@ohlcv/core';
import type { SqliteQueueStore } from './sqlite-queue-store.ts';

/** The `QueueSender` port over the local store (the scheduler's fan-out uses it). */
export function localQueueSender(store: SqliteQueueStore): QueueSender {
  return {
    async send(queue, body, opts) {
      store.send(queue, body, opts?.delaySeconds === undefined ? {} : { delaySeconds: opts.delaySeconds });
    },
  };
}
