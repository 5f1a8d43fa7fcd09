import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Clock, Timers } from '@ohlcv/core';
import { fixedClock, manualTimers, memoryLogger, sequentialIds } from '@ohlcv/core/contracts/in-memory';
import { s3ObjectCreatedEventSchema } from '@ohlcv/events';
import { afterEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../object-store/fs-object-store.ts';
import { RawZone } from './raw-zone.ts';
import { eventually, type RuntimeKit, runtimeKit, TEST_BUCKET } from './testing/runtime-kit.ts';

const SETTLE_MS = 500;
const md5 = (s: string | Buffer): string => createHash('md5').update(s).digest('hex');

interface ObjectCreated {
  detail: {
    bucket: { name: string };
    object: { key: string; size: number; etag: string; sequencer: string };
  };
}

describe('RawZone: Object Created exactly once per key and etag', () => {
  const opened: { kit: RuntimeKit; zones: RawZone[] }[] = [];
  afterEach(async () => {
    for (const { kit, zones } of opened.splice(0)) {
      for (const z of zones) await z.close();
      kit.cleanup();
    }
  });

  function setup(clock = fixedClock(new Date()), kit = runtimeKit(clock)) {
    const logger = memoryLogger();
    const lakeRoot = path.join(kit.dir, 'lake');
    const entry = { kit, zones: [] as RawZone[] };
    opened.push(entry);
    const zoneOn = (k: RuntimeKit, c: Clock = clock, timers?: Timers): RawZone => {
      const zone = new RawZone({
        db: k.db,
        lakeRoot,
        bucketName: TEST_BUCKET,
        router: k.router,
        clock: c,
        ids: sequentialIds(`evt-${entry.zones.length}-`),
        logger,
        settleMs: SETTLE_MS,
        ...(timers ? { timers } : {}),
      });
      entry.zones.push(zone);
      return zone;
    };
    const zone = zoneOn(kit);
    const store = new FsObjectStore(lakeRoot, {
      onPut: (info) => {
        if (info.key.startsWith('raw/')) zone.tryAnnounce(info);
      },
    });
    const rawFile = async (key: string, body: string): Promise<string> => {
      const file = path.join(lakeRoot, ...key.split('/'));
      await fs.mkdir(path.dirname(file), { recursive: true });
      const src = path.join(kit.dir, 'outside.tmp');
      await fs.writeFile(src, body);
      await fs.copyFile(src, file);
      return file;
    };
    const events = (): ObjectCreated[] => {
      const bodies = kit.messages('etl-trigger');
      for (const b of bodies) expect(s3ObjectCreatedEventSchema.safeParse(b).success).toBe(true);
      return bodies as unknown as ObjectCreated[];
    };
    /** Moves the injected clock to "now": files written just before are still settling. */
    const fresh = (): void => clock.set(new Date());
    /** Moves the injected clock past the settle time of every file written so far. */
    const settle = (): void => clock.set(new Date(Date.now() + SETTLE_MS + 50));
    return { kit, clock, logger, lakeRoot, zone, zoneOn, store, rawFile, events, fresh, settle };
  }

  it('a put under raw/ announces once; the same bytes again do not; new bytes do', async () => {
    const { kit, zone, store, events } = setup();
    await store.put('raw/source=manual/a.csv', 'symbol,close\nAAPL,1\n');
    expect(events()).toHaveLength(1);
    const first = events()[0]!;
    expect(first.detail.bucket.name).toBe(TEST_BUCKET);
    expect(first.detail.object).toMatchObject({
      key: 'raw/source=manual/a.csv',
      size: 20,
      etag: md5('symbol,close\nAAPL,1\n'),
    });

    await store.put('raw/source=manual/a.csv', 'symbol,close\nAAPL,1\n');
    expect(await zone.scan()).toBe(0);
    expect(events()).toHaveLength(1);

    await store.put('raw/source=manual/a.csv', 'symbol,close\nAAPL,2\n');
    const all = events();
    expect(all).toHaveLength(2);
    expect(all[1]!.detail.object.etag).toBe(md5('symbol,close\nAAPL,2\n'));
    // A later write of a key has a greater sequencer, as S3 orders them.
    expect(all[1]!.detail.object.sequencer > all[0]!.detail.object.sequencer).toBe(true);
    // Nothing else routed, and the event log has each event with its target.
    expect(kit.messages('catalog-sync')).toEqual([]);
    expect(kit.log.last(10).map((e) => e.routedTo)).toEqual([['etl-trigger'], ['etl-trigger']]);
    expect(zone.announcedCount()).toBe(1);
  });

  it('a scan after a put remembers the file stat, so later scans skip it without hashing', async () => {
    const { kit, zone, store, lakeRoot, fresh } = setup();
    await store.put('raw/a.csv', 'x');
    fresh();
    expect(await zone.scan()).toBe(0);
    // Not "unsettled" either: it is the announced object, not a file being copied in.
    expect(zone.unsettled()).toBe(0);
    const stat = await fs.stat(path.join(lakeRoot, 'raw', 'a.csv'));
    const row = kit.db.prepare('SELECT size, mtime_ms FROM object_ledger WHERE key = ?').get('raw/a.csv');
    expect(row).toEqual({ size: 1, mtime_ms: stat.mtimeMs });
  });

  it('a file copied in from outside is announced by a scan only once it settled', async () => {
    const { zone, rawFile, events, fresh, settle } = setup();
    await rawFile('raw/drop/b.csv', 'symbol,close\nMSFT,3\n');
    fresh();
    expect(await zone.scan()).toBe(0);
    expect(zone.unsettled()).toBe(1);
    expect(events()).toHaveLength(0);

    settle();
    expect(await zone.scan()).toBe(1);
    expect(zone.unsettled()).toBe(0);
    expect(events().map((e) => e.detail.object)).toMatchObject([
      { key: 'raw/drop/b.csv', size: 20, etag: md5('symbol,close\nMSFT,3\n') },
    ]);
    expect(await zone.scan()).toBe(0);

    // Overwritten from outside with new bytes: a new event, after settling again.
    await rawFile('raw/drop/b.csv', 'symbol,close\nMSFT,4\n');
    fresh();
    expect(await zone.scan()).toBe(0);
    settle();
    expect(await zone.scan()).toBe(1);
    expect(events().map((e) => e.detail.object.etag)).toEqual([
      md5('symbol,close\nMSFT,3\n'),
      md5('symbol,close\nMSFT,4\n'),
    ]);
  });

  it('a scan requested while one runs answers after a walk that started later', async () => {
    const { zone, rawFile, events, settle } = setup();
    // A big file keeps the first scan busy hashing after its walk listed the folder.
    await rawFile('raw/big.csv', 'x'.repeat(32 * 1024 * 1024));
    settle();
    const running = zone.scan();
    await new Promise((r) => setTimeout(r, 5));
    await rawFile('raw/late.csv', 'late');
    settle();
    const again = zone.scan();
    expect(await running).toBe(1);
    await again;
    expect(events().map((e) => e.detail.object.key)).toEqual(['raw/big.csv', 'raw/late.csv']);
  });

  it('watch() picks up a dropped file with no call, once it has settled', async () => {
    const { kit, clock, zoneOn, rawFile, events } = setup();
    const timers = manualTimers();
    const zone = zoneOn(kit, clock, timers);
    zone.watch(60_000);
    await eventually(async () => (await fs.stat(zone.rawDir).catch(() => undefined)) !== undefined);
    const file = await rawFile('raw/watched/c.csv', 'symbol,close\nIBM,5\n');
    const written = (await fs.stat(file)).mtimeMs;
    clock.set(new Date(written));
    // The watcher's event (real, from the OS) schedules a scan 100 ms later.
    await eventually(() => timers.pending().includes(100));
    await timers.advance(100);
    // The file is fresh: the scan defers it (and schedules another within the settle time).
    await eventually(() => zone.unsettled() === 1);
    expect(events()).toHaveLength(0);
    expect(timers.pending()[0]).toBeLessThanOrEqual(SETTLE_MS);
    clock.set(new Date(written + SETTLE_MS + 1));
    await timers.advance(SETTLE_MS);
    await eventually(() => events().length === 1);
    expect(events()[0]!.detail.object.key).toBe('raw/watched/c.csv');
    // Later scans (the periodic one included) do not announce it again.
    await timers.advance(60_000);
    expect(await zone.scan()).toBe(0);
    expect(events()).toHaveLength(1);
  });

  it('files written while nothing runs are announced by the next RawZone on the same DB, never twice', async () => {
    const { kit, zone, zoneOn, store, rawFile, settle } = setup();
    await store.put('raw/before.csv', 'before');
    await zone.close();
    kit.db.close();

    // Nothing runs: a put elsewhere would go through the store; here files just appear.
    await rawFile('raw/while-down-1.csv', 'one');
    await rawFile('raw/nested/while-down-2.csv', 'two');
    settle();

    const next = kit.reopen();
    const restarted = zoneOn(next);
    expect(await restarted.scan()).toBe(2);
    const again = zoneOn(next.reopen());
    expect(await again.scan()).toBe(0);
    expect(await restarted.scan()).toBe(0);
    expect(
      next
        .messages('etl-trigger')
        .map((b) => (b as unknown as ObjectCreated).detail.object.key)
        .sort(),
    ).toEqual(['raw/before.csv', 'raw/nested/while-down-2.csv', 'raw/while-down-1.csv']);
  });

  it('files whose names are not valid keys are ignored with one warning', async () => {
    const { zone, lakeRoot, logger, events, settle } = setup();
    await fs.mkdir(path.join(lakeRoot, 'raw'), { recursive: true });
    const bad = path.join(lakeRoot, 'raw', 'bad\\name.csv');
    await fs.writeFile(bad, 'x');
    await fs.writeFile(path.join(lakeRoot, 'raw', '.hidden-partial.tmp'), 'x');
    settle();
    expect(await zone.scan()).toBe(0);
    expect(await zone.scan()).toBe(0);
    expect(events()).toEqual([]);
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.extra).toEqual({ file: bad });
  });

  it('two RawZones on one DB file (two connections) announce a file once', async () => {
    const { kit, zone, zoneOn, rawFile, events, settle } = setup();
    const other = zoneOn(kit.reopen());
    for (let i = 0; i < 5; i++) await rawFile(`raw/race/${i}.csv`, `body ${i}`);
    settle();
    const [a, b] = await Promise.all([zone.scan(), other.scan()]);
    expect(a + b).toBe(5);
    expect(events()).toHaveLength(5);
    const info = { key: 'raw/race/0.csv', size: 6, etag: md5('body 0'), lastModified: new Date() };
    expect(zone.tryAnnounce(info)).toBe(false);
    expect(other.tryAnnounce(info)).toBe(false);
    expect(events()).toHaveLength(5);
  });
});
