import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tables } from '@ohlcv/core';
import { resolveHome } from '@ohlcv/local';
import { openLocalCatalog, openStateDb } from '@ohlcv/local/catalog/index';
import { byMonth, dailyBars, writeTable } from '@ohlcv/local/catalog/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../command.ts';
import { captureIO } from '../testing/capture-io.ts';
import { queryCommand, toCsv } from './query.ts';

let dir: string;
const io = () => captureIO({ cwd: dir, env: { OHLCV_HOME: path.join(dir, 'home') } });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-cli-query-'));
  const home = resolveHome({ OHLCV_HOME: path.join(dir, 'home') }, dir);
  const db = openStateDb(home.stateDb);
  try {
    const local = openLocalCatalog({ db, lakeRoot: home.lake });
    await local.catalog.registerPartitions(
      'bars_daily',
      await writeTable(home.lake, tables.bars_daily, dailyBars({ from: '2024-01-01', days: 40 }), byMonth),
    );
  } finally {
    db.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ohlcv query', () => {
  it('runs a named query with parameters, as json', async () => {
    const t = io();
    const code = await queryCommand.run(
      ['top_movers', '--param', 'start_date=2024-01-10', '--param', 'k=2', '--format', 'json'],
      t.io,
    );
    expect(t.out.stderr).toBe('');
    expect(code).toBe(0);
    const rows = JSON.parse(t.out.stdout) as { side: string; rank: number }[];
    expect(rows.map((r) => [r.side, r.rank])).toEqual([
      ['top', 1],
      ['top', 2],
      ['bottom', 1],
      ['bottom', 2],
    ]);
  });

  it('prints a table and csv', async () => {
    const t = io();
    expect(await queryCommand.run(['monthly_volume', '--param', 'symbol=AAPL'], t.io)).toBe(0);
    expect(t.out.stdout).toMatch(/^symbol\s+month\s+total_volume/);
    expect(t.out.stdout).toMatch(/AAPL\s+2024-02/);
    const c = io();
    expect(
      await queryCommand.run(['--sql', 'SELECT :s AS s, 1 AS n', '-p', 's=a,"b"', '--format', 'csv'], c.io),
    ).toBe(0);
    expect(c.out.stdout).toBe('s,n\n"a,""b""",1\n');
  });

  it('lists queries with parameters and descriptions', async () => {
    const t = io();
    expect(await queryCommand.run(['--list'], t.io)).toBe(0);
    expect(t.out.stdout).toMatch(
      /volatility\s+start_date=1970-01-01 end_date=9999-12-31 window=20 symbol='' +Rolling volatility/,
    );
  });

  it('names what exists on an unknown query or parameter', async () => {
    await expect(queryCommand.run(['nope'], io().io)).rejects.toThrow(UsageError);
    await expect(queryCommand.run(['nope'], io().io)).rejects.toThrow(
      /known queries: daily_price_change, daily_returns, daily_volume/,
    );
    await expect(queryCommand.run(['volatility', '--param', 'n=60'], io().io)).rejects.toThrow(
      /no parameter n; it accepts: start_date .* window \(integer >= 2, default 20\)/,
    );
    await expect(queryCommand.run(['volatility', '--param', 'window'], io().io)).rejects.toThrow(/KEY=VALUE/);
    await expect(queryCommand.run(['volatility', '--format', 'xml'], io().io)).rejects.toThrow(/--format/);
  });

  it('reports a failing statement without a stack trace; a statement at fault is bad input (exit 2)', async () => {
    const t = io();
    expect(await queryCommand.run(['--sql', 'SELECT nope FROM ohlcv.bars_daily'], t.io)).toBe(2);
    expect(t.out.stderr).toMatch(/query failed: DuckDB: .*nope/);
  });

  it('says what to do when there is no runtime state yet', async () => {
    const t = io();
    t.io.env = { OHLCV_HOME: path.join(dir, 'empty') };
    expect(await queryCommand.run(['daily_volume'], t.io)).toBe(1);
    expect(t.out.stderr).toMatch(/ohlcv demo/);
  });

  it('csv quotes what needs quoting', () => {
    expect(toCsv([{ a: 'x\ny', b: null }])).toBe('a,b\n"x\ny",\n');
  });
});
