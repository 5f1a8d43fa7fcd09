import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  type Clock,
  type IdGenerator,
  type Logger,
  type ObjectInfo,
  systemTimers,
  type Timers,
} from '@ohlcv/core';
import { buildS3ObjectCreatedEvent } from '@ohlcv/events';
import { md5File, walkFiles } from '../object-store/fs-object-store.ts';
import { pathToKey } from '../object-store/object-key.ts';
import type { StateDb } from '../state-db.ts';
import type { EventRouter } from './event-router.ts';

export interface RawZoneOptions {
  db: StateDb;
  lakeRoot: string;
  bucketName: string;
  router: EventRouter;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  /** A copied-in file is announced once it has not changed for this long. */
  settleMs?: number;
  /** Periodic and settle-time scans run on these (tests move them by hand). */
  timers?: Timers;
}

/**
 * Turns objects into `Object Created` events exactly once per (key, etag): puts through
 * the object store announce immediately; files copied into raw/ from outside — while the
 * runtime runs or while nothing runs — are found by a watcher plus a full scan. A ledger
 * row and the routed event commit in one transaction, so a crash neither loses an
 * announcement nor makes one twice.
 */
export class RawZone {
  private readonly o: Required<RawZoneOptions>;
  private readonly findStmt;
  private readonly upsertStmt;
  private readonly countStmt;
  private readonly touchStmt;
  private watcher: fs.FSWatcher | undefined;
  private cancelTick: (() => void) | undefined;
  private scanning: Promise<number> | undefined;
  private queuedScan: Promise<number> | undefined;
  private readonly warned = new Set<string>();
  private sequence = 0;
  private deferred = 0;
  private closed = false;

  constructor(opts: RawZoneOptions) {
    this.o = { settleMs: 750, timers: systemTimers, ...opts };
    opts.db.exec(`CREATE TABLE IF NOT EXISTS object_ledger (
      key TEXT PRIMARY KEY,
      etag TEXT NOT NULL,
      size INTEGER NOT NULL,
      mtime_ms REAL NOT NULL,
      announced_at TEXT NOT NULL
    )`);
    this.findStmt = opts.db.prepare('SELECT etag, size, mtime_ms FROM object_ledger WHERE key = ?');
    this.upsertStmt = opts.db.prepare(
      `INSERT INTO object_ledger (key, etag, size, mtime_ms, announced_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET etag = excluded.etag, size = excluded.size,
         mtime_ms = excluded.mtime_ms, announced_at = excluded.announced_at`,
    );
    this.countStmt = opts.db.prepare('SELECT COUNT(*) AS n FROM object_ledger');
    this.touchStmt = opts.db.prepare(
      'UPDATE object_ledger SET size = ?, mtime_ms = ? WHERE key = ? AND etag = ?',
    );
  }

  get rawDir(): string {
    return path.join(this.o.lakeRoot, 'raw');
  }

  /** Announces an object unless this exact version was announced before. */
  announce(info: ObjectInfo): boolean {
    const prev = this.findStmt.get(info.key) as { etag: string } | undefined;
    if (prev?.etag === info.etag) return false;
    const now = this.o.clock.now();
    const envelope = buildS3ObjectCreatedEvent({
      id: this.o.ids.next(),
      time: info.lastModified.toISOString(),
      bucket: this.o.bucketName,
      key: info.key,
      size: info.size,
      etag: info.etag,
      sequencer: `${now.getTime().toString(16).toUpperCase()}${(this.sequence++).toString(16).padStart(4, '0')}`,
    }) as unknown as Record<string, unknown>;
    let announced = false;
    this.o.router.deliver('default', [envelope], () => {
      // Re-check inside the transaction: another process may have announced it.
      const again = this.findStmt.get(info.key) as { etag: string } | undefined;
      if (again?.etag === info.etag) throw new AlreadyAnnounced();
      this.upsertStmt.run(info.key, info.etag, info.size, info.lastModified.getTime(), now.toISOString());
      announced = true;
    });
    return announced;
  }

