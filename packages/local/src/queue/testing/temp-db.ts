import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

export class FakeClock {
  constructor(public ms = Date.parse('2026-01-02T03:04:05.000Z')) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** A temp folder with a database file path; `cleanup` closes what was opened and removes it. */
export function tempDb(): { file: string; open(): Database.Database; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-queue-test-'));
  const file = path.join(dir, 'state.db');
  const opened: Database.Database[] = [];
  return {
    file,
    open() {
      const db = new Database(file);
      opened.push(db);
      return db;
    },
    cleanup() {
      for (const db of opened) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
