import type { Clock } from '@ohlcv/core';
import type { StateDb } from '../state-db.ts';
import { processStart } from './process-start.ts';

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
 * A holder that died is detected and the lock taken over: its pid must be alive AND be
 * the same process, told by its start time — a dead holder's pid reused by another
 * process does not keep the lock.
 */
export class EngineLock {
  constructor(
    private readonly db: StateDb,
    private readonly clock: Clock,
  ) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS engine_lock (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, since TEXT NOT NULL, process_start TEXT)',
    );
    // Older data folders lack these columns: a holder without a mode reads as `drain`, one
    // without a start time is judged by its pid alone.
    const cols = db.prepare('PRAGMA table_info(engine_lock)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'mode'))
      db.exec("ALTER TABLE engine_lock ADD COLUMN mode TEXT NOT NULL DEFAULT 'drain'");
    if (!cols.some((c) => c.name === 'process_start'))
      db.exec('ALTER TABLE engine_lock ADD COLUMN process_start TEXT');
  }

  /** Takes the lock; returns the live holder instead when another process has it. */
  acquire(mode: EngineMode = 'drain'): EngineHolder | undefined {
    return this.db
      .transaction(() => {
        const holder = this.holder();
        if (holder && holder.pid !== process.pid) return holder;
        this.db
          .prepare(
            'INSERT OR REPLACE INTO engine_lock (id, pid, since, process_start, mode) VALUES (1, ?, ?, ?, ?)',
          )
          .run(process.pid, holder?.since ?? this.clock.now().toISOString(), ownStart(), mode);
        return undefined;
      })
      .immediate();
  }

  /** The live holder, if any (a dead holder's row is ignored). */
  holder(): EngineHolder | undefined {
    const row = this.db
      .prepare('SELECT pid, since, mode, process_start FROM engine_lock WHERE id = 1')
      .get() as (EngineHolder & { process_start: string | null }) | undefined;
    if (!row || !isAlive(row.pid)) return undefined;
    // A row without a start time (or a platform that cannot tell) falls back to the pid.
    const now = row.process_start === null ? undefined : processStart(row.pid);
    if (row.process_start !== null && now !== undefined && now !== row.process_start) return undefined;
    return { pid: row.pid, since: row.since, mode: row.mode };
  }

  release(): void {
    this.db.prepare('DELETE FROM engine_lock WHERE id = 1 AND pid = ?').run(process.pid);
  }
}

let own: string | null | undefined;
const ownStart = (): string | null => {
  if (own === undefined) own = processStart(process.pid) ?? null;
  return own;
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
