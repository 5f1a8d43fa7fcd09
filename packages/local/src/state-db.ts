/**
 * The runtime's one SQLite file — queues, event log, object ledger, job runs, catalog — and
 * the one place its connection settings are decided, so no component resets them.
 * WAL lets `ohlcv status`/`query` read from a second process while `start` writes;
 * the busy timeout makes writers from two processes wait for each other instead of
 * failing (10 s: a drain's longest write transaction, a catalog swap, fits well inside).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type StateDb = Database.Database;

export const STATE_DB_BUSY_TIMEOUT_MS = 10_000;

export interface StatePragmas {
  /**
   * NORMAL in WAL mode: a committed transaction survives a process crash (only an OS
   * crash or power loss can lose the last commits), and it is several times faster.
   * FULL adds an fsync per commit, for where power-loss durability matters more than rate.
   */
  synchronous?: 'NORMAL' | 'FULL';
  busyTimeoutMs?: number;
}

/** WAL, busy timeout, sync level: per connection, except WAL, which sticks to the file. */
export function applyStatePragmas(db: StateDb, pragmas: StatePragmas = {}): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(pragmas.busyTimeoutMs ?? STATE_DB_BUSY_TIMEOUT_MS))}`);
  db.pragma(`synchronous = ${pragmas.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
}

export function openStateDb(file: string): StateDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  applyStatePragmas(db);
  db.pragma('foreign_keys = ON');
  return db;
}
