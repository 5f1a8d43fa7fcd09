/**
 * State versions: an OHLCV_HOME written by an earlier release (fixtures/home-release-1 and
 * home-release-2, built from those releases' code by fixtures/make-home-release-<n>.sh) is
 * migrated and keeps working; one written by a newer release is refused with what to do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAppError } from '@ohlcv/core';
import {
  LAKE_LAYOUT_VERSION,
  LocalRuntime,
  openStateDb,
  resolveHome,
  STATE_DB_VERSION,
  STATE_TOO_NEW,
} from '@ohlcv/local';
import { createTwelveDataClient } from '@ohlcv/twelvedata';
import { afterEach, describe, expect, it } from 'vitest';
import { localServices } from './local-services.ts';
import { tempHome } from './testing/pipeline-fixtures.ts';

const fixtureOf = (release: number) =>
  fileURLToPath(new URL(`./testing/fixtures/home-release-${release}`, import.meta.url));

let home: { root: string; cleanup: () => void } | undefined;
afterEach(() => home?.cleanup());

function copyFixture(release = 1): ReturnType<typeof resolveHome> {
  home = tempHome('ohlcv-state-version-');
  fs.cpSync(fixtureOf(release), home.root, { recursive: true });
  return resolveHome({ OHLCV_HOME: home.root }, '/');
}

function open(layout: ReturnType<typeof resolveHome>): LocalRuntime {
  const rt = LocalRuntime.open({ home: layout });
  rt.attachServices(
    localServices({
      marketData: createTwelveDataClient({ apiKey: 'unused', baseUrl: 'http://127.0.0.1:9' }),
      env: {},
    }),
  );
  return rt;
}

const columns = (rt: LocalRuntime, table: string): string[] =>
  (rt.db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[]).map(
    (c) => c.name,
  );

describe('state versions', () => {
  it("migrates the previous release's home: its data stays queryable and new runs build on it", async () => {
    const layout = copyFixture();
    const rt = open(layout);
    try {
      expect(rt.db.pragma('user_version', { simple: true })).toBe(STATE_DB_VERSION);
      expect(columns(rt, 'job_runs')).toContain('attempts');
      expect(columns(rt, 'engine_lock')).toContain('process_start');
      // The old file, kept as it was.
      expect(fs.existsSync(`${layout.stateDb}.v1.bak`)).toBe(true);
      expect(JSON.parse(fs.readFileSync(path.join(layout.lake, '_ohlcv/lake.json'), 'utf8'))).toEqual({
        layoutVersion: LAKE_LAYOUT_VERSION,
      });
      const q = (sql: string) => rt.catalog.queryEngine.query(sql);
      expect(await q('SELECT count(*) AS n FROM ohlcv.bars')).toEqual([{ n: 24 }]);
      expect(await q('SELECT count(*) AS n FROM ohlcv.bars_hourly')).toEqual([{ n: 8 }]);

      // A later bar of AAPL on a day the old release wrote: merged into that partition.
      await rt.store.put(
        'raw/drops/later.csv',
        'symbol,interval,timestamp,open,high,low,close,volume\nAAPL,15min,2024-03-08T17:00:00Z,190,191,189,190.5,1234\n',
      );
      await rt.drain();
      expect(rt.jobRunner.counts()).toMatchObject({ SUCCEEDED: 2, FAILED: 0 }); // the old release's run and this one
      expect(
        await q("SELECT count(*) AS n FROM ohlcv.bars WHERE symbol = 'AAPL' AND date = '2024-03-08'"),
      ).toEqual([{ n: 7 }]);
      expect(await q('SELECT count(*) AS n FROM ohlcv.bars')).toEqual([{ n: 25 }]);
      const partition = path.join(layout.lake, 'processed/bars/date=2024-03-08/symbol=AAPL');
      // The old release's file is superseded by a version folder once the catalog switched.
      expect(fs.readdirSync(partition)).toEqual(['_v0000000001-' + rt.jobRunner.runs()[0]!.jobRunId]);
    } finally {
      await rt.close();
    }
  }, 60_000);

  it('migrates layout 2 (before plan versions): old rows read NULL plan_version, a rewrite keeps it on the rows it carries over', async () => {
    const layout = copyFixture(2);
    const rt = open(layout);
    try {
      expect(JSON.parse(fs.readFileSync(path.join(layout.lake, '_ohlcv/lake.json'), 'utf8'))).toEqual({
        layoutVersion: LAKE_LAYOUT_VERSION,
      });
      expect(LAKE_LAYOUT_VERSION).toBe(3);
      const q = (sql: string) => rt.catalog.queryEngine.query(sql);
      const byVersion = (table: string) =>
        q(`SELECT plan_version, count(*) AS n FROM ohlcv.${table} GROUP BY 1 ORDER BY 1 NULLS FIRST`);
      // NULL = written before plan versions.
      expect(await byVersion('bars')).toEqual([{ plan_version: null, n: 24 }]);
      expect(await byVersion('bars_hourly')).toEqual([{ plan_version: null, n: 8 }]);
      expect(await byVersion('bars_daily')).toEqual([{ plan_version: null, n: 4 }]);
      expect(await byVersion('quarantine')).toEqual([{ plan_version: null, n: 1 }]);

      // A later bar of AAPL on 2024-03-08: that partition is rewritten with the six bars it had.
      await rt.store.put(
        'raw/drops/later.csv',
        'symbol,interval,timestamp,open,high,low,close,volume\nAAPL,15min,2024-03-08T17:00:00Z,190,191,189,190.5,1234\n',
      );
      await rt.drain();
      expect(rt.jobRunner.counts()).toMatchObject({ SUCCEEDED: 2, FAILED: 0 });
      // This release's plan version, from the run summary of the run just made.
      const oldRun = fs.readdirSync(path.join(fixtureOf(2), 'lake/_runs'))[0];
      const newRun = rt.jobRunner.runs().find((r) => r.jobRunId !== oldRun)!.jobRunId;
      const current = JSON.parse(
        fs.readFileSync(path.join(layout.lake, '_runs', newRun, 'summary.json'), 'utf8'),
      ).planVersion;
      expect(current).toMatch(/^[0-9a-f]{16}$/);
      // The new bar was validated by this plan; the six carried over were not, and keep NULL.
      expect(
        await q(
          "SELECT plan_version, count(*) AS n FROM ohlcv.bars WHERE symbol = 'AAPL' AND date = '2024-03-08' GROUP BY 1 ORDER BY 1 NULLS FIRST",
        ),
      ).toEqual([
        { plan_version: null, n: 6 },
        { plan_version: current, n: 1 },
      ]);
      expect(await byVersion('bars')).toEqual([
        { plan_version: null, n: 24 },
        { plan_version: current, n: 1 },
      ]);
      // Rollups of the rewritten symbol-day are this run's; the others keep NULL.
      expect(
        await q(
          "SELECT symbol, plan_version, count(*) AS n FROM ohlcv.bars_hourly WHERE date = '2024-03-08' GROUP BY 1, 2 ORDER BY 1",
        ),
      ).toEqual([
        { symbol: 'AAPL', plan_version: current, n: 3 },
        { symbol: 'MSFT', plan_version: null, n: 2 },
      ]);
      expect(
        await q(
          'SELECT symbol, CAST(trade_date AS VARCHAR) AS d, plan_version FROM ohlcv.bars_daily ORDER BY 1, 2',
        ),
      ).toEqual([
        { symbol: 'AAPL', d: '2024-03-07', plan_version: null },
        { symbol: 'AAPL', d: '2024-03-08', plan_version: current },
        { symbol: 'MSFT', d: '2024-03-07', plan_version: null },
        { symbol: 'MSFT', d: '2024-03-08', plan_version: null },
      ]);
    } finally {
      await rt.close();
    }
  }, 60_000);

  it('refuses a state database written by a newer release, saying what to do', () => {
    const layout = copyFixture();
    // What a newer release leaves: its own, higher version.
    const db = openStateDb(layout.stateDb);
    db.pragma(`user_version = ${STATE_DB_VERSION + 1}`);
    db.close();
    const err = (() => {
      try {
        LocalRuntime.open({ home: layout });
      } catch (e) {
        return e;
      }
    })();
    expect(isAppError(err) && err.code).toBe(STATE_TOO_NEW);
    expect((err as Error).message).toMatch(/newer ohlcv release .*Upgrade ohlcv.*OHLCV_HOME/);
  });

  it('refuses a lake written by a newer release', () => {
    const layout = copyFixture();
    fs.mkdirSync(path.join(layout.lake, '_ohlcv'), { recursive: true });
    fs.writeFileSync(
      path.join(layout.lake, '_ohlcv/lake.json'),
      JSON.stringify({ layoutVersion: LAKE_LAYOUT_VERSION + 1 }),
    );
    expect(() => LocalRuntime.open({ home: layout })).toThrow(/lake was written by a newer ohlcv release/);
  });
});
