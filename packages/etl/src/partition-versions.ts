/**
 * Atomic publish (docs/atomic-publish.md): a run never writes over what readers read.
 * Each partition a run writes becomes a new, immutable version folder under the
 * partition's Hive path,
 *
 *   processed/bars/date=2024-03-08/symbol=AAPL/_v0000000007-jr_<id>/data_0.parquet
 *
 * (the partition's 7th version, by run `jr_<id>`; zero-padded so versions sort as strings)
 *
 * and nothing points at it until the run commits by writing its run summary (one atomic
 * file, listing every version it wrote). Query readers follow the catalog, which
 * catalog-sync switches to the new versions from the summary; the ETL itself reads, per
 * partition, the newest version that a committed summary lists. A run that dies before
 * its summary leaves versions nobody lists: invisible, and removed (rolled back) the next
 * time a run publishes into that partition. Names starting with `_` (and without `=`, so no reader takes it for a partition key) are skipped by Hive
 * and Spark partition discovery, and a partition folder written by an earlier release
 * (files directly in it) is read as the oldest version.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runSummaryKey } from '@ohlcv/core';
import { realPathInside } from './inside-root.ts';

export const VERSION_PREFIX = '_v';

/** One after the newest committed version; zero-padded so "newest" is a string comparison everywhere. */
function nextVersion(newest: string | undefined, jobRunId: string): string {
  const seq = newest === undefined ? 1 : Number(newest.slice(0, newest.indexOf('-'))) + 1;
  return `${String(seq).padStart(10, '0')}-${jobRunId}`;
}

const runIdOf = (version: string): string => version.slice(version.indexOf('-') + 1);

/** What a run summary lists, per run id, read once per reader. */
export class CommittedVersions {
  private readonly byRun = new Map<string, Set<string>>();
  constructor(private readonly lakeRoot: string) {}

  /** True when `<location>` (lake-relative, ending in `/`) is listed by its run's summary. */
  isCommitted(location: string, version: string): boolean {
    const runId = runIdOf(version);
    let listed = this.byRun.get(runId);
    if (!listed) {
      listed = new Set();
      const file = join(this.lakeRoot, runSummaryKey(runId));
      if (existsSync(file)) {
        const summary = JSON.parse(readFileSync(file, 'utf8')) as {
          partitionsWritten?: { location: string }[];
        };
        for (const p of summary.partitionsWritten ?? []) listed.add(p.location);
      }
      this.byRun.set(runId, listed);
    }
    return listed.has(location);
  }
}

const versionsIn = (dir: string): string[] => {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name.startsWith(VERSION_PREFIX))
      .map((d) => d.name.slice(VERSION_PREFIX.length))
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
};

const parquetIn = (dir: string): string[] => {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.parquet'))
      .sort()
      .map((f) => join(dir, f));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
};

/**
 * The Parquet files of a partition's current version: the newest committed `_v` folder,
 * else files lying directly in the folder (an earlier release's layout), else none.
 */
export function currentPartitionFiles(
  committed: CommittedVersions,
  lakeRoot: string,
  partitionDir: string,
): string[] {
  const rel = relativeLocation(lakeRoot, partitionDir);
  for (const v of versionsIn(partitionDir).reverse()) {
    if (committed.isCommitted(`${rel}${VERSION_PREFIX}${v}/`, v)) {
      return parquetIn(join(partitionDir, `${VERSION_PREFIX}${v}`));
    }
  }
  return parquetIn(partitionDir);
}

/**
 * Moves a run's freshly written partition folder in as a new version (one rename, into a
 * folder nobody reads yet) and returns its lake-relative location. Versions no committed
 * summary lists are removed first: the roll-back of a run that died before its commit
 * (one engine runs jobs at a time, so none of them is being written now).
 */
export function publishVersion(
  committed: CommittedVersions,
  lakeRoot: string,
  stagingDir: string,
  partitionDir: string,
  jobRunId: string,
): string {
  realPathInside(lakeRoot, partitionDir);
  mkdirSync(partitionDir, { recursive: true });
  const rel = relativeLocation(lakeRoot, partitionDir);
  let newest: string | undefined;
  for (const v of versionsIn(partitionDir)) {
    if (committed.isCommitted(`${rel}${VERSION_PREFIX}${v}/`, v)) newest = v;
    else rmSync(join(partitionDir, `${VERSION_PREFIX}${v}`), { recursive: true, force: true });
  }
  const version = nextVersion(newest, jobRunId);
  renameSync(stagingDir, join(partitionDir, `${VERSION_PREFIX}${version}`));
  return `${rel}${VERSION_PREFIX}${version}/`;
}

/** `<lakeRoot>/processed/bars/date=x` -> `processed/bars/date=x/`. */
function relativeLocation(lakeRoot: string, dir: string): string {
  const root = lakeRoot.endsWith('/') ? lakeRoot : `${lakeRoot}/`;
  if (!dir.startsWith(root)) throw new Error(`${dir} is not under ${lakeRoot}`);
  return `${dir.slice(root.length).replace(/\/+$/, '')}/`;
}
