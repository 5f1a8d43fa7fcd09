import type { Clock } from '@ohlcv/core';
import type { StateDb } from '../state-db.ts';

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
  }

  /** Takes the lock; returns the live holder instead when another process has it. */
  acquire(): { pid: number; since: string } | undefined {
    return this.db
      .transaction(() => {
        const holder = this.holder();
        if (holder && holder.pid !== process.pid) return holder;
        this.db
          .prepare('INSERT OR REPLACE INTO engine_lock (id, pid, since) VALUES (1, ?, ?)')
          .run(process.pid, this.clock.now().toISOString());
        return undefined;
      })
      .immediate();
  }

  /** The live holder, if any (a dead holder's row is ignored). */
  holder(): { pid: number; since: string } | undefined {
    const row = this.db.prepare('SELECT pid, since FROM engine_lock WHERE id = 1').get() as
      | { pid: number; since: string }
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
