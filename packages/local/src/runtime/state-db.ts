import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrateStateDb } from './state-version.ts';

export type StateDb = Database.Database;

/**
 * The runtime's one SQLite file: queues, event log, object ledger, job runs, catalog.
 * WAL lets `ohlcv status`/`query` read from a second process while `start` writes;
 * busy_timeout makes writers from two processes wait for each other instead of failing.
 * An older release's file is migrated on open; a newer release's is refused.
 */
export function openStateDb(file: string): StateDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  // NORMAL in WAL mode: a committed transaction survives a process crash (only an OS
  // crash or power loss can lose the last commits), and it is several times faster.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  try {
    migrateStateDb(db, file);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
