/**
 * The QueueSender contract on the local adapters, for real on SQLite: the scheduler's
 * `localQueueSender` and the runtime's own sender (which also wakes the poller).
 */
import fs from 'node:fs';
import { describeQueueSenderContract, type SentMessage } from '@ohlcv/core/contracts/index';
import { resolveHome } from '../home.ts';
import { LocalRuntime } from '../runtime/runtime.ts';
import { tempDir } from '../runtime/testing/runtime-kit.ts';
import { localQueueSender } from './queue-sender.ts';
import { SqliteQueueStore } from './sqlite-queue-store.ts';
import { FakeClock, tempDb } from './testing/temp-db.ts';
import { ensureTopologyQueues } from './topology-queues.ts';

const sentOn = (store: SqliteQueueStore, clock: FakeClock, queue: string): SentMessage[] =>
  store.peek(queue, 1000).map((m) => {
    const delaySeconds = Math.round((m.visibleAt.getTime() - clock.now().getTime()) / 1000);
    return { body: m.body, ...(delaySeconds > 0 ? { delaySeconds } : {}) };
  });

describeQueueSenderContract('localQueueSender (SQLite)', () => {
  const tmp = tempDb();
  const clock = new FakeClock();
  const store = new SqliteQueueStore(tmp.open(), clock);
  ensureTopologyQueues(store);
  return {
    sender: localQueueSender(store),
    sent: async (queue) => sentOn(store, clock, queue),
    cleanup: () => tmp.cleanup(),
  };
});

describeQueueSenderContract('LocalRuntime.queueSender', () => {
  const root = tempDir('ohlcv-sender-');
  const clock = new FakeClock();
  const rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: root }, '/'), clock });
  return {
    sender: rt.queueSender,
    sent: async (queue) => sentOn(rt.queues, clock, queue),
    cleanup: async () => {
      await rt.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
});
