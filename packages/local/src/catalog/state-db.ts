import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { assertStateReadable } from '../runtime/state-version.ts';

/**
 * Opens the runtime's SQLite state database for a reader such as `ohlcv query`, which may
 * run beside `ohlcv start`: WAL lets it read while the runtime writes, and a busy timeout
 * rides out the runtime's short write transactions.
 */
export function openStateDb(file: string, opts: { readonly?: boolean } = {}): Database.Database {
  if (!opts.readonly) mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  db.pragma('busy_timeout = 5000');
  if (!opts.readonly) db.pragma('journal_mode = WAL');
  try {
    // A reader migrates nothing (the runtime does), but must not misread a newer release's file.
    assertStateReadable(db, file);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
