import type { Clock } from '@ohlcv/core';
import type { StateDb } from '../state-db.ts';

/**
 * What the holder does with the pipeline: `start` keeps running it (and will process work
 * queued from other processes now), `drain` runs it to idle and exits (queued work waits for
 * the next process that runs it).
 */
export type EngineMode = 'start' | 'drain';

export interface EngineHolder {
  pid: number;
  since: string;
  mode: EngineMode;
}

/**
 * One process at a time runs the services and jobs of a data folder (`start`, `demo`,
 * `drain`); others (`status`, `query`, `drop`, `events tail`) only read or enqueue.
 * A holder that died is detected by its pid and the lock taken over.
 */
export class EngineLock {
  constructor(
    private readonly db: StateDb,
    private readonly clock: Clock,
  ) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS engine_lock (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, since TEXT NOT NULL)',
    );
    // Older data folders have no mode column: a holder without one reads as `drain`.
    const cols = db.prepare('PRAGMA table_info(engine_lock)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'mode'))
      db.exec("ALTER TABLE engine_lock ADD COLUMN mode TEXT NOT NULL DEFAULT 'drain'");
  }

  /** Takes the lock; returns the live holder instead when another process has it. */
  acquire(mode: EngineMode = 'drain'): EngineHolder | undefined {
    return this.db
      .transaction(() => {
        const holder = this.holder();
        if (holder && holder.pid !== process.pid) return holder;
        this.db
          .prepare('INSERT OR REPLACE INTO engine_lock (id, pid, since, mode) VALUES (1, ?, ?, ?)')
          .run(process.pid, holder?.since ?? this.clock.now().toISOString(), mode);
        return undefined;
      })
      .immediate();
  }

  /** The live holder, if any (a dead holder's row is ignored). */
  holder(): EngineHolder | undefined {
    const row = this.db.prepare('SELECT pid, since, mode FROM engine_lock WHERE id = 1').get() as
      | EngineHolder
      | undefined;
    return row && isAlive(row.pid) ? row : undefined;
  }

  release(): void {
    this.db.prepare('DELETE FROM engine_lock WHERE id = 1 AND pid = ?').run(process.pid);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
