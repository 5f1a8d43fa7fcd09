/**
 * The rules of removing superseded versions that moto's scenario (packages/stage/src/
 * catalog-switch.stage.test.ts) does not reach: a partition folder of the previous release's
 * layout loses only its own files (its newer versions live inside it), entries pointing
 * outside the table zones are never acted on, and the sweep stops at the grace period.
 */
import { memoryLogger, memoryObjectStore } from '@ohlcv/core/contracts/in-memory';
import { describe, expect, it } from 'vitest';
import { recordSuperseded, SUPERSEDED_PREFIX, sweepSuperseded } from './superseded.ts';

const T0 = Date.parse('2026-12-02T00:00:00Z');
const at = (minutes: number) => ({ now: () => new Date(T0 + minutes * 60_000) });
const GRACE = 60 * 60_000;
const root = 'processed/bars/date=2024-03-08/symbol=AAPL/';
const v1 = `${root}_v0000000001-jr_a/`;
const v2 = `${root}_v0000000002-jr_b/`;

async function lake() {
  const store = memoryObjectStore();
  for (const k of [
    `${root}old_0.parquet`,
    `${root}old_1.parquet`,
    `${v1}data_0.parquet`,
    `${v2}data_0.parquet`,
  ])
    await store.put(k, 'x');
  return store;
}
const keys = (store: Awaited<ReturnType<typeof lake>>) => [...store.objects.keys()].sort();

describe('superseded versions', () => {
  it('an old-layout partition folder loses only the files lying in it, never its version folders', async () => {
    const store = await lake();
    const values = { date: '2024-03-08', symbol: 'AAPL' };
    await recordSuperseded(store, at(0), 'jr_a', [{ table: 'bars', values, location: root }]);
    await recordSuperseded(store, at(5), 'jr_b', [{ table: 'bars', values, location: v1 }]);
    // Inside the grace period: nothing; 61 minutes after the first switch: only that one.
    expect(await sweepSuperseded(store, at(30), GRACE)).toMatchObject({ versions: 0, waiting: 1 });
    expect(await sweepSuperseded(store, at(61), GRACE)).toMatchObject({
      versions: 1,
      objects: 2,
      waiting: 1,
    });
    expect(keys(store).filter((k) => !k.startsWith(SUPERSEDED_PREFIX))).toEqual([
      `${v1}data_0.parquet`,
      `${v2}data_0.parquet`,
    ]);
    expect(await sweepSuperseded(store, at(66), GRACE)).toMatchObject({
      versions: 1,
      objects: 1,
      waiting: 0,
    });
    expect(keys(store)).toEqual([`${v2}data_0.parquet`]);
    // Idempotent: nothing left to do.
    expect(await sweepSuperseded(store, at(600), GRACE)).toMatchObject({ versions: 0, waiting: 0 });
  });

  it('never deletes from an entry naming a place outside the table zones; it is kept for a person', async () => {
    const store = await lake();
    await store.put('raw/drops/a.csv', 'raw');
    const logger = memoryLogger();
    for (const location of ['raw/drops/', 'processed/../raw/', '_runs/jr_a/'])
      await recordSuperseded(store, at(0), 'jr_x', [{ table: 'bars', values: {}, location }]);
    expect(await sweepSuperseded(store, at(120), GRACE, logger)).toMatchObject({ versions: 0 });
    expect(store.text('raw/drops/a.csv')).toBe('raw');
    expect(keys(store).filter((k) => k.startsWith(SUPERSEDED_PREFIX))).toHaveLength(3);
    expect(logger.lines.filter((l) => l.message === 'superseded-version entry ignored')).toHaveLength(3);
  });
});
