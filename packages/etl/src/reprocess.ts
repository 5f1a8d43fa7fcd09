/**
 * Reprocess from raw: rebuilds the processed tables for a range from every raw object with
 * the current plan, on either engine. The job runs into a shadow lake (raw/ linked in,
 * nothing processed), so no existing row — possibly accepted under an older rule — takes
 * part; then each in-scope partition of the real lake gets the shadow's version as its next
 * version (one rename, as a job run publishes) or, when the rebuild has none, an empty
 * version: nothing is deleted before the summary commits the run, so a crash in between
 * leaves the lake as it was (and a catalog keeps a location that exists). The Glue job's
 * twin (glue/etl_reprocess.py) publishes the same versions.
 *
 * Scope: bars partitions with date in [from, to] (and symbol in symbols), plus per symbol
 * the rebuild's next partition after the range (its first pct_change depends on the
 * range); hourly partitions with date in range; daily partitions whose month meets the
 * range, plus the rebuild's month after; quarantine partitions only for an unscoped
 * reprocess (they are keyed by the raw object's write date, not the bar's). Outside the
 * scope nothing is touched.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  duckdbType,
  fileColumnsOf,
  type Manifest,
  PARQUET_COMPRESSION,
  type RunSummary,
  runSummaryKey,
  type TableName,
  tableNames,
  tables,
  type WrittenPartition,
} from '@ohlcv/core';
import { openDuckSession, sqlString } from './duckdb.ts';
import { partitionPath } from './hive-path.ts';
import { listPartitions, removeDir, writeFileAtomic } from './lake.ts';
import { CommittedVersions, publishVersion } from './partition-versions.ts';

export interface ReprocessScope {
  /** Inclusive UTC dates, YYYY-MM-DD. */
  from?: string;
  to?: string;
  symbols?: readonly string[];
}

export interface ReprocessInput {
  lakeRoot: string;
  manifest: Manifest;
  jobRunId: string;
  scope: ReprocessScope;
  /** Runs one job run of the manifest on the given lake folder (DuckDB or Spark). */
  runJob: (lakeRoot: string, manifest: Manifest, jobRunId: string) => Promise<RunSummary>;
}

export interface ReprocessResult {
  summary: RunSummary;
  /** Every partition published, the emptied ones included (rows 0). */
  replaced: WrittenPartition[];
  /** Partitions that had rows and that the rebuild left empty: now an empty version. */
  removed: Array<{ table: TableName; values: Record<string, string>; location: string }>;
}

