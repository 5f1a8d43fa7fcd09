/**
 * Schema versions of what an OHLCV_HOME keeps between releases: the state database
 * (SQLite `user_version`) and the lake's layout (`lake/_ohlcv/lake.json`). A newer release
 * migrates an older home in place (the database is copied aside first); a home written by
 * a newer release is refused with what to do, instead of being misread.
 *
 * The release before versions existed wrote neither: its database has tables and
 * `user_version` 0, its lake has no marker. Both count as version 1.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '@ohlcv/core';
import type Database from 'better-sqlite3';

/** 2: job_runs.attempts (bounded retries), engine_lock.process_start (pid reuse). */
export const STATE_DB_VERSION = 2;
/**
 * 2: partitions are written as run-scoped versions `_v<n>-<run>` (atomic publish).
 * 3: every row of bars, bars_hourly, bars_daily and quarantine carries `plan_version`. A
 *    release before 3 would rewrite partitions without it, so it must not write this lake.
 */
export const LAKE_LAYOUT_VERSION = 3;

export const STATE_TOO_NEW = 'StateFromNewerRelease';

/** Each step takes the database from version `n - 1` to `n`; all run in one transaction. */
const migrations: Record<number, (db: Database.Database) => void> = {
  2: (db) => {
    addColumn(db, 'job_runs', 'attempts', 'INTEGER NOT NULL DEFAULT 0');
    addColumn(db, 'engine_lock', 'process_start', 'TEXT');
  },
};

function addColumn(db: Database.Database, table: string, column: string, ddl: string): void {
  const cols = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
  // A table the old release never created is created whole by its owner later.
  if (cols.length === 0 || cols.some((c) => c.name === column)) return;
  db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${ddl}`);
}

const newerMessage = (what: string, where: string, found: number, known: number): string =>
  `${where}: this ${what} was written by a newer ohlcv release (version ${found}; this release knows up to ${known}). ` +
  'Upgrade ohlcv to the release that wrote it, or set OHLCV_HOME to another folder to start afresh.';

/** For readers (`query`): refuses a database from a newer release, migrates nothing. */
export function assertStateReadable(db: Database.Database, file: string): void {
  const stored = db.pragma('user_version', { simple: true }) as number;
  if (stored > STATE_DB_VERSION) {
    throw new AppError(STATE_TOO_NEW, newerMessage('state database', file, stored, STATE_DB_VERSION));
  }
}

/** Brings the state database to STATE_DB_VERSION, or refuses one from a newer release. */
export function migrateStateDb(db: Database.Database, file: string): void {
  const stored = db.pragma('user_version', { simple: true }) as number;
  if (stored > STATE_DB_VERSION) {
    throw new AppError(STATE_TOO_NEW, newerMessage('state database', file, stored, STATE_DB_VERSION));
  }
  if (stored === STATE_DB_VERSION) return;
  const hasTables =
    (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n > 0;
  if (!hasTables) {
    db.pragma(`user_version = ${STATE_DB_VERSION}`);
    return;
  }
  const from = stored === 0 ? 1 : stored;
  // The old file, as it was, beside the new one: a failed upgrade can be undone by hand.
  if (file !== ':memory:') {
    const backup = `${file}.v${from}.bak`;
    if (!existsSync(backup)) db.prepare('VACUUM INTO ?').run(backup);
  }
  db.transaction(() => {
    for (let v = from + 1; v <= STATE_DB_VERSION; v++) migrations[v]?.(db);
    db.pragma(`user_version = ${STATE_DB_VERSION}`);
  }).immediate();
}

interface LakeMarker {
  layoutVersion: number;
}

const markerFile = (lakeRoot: string): string => path.join(lakeRoot, '_ohlcv', 'lake.json');

/**
 * Stamps the lake with LAKE_LAYOUT_VERSION, or refuses one from a newer release. No layout
 * needs a rewrite:
 * - 1 (files directly in partition folders) is read as each partition's oldest version, and
 *   runs move partitions to version folders as they rewrite them;
 * - 2 (files without plan_version) reads plan_version as NULL, "written before plan
 *   versions", in the catalog and in the ETL's existing rows; a rewritten partition keeps
 *   NULL on the rows it carries over and the run's version on the rows it validated.
 */
export function ensureLakeLayout(lakeRoot: string): void {
  const file = markerFile(lakeRoot);
  let found = 1;
  if (existsSync(file)) {
    const marker = JSON.parse(readFileSync(file, 'utf8')) as Partial<LakeMarker>;
    if (typeof marker.layoutVersion !== 'number') {
      throw new AppError(
        'LakeMarkerInvalid',
        `${file}: layoutVersion missing; restore it or remove the file`,
      );
    }
    found = marker.layoutVersion;
  }
  if (found > LAKE_LAYOUT_VERSION) {
    throw new AppError(STATE_TOO_NEW, newerMessage('lake', lakeRoot, found, LAKE_LAYOUT_VERSION));
  }
  if (found === LAKE_LAYOUT_VERSION && existsSync(file)) return;
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ layoutVersion: LAKE_LAYOUT_VERSION } satisfies LakeMarker)}\n`);
  renameSync(tmp, file);
}

/** Only checks (for readers such as `query` that never write the lake). */
export function assertLakeReadable(lakeRoot: string): void {
  const file = markerFile(lakeRoot);
  if (!existsSync(file)) return;
  const marker = JSON.parse(readFileSync(file, 'utf8')) as Partial<LakeMarker>;
  if (typeof marker.layoutVersion === 'number' && marker.layoutVersion > LAKE_LAYOUT_VERSION) {
    throw new AppError(
      STATE_TOO_NEW,
      newerMessage('lake', lakeRoot, marker.layoutVersion, LAKE_LAYOUT_VERSION),
    );
  }
}
