/**
 * Child process for the durability and multi-process tests (run with `node --import tsx`).
 *   crash <db> <log>     sends, receives, "processes" and deletes forever; the test kills it.
 *   consume <db> <log>   receives (never deletes) until the queue stays empty.
 * Log lines go out with writeSync, so a line written before SIGKILL is on disk.
 * Both wait for a `<db>.go` file first, so concurrent workers start together.
 */
import { existsSync, openSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SqliteQueueStore } from '../sqlite-queue-store.ts';

const [mode, dbFile, logFile] = process.argv.slice(2);
if (!mode || !dbFile || !logFile) throw new Error('usage: queue-worker crash|consume <db> <log>');

const store = new SqliteQueueStore(new Database(dbFile));
const log = openSync(logFile, 'a');
const write = (kind: string, ids: readonly string[]) => {
  if (ids.length > 0) writeSync(log, ids.map((id) => `${kind} ${id}\n`).join(''));
};

process.stdout.write('ready\n');
while (!existsSync(`${dbFile}.go`)) await new Promise((r) => setTimeout(r, 5));

if (mode === 'crash') {
  for (let i = 0; ; i++) {
    const sent = store.sendBatch(
      'work',
      Array.from({ length: 5 }, (_, j) => ({ body: `child-${i}-${j}` })),
    );
    write(
      'sent',
      sent.map((s) => s.messageId),
    );
    const batch = store.receive('work', { maxMessages: 10, visibilityTimeoutSeconds: 3600 });
    write(
      'processed',
      batch.map((m) => m.messageId),
    );
    store.deleteMessageBatch(
      'work',
      batch.map((m) => m.receiptHandle),
    );
    write(
      'acked',
      batch.map((m) => m.messageId),
    );
  }
} else {
  let idleSince = Date.now();
  while (Date.now() - idleSince < 300) {
    const batch = store.receive('work', { maxMessages: 7, visibilityTimeoutSeconds: 3600 });
    if (batch.length > 0) idleSince = Date.now();
    write(
      'received',
      batch.map((m) => m.messageId),
    );
    // Stands in for handler work; without a pause one process re-takes the lock every time.
    await new Promise((r) => setTimeout(r, 1));
  }
  process.exit(0);
}
