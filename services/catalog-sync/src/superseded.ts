/**
 * Removing superseded partition versions (docs/atomic-publish.md), on AWS: after the switch,
 * catalog-sync writes one ledger object per location it switched away from, and on each of
 * its runs deletes the files of the versions superseded more than the grace period ago.
 *
 * Why catalog-sync and not an S3 lifecycle rule: a lifecycle filter matches a key prefix
 * from the start of the key (or tags), so it cannot say "`_v…` folders the catalog no longer
 * points at" — those sit mid-key, next to the live version. Tagging each superseded object
 * for a rule would cost the same listing plus one PutObjectTagging per object, and expire
 * only at day granularity. catalog-sync already knows exactly which location it switched
 * away from, and when.
 *
 * The grace period must outlast the longest Athena query: a query planned before the
 * switch still reads the old files. Versions only move forward, so a recorded location is
 * never live again. A crash between the switch and the ledger write leaves that version
 * behind (storage only: readers follow the catalog).
 */
import { AppError, type Clock, type Logger, type ObjectStore } from '@ohlcv/core';
import { z } from 'zod';

export const SUPERSEDED_PREFIX = '_runs/_superseded/';
/** Ledger entries handled per invocation, so a backlog never runs a Lambda out of time. */
export const SWEEP_LIMIT = 200;
/** Longer than Athena's default DML timeout (30 minutes). */
export const DEFAULT_GRACE_MINUTES = 60;

const entrySchema = z.object({
  table: z.string(),
  values: z.record(z.string(), z.string()),
  location: z.string(),
  supersededAt: z.iso.datetime({ offset: true }),
  jobRunId: z.string(),
});
export type SupersededEntry = z.infer<typeof entrySchema>;

/** Only what a table owns: the lake's processed/ and quarantine/ zones, no `..`, a folder. */
const OWNED = /^(processed|quarantine)\/([^/]+\/)*$/;

/** Sortable by time, unique per location: `2026-12-02T00-31-07.123Z-<hash>.json`. */
function entryKey(at: Date, location: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < location.length; i++) h = Math.imul(h ^ location.charCodeAt(i), 0x01000193) >>> 0;
  return `${SUPERSEDED_PREFIX}${at.toISOString().replace(/:/g, '-')}-${h.toString(16).padStart(8, '0')}.json`;
}

const entryTime = (key: string): number =>
  Date.parse(
    key.slice(SUPERSEDED_PREFIX.length, SUPERSEDED_PREFIX.length + 24).replace(/T(\d\d)-(\d\d)-/, 'T$1:$2:'),
  );

export async function recordSuperseded(
  store: ObjectStore,
  clock: Clock,
  jobRunId: string,
  superseded: readonly { table: string; values: Record<string, string>; location: string }[],
): Promise<number> {
  const at = clock.now();
  for (const s of superseded) {
    const entry: SupersededEntry = { ...s, supersededAt: at.toISOString(), jobRunId };
    await store.put(entryKey(at, s.location), JSON.stringify(entry), { contentType: 'application/json' });
  }
  return superseded.length;
}

/**
 * The keys of one superseded location: everything under a version folder; of a partition
 * folder in the previous release's layout, only the files lying directly in it (its newer
 * versions are sub-folders of it).
 */
async function keysOf(store: ObjectStore, location: string): Promise<string[]> {
  const versioned = location.split('/').at(-2)?.startsWith('_v') ?? false;
  const keys: string[] = [];
  for await (const o of store.list(location)) {
    if (versioned || !o.key.slice(location.length).includes('/')) keys.push(o.key);
  }
  return keys;
}

export interface SweepResult {
  /** Superseded versions whose files were removed. */
  versions: number;
  objects: number;
  /** Entries still inside their grace period. */
  waiting: number;
}

export async function sweepSuperseded(
  store: ObjectStore,
  clock: Clock,
  graceMs: number,
  logger?: Logger,
): Promise<SweepResult> {
  const result: SweepResult = { versions: 0, objects: 0, waiting: 0 };
  if (!store.delete) return result;
  const due = clock.now().getTime() - graceMs;
  let seen = 0;
  for await (const o of store.list(SUPERSEDED_PREFIX)) {
    if (seen++ >= SWEEP_LIMIT) break;
    const at = entryTime(o.key);
    // Keys sort by time: the first one inside the grace period ends the sweep.
    if (!(at <= due)) {
      result.waiting++;
      break;
    }
    const parsed = entrySchema.safeParse(JSON.parse(new TextDecoder().decode(await store.get(o.key))));
    if (!parsed.success || !OWNED.test(parsed.data.location) || parsed.data.location.includes('/../')) {
      // Never delete from a ledger entry we did not write as expected; keep it for a person.
      logger?.warn('superseded-version entry ignored', {
        key: o.key,
        error: parsed.success ? `location outside the tables' zones` : parsed.error.message,
      });
      continue;
    }
    const keys = await keysOf(store, parsed.data.location);
    await store.delete(keys);
    await store.delete([o.key]);
    result.versions++;
    result.objects += keys.length;
  }
  return result;
}

export const graceMinutesOf = (raw: string | undefined): number => {
  if (raw === undefined || raw === '') return DEFAULT_GRACE_MINUTES;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new AppError(
      'ConfigInvalid',
      `SUPERSEDED_GRACE_MINUTES must be a number of minutes >= 0, not "${raw}"`,
    );
  return n;
};
