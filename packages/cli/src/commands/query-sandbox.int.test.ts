/**
 * `query --sql` (and every other query session: named queries, the dashboard) runs in a
 * sandbox: the ohlcv.* views and nothing else of the machine. Each refused statement is
 * exit 2 with the reason, and leaves no trace on disk.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tables } from '@ohlcv/core';
import { resolveHome } from '@ohlcv/local';
import { isSqlRefused, openLocalCatalog, openStateDb, SQL_REFUSED } from '@ohlcv/local/catalog/index';
import { byMonth, dailyBars, writeTable } from '@ohlcv/local/catalog/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIO } from '../testing/capture-io.ts';
import { queryCommand } from './query.ts';

let dir: string;
let home: ReturnType<typeof resolveHome>;
let secret: string;
let dataFile: string;
const sql = async (text: string) => {
  const t = captureIO({ cwd: dir, env: { OHLCV_HOME: home.root } });
  const code = await queryCommand.run(['--sql', text, '--format', 'json'], t.io);
  return { code, ...t.out };
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-cli-sandbox-'));
  home = resolveHome({ OHLCV_HOME: path.join(dir, 'home') }, dir);
  secret = path.join(dir, 'secret.txt');
  writeFileSync(secret, 'the secret');
  const db = openStateDb(home.stateDb);
  try {
    const local = openLocalCatalog({ db, lakeRoot: home.lake });
    const parts = await writeTable(
      home.lake,
      tables.bars_daily,
      dailyBars({ from: '2024-01-01', days: 10 }),
      byMonth,
    );
    await local.catalog.registerPartitions('bars_daily', parts);
    const first = parts[0]!.location;
    const name = readdirSync(path.join(home.lake, first)).find((n) => n.endsWith('.parquet'))!;
    dataFile = path.join(home.lake, first, name);
  } finally {
    db.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('query --sql sandbox', () => {
  it('the ohlcv.* views answer', async () => {
    const r = await sql('SELECT count(*) AS n FROM ohlcv.bars_daily');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0].n).toBeGreaterThan(0);
  });

  it.each([
    ['system files', () => "SELECT * FROM read_text('/etc/passwd')"],
    ['a file outside the home', () => `SELECT * FROM read_text('${secret}')`],
    ['a glob over the disk', () => "SELECT * FROM glob('/*')"],
    ['lake files beside the views', () => `SELECT * FROM read_parquet('${home.lake}/**/*.parquet')`],
    ['ATTACH', () => `ATTACH '${path.join(dir, 'attached.db')}' AS x`],
    ['SET', () => "SET memory_limit = '64GB'"],
    ['INSTALL', () => 'INSTALL httpfs'],
    ['LOAD', () => 'LOAD httpfs'],
    ['two statements', () => 'SELECT 1; SELECT 2'],
    ['CREATE', () => 'CREATE TABLE t AS SELECT 1'],
    ['PRAGMA that writes', () => "PRAGMA memory_limit = '64GB'"],
    ['EXPLAIN ANALYZE of a COPY', () => `EXPLAIN ANALYZE COPY (SELECT 1) TO '${path.join(dir, 'e.csv')}'`],
  ])('refuses %s: exit 2 with the reason', async (_what, text) => {
    const r = await sql(text());
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^query refused: \S/);
    expect(r.stderr).not.toContain('root:');
    expect(r.stderr).not.toContain('the secret');
    expect(existsSync(path.join(dir, 'attached.db'))).toBe(false);
  });

  it('refuses COPY ... TO into the lake, also onto a file the views read', async () => {
    const before = readFileSync(dataFile);
    const intoLake = path.join(home.lake, 'processed', 'x.csv');
    for (const target of [intoLake, path.join(dir, 'out.csv')]) {
      const r = await sql(`COPY (SELECT 42 AS answer) TO '${target}'`);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^query refused: Permission Error/);
    }
    // DuckDB's file fence lets this one through (the views read it): the statement check does not.
    const r = await sql(`COPY (SELECT 42 AS answer) TO '${dataFile}' (FORMAT parquet)`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^query refused: only read-only SELECT statements may run here, this is COPY/);
    expect(existsSync(intoLake)).toBe(false);
    expect(existsSync(path.join(dir, 'out.csv'))).toBe(false);
    expect(readFileSync(dataFile).equals(before)).toBe(true);
  });

  it('EXPLAIN (ANALYZE) of a SELECT is allowed', async () => {
    const r = await sql('EXPLAIN ANALYZE SELECT count(*) FROM ohlcv.bars_daily');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('runs with external access off, the configuration locked and a memory limit', async () => {
    const r = await sql(
      "SELECT current_setting('enable_external_access') AS ext, current_setting('lock_configuration') AS locked, current_setting('memory_limit') AS mem",
    );
    expect(r.code).toBe(0);
    const [row] = JSON.parse(r.stdout);
    expect(row).toMatchObject({ ext: false, locked: true });
    expect(row.mem).toMatch(/^(9\d\d\.\d MiB|1(\.0)? GiB)$/);
  });

  it('a session opened for several statements (the dashboard, bench) is the same sandbox', async () => {
    const db = openStateDb(home.stateDb);
    const session = await openLocalCatalog({ db, lakeRoot: home.lake }).openSession();
    try {
      const err = await session.query(`COPY (SELECT 1) TO '${path.join(dir, 'y.csv')}'`).catch((e) => e);
      expect(isSqlRefused(err) && err.code).toBe(SQL_REFUSED);
      const read = await session.query(`SELECT * FROM read_text('${secret}')`).catch((e) => e);
      expect(isSqlRefused(read)).toBe(true);
      expect(await session.query('SELECT count(*) AS n FROM ohlcv.bars_daily')).toHaveLength(1);
    } finally {
      session.close();
      db.close();
    }
    expect(existsSync(path.join(dir, 'y.csv'))).toBe(false);
  });
});