const DAY_MS = 86_400_000;
const shiftDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
const monthEnd = (date: string): string => {
  const d = new Date(`${date.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return new Date(d.getTime() - DAY_MS).toISOString().slice(0, 10);
};
/** Days of raw read beyond the months in scope: the bars before and after it that derived values look at. */
export const RAW_CONTEXT_DAYS = 10;

/**
 * Whether a raw object can hold bars a reprocess of `scope` needs, by its key alone (a
 * stage lists raw/ instead of reading it all). Objects in a dated layout (a `date=YYYY-MM-DD`
 * folder, as ingestion writes `raw/source=twelvedata/date=…/`) hold that UTC date's bars:
 * kept when the date falls in the months the range meets (bars_daily partitions are whole
 * months) widened by RAW_CONTEXT_DAYS each side (previous and next bars of pct_change and
 * daily_return). Anything else (drops) may hold any date: always kept. Symbols never narrow
 * the raw: hourly and daily partitions hold every symbol.
 */
export function rawKeyInScope(key: string, scope: ReprocessScope): boolean {
  const m = /(?:^|\/)date=(\d{4}-\d{2}-\d{2})\//.exec(key);
  if (!m?.[1]) return true;
  const d = m[1];
  if (scope.from && d < shiftDays(`${scope.from.slice(0, 7)}-01`, -RAW_CONTEXT_DAYS)) return false;
  if (scope.to && d > shiftDays(monthEnd(scope.to), RAW_CONTEXT_DAYS)) return false;
  return true;
}

const inRange = (d: string, s: ReprocessScope) => (!s.from || d >= s.from) && (!s.to || d <= s.to);
const monthMeets = (m: string, s: ReprocessScope) =>
  (!s.from || m >= s.from.slice(0, 7)) && (!s.to || m <= s.to.slice(0, 7));
const unscoped = (s: ReprocessScope) => !s.from && !s.to && !s.symbols?.length;

/** The partitions of `table` to take from the rebuild, given both lakes' partitions (the Glue job's twin: etl_reprocess.py). */
export function scopeOf(
  table: TableName,
  s: ReprocessScope,
  rebuilt: Record<string, string>[],
  current: Record<string, string>[],
): Record<string, string>[] {
  const all = [...rebuilt, ...current];
  const key = (p: Record<string, string>) => JSON.stringify(p);
  const chosen = new Map<string, Record<string, string>>();
  const add = (p: Record<string, string>) => chosen.set(key(p), p);
  const symbolOk = (sym: string) => !s.symbols?.length || s.symbols.includes(sym);
  if (table === 'bars') {
    for (const p of all) if (inRange(p.date!, s) && symbolOk(p.symbol!)) add(p);
    if (s.to) {
      const after = new Map<string, string>();
      // Only a partition the rebuild has: one after the range is never removed.
      for (const p of rebuilt) {
        if (
          p.date! > s.to &&
          symbolOk(p.symbol!) &&
          (!after.has(p.symbol!) || p.date! < after.get(p.symbol!)!)
        )
          after.set(p.symbol!, p.date!);
      }
      for (const [symbol, date] of after) add({ date, symbol });
    }
  } else if (table === 'bars_hourly') {
    for (const p of all) if (inRange(p.date!, s)) add(p);
  } else if (table === 'bars_daily') {
    for (const p of all) if (monthMeets(p.month!, s)) add(p);
    const next = rebuilt
      .map((p) => p.month!)
      .filter((m) => s.to && m > s.to.slice(0, 7))
      .sort()[0];
    if (next) add({ month: next });
  } else if (unscoped(s)) {
    for (const p of all) add(p);
  }
  return [...chosen.values()];
}

export async function reprocessFromRaw(input: ReprocessInput): Promise<ReprocessResult> {
  const { lakeRoot, jobRunId, scope } = input;
  const shadow = join(lakeRoot, '_reprocess', jobRunId);
  removeDir(shadow);
  mkdirSync(shadow, { recursive: true });
  try {
    symlinkSync(join(lakeRoot, 'raw'), join(shadow, 'raw'), 'dir');
    const summary = await input.runJob(shadow, input.manifest, jobRunId);
    const committed = new CommittedVersions(lakeRoot);
    const replaced: WrittenPartition[] = [];
    const removed: ReprocessResult['removed'] = [];
    for (const table of tableNames) {
      const spec = tables[table];
      const keys = spec.partitionKeys;
      const rebuilt = listPartitions(join(shadow, spec.location), keys);
      const current = listPartitions(join(lakeRoot, spec.location), keys);
      const rebuiltKeys = new Set(rebuilt.map((p) => JSON.stringify(p)));
      const written = new Map(
        summary.partitionsWritten.filter((w) => w.table === table).map((w) => [JSON.stringify(w.values), w]),
      );
      for (const p of scopeOf(table, scope, rebuilt, current)) {
        const rel = partitionPath(keys, p);
        const location = `${spec.location}${rel}/`;
        const target = join(lakeRoot, spec.location, rel);
        if (rebuiltKeys.has(JSON.stringify(p))) {
          const wrote = written.get(JSON.stringify(p));
          if (!wrote)
            throw new Error(`reprocess: the rebuild has ${location} but its summary does not list it`);
          // Both runners write a version folder (atomic publish): it moves in as the live
          // partition's next version, committed by the summary written below.
          const published = publishVersion(
            committed,
            lakeRoot,
            join(shadow, wrote.location),
            target,
            jobRunId,
          );
          replaced.push({ ...wrote, location: published });
        } else if (existsSync(target) && readdirSync(target).length) {
          const empty = join(shadow, '_empty', spec.location, rel);
          await writeEmptyPartition(table, empty);
          const published = publishVersion(committed, lakeRoot, empty, target, jobRunId);
          replaced.push({ table, values: p, location: published, rows: 0 });
          removed.push({ table, values: p, location: published });
        }
      }
    }
    const result: RunSummary = { ...summary, partitionsWritten: replaced };
    writeFileAtomic(join(lakeRoot, runSummaryKey(jobRunId)), `${JSON.stringify(result, null, 2)}\n`);
    return { summary: result, replaced, removed };
  } finally {
    // The link first: removing the shadow must never reach into the real raw/.
    rmSync(join(shadow, 'raw'), { force: true });
    removeDir(shadow);
  }
}

/**
 * One Parquet file without rows, of the table's file columns (the partition keys live in
 * the path): a partition the rebuild has nothing left in (the Glue twin: _write_empty).
 */
async function writeEmptyPartition(table: TableName, dir: string): Promise<void> {
  const cols = fileColumnsOf(tables[table]).map((c) => `CAST(NULL AS ${duckdbType[c.type]}) AS ${c.name}`);
  mkdirSync(dir, { recursive: true });
  const db = await openDuckSession({ threads: 1 });
  try {
    await db.run(
      `COPY (SELECT ${cols.join(', ')} WHERE false) TO ${sqlString(join(dir, 'data_0.parquet'))} (FORMAT parquet, COMPRESSION ${PARQUET_COMPRESSION})`,
    );
  } finally {
    db.close();
  }
}