  /** Safe wrapper: an object announced concurrently elsewhere is not an error. */
  tryAnnounce(info: ObjectInfo): boolean {
    try {
      return this.announce(info);
    } catch (err) {
      if (err instanceof AlreadyAnnounced) return false;
      throw err;
    }
  }

  /**
   * Finds raw files not yet announced (or changed since) and announces them. A call made
   * while a scan runs resolves after a fresh scan that started after the call, so a
   * caller that just copied a file in never gets the answer of a walk that missed it.
   */
  scan(): Promise<number> {
    if (this.scanning) {
      this.queuedScan ??= this.scanning
        .catch(() => 0)
        .then(() => {
          this.queuedScan = undefined;
          return this.scan();
        });
      return this.queuedScan;
    }
    this.scanning = this.scanOnce().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private async scanOnce(): Promise<number> {
    let announced = 0;
    let deferred = 0;
    for (const file of await walkFiles(this.rawDir)) {
      const key = pathToKey(this.o.lakeRoot, file);
      if (!key) {
        // Once per file, not on every periodic scan.
        if (!this.warned.has(file)) {
          this.warned.add(file);
          this.o.logger.warn('ignoring a raw file whose name is not a valid object key', { file });
        }
        continue;
      }
      const stat = await fsp.stat(file).catch(() => undefined);
      if (!stat?.isFile()) continue;
      const prev = this.findStmt.get(key) as { etag: string; size: number; mtime_ms: number } | undefined;
      if (prev && prev.size === stat.size && prev.mtime_ms === stat.mtimeMs) continue;
      if (prev && prev.size === stat.size) {
        const etag = await md5File(file);
        if (prev.etag === etag) {
          // Same bytes, another mtime (a put records ms where stat has sub-ms, or a `touch`):
          // remember the stat so later scans skip the file instead of hashing it each time.
          this.touchStmt.run(stat.size, stat.mtimeMs, key, etag);
          continue;
        }
      }
      // A file still being copied in must not be announced half-written.
      if (this.o.clock.now().getTime() - stat.mtimeMs < this.o.settleMs) {
        deferred++;
        this.scheduleScan(this.o.settleMs);
        continue;
      }
      const info = { key, size: stat.size, etag: await md5File(file), lastModified: stat.mtime };
      if (this.tryAnnounce(info)) {
        announced++;
        this.o.logger.info('raw object announced', { key, size: info.size });
      }
    }
    this.deferred = deferred;
    return announced;
  }

  /** Raw files seen by the last scan that were still settling (not yet announced). */
  unsettled(): number {
    return this.deferred;
  }

  /** Watches raw/ for files copied in from outside; a periodic scan covers missed events. */
  watch(intervalMs = 2000): void {
    fs.mkdirSync(this.rawDir, { recursive: true });
    try {
      this.watcher = fs.watch(this.rawDir, { recursive: true }, () => this.scheduleScan(100));
      this.watcher.on('error', (err) =>
        this.o.logger.warn('raw/ watcher failed; relying on periodic scans', { err }),
      );
    } catch (err) {
      this.o.logger.warn('recursive fs.watch unavailable; relying on periodic scans', { err: String(err) });
    }
    const tick = (): void => {
      if (this.closed) return;
      void this.scan().catch((err) => this.o.logger.error('raw/ scan failed', { err: String(err) }));
      this.cancelTick = this.o.timers.setTimeout(tick, intervalMs, { unref: true });
    };
    tick();
  }

  private pendingScan: (() => void) | undefined;
  private scheduleScan(delayMs: number): void {
    if (this.pendingScan || this.closed) return;
    this.pendingScan = this.o.timers.setTimeout(
      () => {
        this.pendingScan = undefined;
        void this.scan().catch((err) => this.o.logger.error('raw/ scan failed', { err: String(err) }));
      },
      delayMs,
      { unref: true },
    );
  }

  announcedCount(): number {
    return (this.countStmt.get() as { n: number }).n;
  }

  async close(): Promise<void> {
    this.watcher?.close();
    this.cancelTick?.();
    this.pendingScan?.();
    this.closed = true;
    await this.queuedScan?.catch(() => undefined);
    await this.scanning?.catch(() => undefined);
  }
}

class AlreadyAnnounced extends Error {}
