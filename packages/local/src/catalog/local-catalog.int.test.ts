import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ColumnSpec, type TableName, type TableSpec, tables } from '@ohlcv/core';
import { describeCatalogContract } from '@ohlcv/core/contracts/index';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateDb } from '../state-db.ts';
import { openLocalCatalog } from './local-catalog.ts';
import { byDateSymbol, byMonth, dailyBars, writeTable } from './testing/fixtures.ts';

let dir: string;
let db: Database.Database;
const clock = { now: () => new Date('2024-05-01T00:00:00Z') };

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-catalog-'));
  db = openStateDb(path.join(dir, 'state', 'ohlcv.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const lake = () => path.join(dir, 'lake');
const intradayRow = (symbol: string, ts: string, close: number) => ({
  symbol,
  exchange: '',
  interval: '1min',
  ts,
  open: close,
  high: close,
  low: close,
  close,
  volume: 1,
  source: 'file',
  ingested_at: '2024-01-02T12:00:00Z',
  raw_object: 'raw/x.csv',
});

describeCatalogContract('local catalog (SQLite state, DuckDB views)', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-catalog-contract-'));
  const state = openStateDb(path.join(root, 'state', 'ohlcv.db'));
  const local = openLocalCatalog({ db: state, lakeRoot: path.join(root, 'lake'), clock });
  return {
    catalog: local.catalog,
    cleanup: () => {
      local.close();
      state.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
});

describe('local catalog', () => {
  it('makes a registered partition queryable at once, and only registered ones', async () => {
    const local = openLocalCatalog({ db, lakeRoot: lake(), clock });
    const written = await writeTable(
      lake(),
      tables.bars,
      [intradayRow('BTC/USD', '2024-01-02 10:00:00', 42000), intradayRow('AAPL', '2024-01-02 15:30:00', 185)],
      byDateSymbol,
    );
    expect(await local.queryEngine.query('SELECT count(*) AS n FROM ohlcv.bars')).toEqual([{ n: 0 }]);

    const btc = written.find((p) => p.values.symbol === 'BTC/USD');
    expect(btc?.location).toBe('processed/bars/date=2024-01-02/symbol=BTC%2FUSD/');
    expect(await local.catalog.registerPartitions('bars', [btc!])).toEqual({ added: 1, existing: 0 });

    const rows = await local.queryEngine.query('SELECT symbol, "date", close FROM ohlcv.bars');
    expect(rows).toEqual([{ symbol: 'BTC/USD', date: '2024-01-02', close: 42000 }]);
  });

  it('counts an already registered partition as existing', async () => {
    const local = openLocalCatalog({ db, lakeRoot: lake(), clock });
    const written = await writeTable(
      lake(),
      tables.bars_daily,
      dailyBars({ from: '2024-01-30', days: 5 }),
      byMonth,
    );
    expect(written).toHaveLength(2);
    expect(await local.catalog.registerPartitions('bars_daily', written.slice(0, 1))).toEqual({
      added: 1,
      existing: 0,
    });
    expect(await local.catalog.registerPartitions('bars_daily', written)).toEqual({ added: 1, existing: 1 });
    expect(await local.catalog.registerPartitions('bars_daily', written)).toEqual({ added: 0, existing: 2 });
    expect(local.partitions('bars_daily').map((p) => p.values.month)).toEqual(['2024-01', '2024-02']);
  });

  it('binds parameters instead of splicing them', async () => {
    const local = openLocalCatalog({ db, lakeRoot: lake(), clock });
    const written = await writeTable(
      lake(),
      tables.bars_daily,
      dailyBars({ from: '2024-01-01', days: 3 }),
      byMonth,
    );
    await local.catalog.registerPartitions('bars_daily', written);
    const sql = 'SELECT count(*) AS n FROM ohlcv.bars_daily WHERE symbol = :symbol';
    expect(await local.queryEngine.query(sql, { symbol: 'BTC/USD' })).toEqual([{ n: 3 }]);
    expect(await local.queryEngine.query(sql, { symbol: "x' OR '1'='1" })).toEqual([{ n: 0 }]);
    await expect(local.queryEngine.query(sql, {})).rejects.toThrow(/missing query parameter\(s\): symbol/);
  });

  it('rejects partitions with wrong keys or a location outside the table', async () => {
    const local = openLocalCatalog({ db, lakeRoot: lake(), clock });
    await expect(
      local.catalog.registerPartitions('bars', [
        { values: { date: '2024-01-01' }, location: 'processed/bars/date=2024-01-01/' },
      ]),
    ).rejects.toMatchObject({ code: 'InvalidPartition' });
    await expect(
      local.catalog.registerPartitions('bars_daily', [
        { values: { month: '2024-01' }, location: 'processed/../x/' },
      ]),
    ).rejects.toMatchObject({ code: 'InvalidPartition' });
    await expect(local.catalog.registerPartitions('nope', [])).rejects.toMatchObject({
      code: 'UnknownTable',
    });
  });

  it('adds a new nullable column without breaking old partitions', async () => {
    const v1 = openLocalCatalog({ db, lakeRoot: lake(), clock });
    const jan = await writeTable(
      lake(),
      tables.bars_daily,
      dailyBars({ from: '2024-01-29', days: 2, symbols: ['AAPL'] }),
      byMonth,
    );
    await v1.catalog.registerPartitions('bars_daily', jan);
    expect(v1.schemaVersion('bars_daily')).toBe(1);

    const spread: ColumnSpec = { name: 'spread', type: 'double', nullable: true, comment: 'high - low' };
    const evolved = {
      ...tables,
      bars_daily: { ...tables.bars_daily, columns: [...tables.bars_daily.columns, spread] },
    } as unknown as Record<TableName, TableSpec>;
    const v2 = openLocalCatalog({ db, lakeRoot: lake(), clock, tables: evolved });
    // Until a file has the column, it reads as NULL everywhere.
    await v2.catalog.registerPartitions('bars_daily', []);
    expect(v2.schemaVersion('bars_daily')).toBe(2);
    expect(
      await v2.queryEngine.query('SELECT count(spread) AS n, count(*) AS total FROM ohlcv.bars_daily'),
    ).toEqual([{ n: 0, total: 2 }]);

    const feb = await writeTable(
      lake(),
      tables.bars_daily,
      dailyBars({ from: '2024-02-01', days: 1, symbols: ['AAPL'] }).map((b) => ({ ...b, spread: 2.5 })),
      byMonth,
      { columns: evolved.bars_daily.columns },
    );
    expect(await v2.catalog.registerPartitions('bars_daily', feb)).toEqual({ added: 1, existing: 0 });
    const rows = await v2.queryEngine.query(
      'SELECT "month", spread FROM ohlcv.bars_daily ORDER BY trade_date',
    );
    expect(rows).toEqual([
      { month: '2024-01', spread: null },
      { month: '2024-01', spread: null },
      { month: '2024-02', spread: 2.5 },
    ]);
  });

  it('refuses a schema change that would break old partitions', async () => {
    const local = openLocalCatalog({ db, lakeRoot: lake(), clock });
    await local.catalog.registerPartitions('quarantine', []);
    const broken = {
      ...tables,
      quarantine: { ...tables.quarantine, columns: tables.quarantine.columns.slice(1) },
    } as unknown as Record<TableName, TableSpec>;
    const next = openLocalCatalog({ db, lakeRoot: lake(), clock, tables: broken });
    await expect(next.catalog.registerPartitions('quarantine', [])).rejects.toMatchObject({
      code: 'IncompatibleSchemaChange',
    });
  });

  it('is readable from a second connection (another process) while the first one writes', async () => {
    const writer = openLocalCatalog({ db, lakeRoot: lake(), clock });
    const reader = new Database(path.join(dir, 'state', 'ohlcv.db'));
    try {
      const readerCatalog = openLocalCatalog({ db: reader, lakeRoot: lake(), clock });
      const written = await writeTable(
        lake(),
        tables.bars_daily,
        dailyBars({ from: '2024-03-01', days: 2 }),
        byMonth,
      );
      db.exec('BEGIN IMMEDIATE');
      db.exec('COMMIT');
      await writer.catalog.registerPartitions('bars_daily', written);
      expect(await readerCatalog.queryEngine.query('SELECT count(*) AS n FROM ohlcv.bars_daily')).toEqual([
        { n: 6 },
      ]);
    } finally {
      reader.close();
    }
  });

  it('still reads files of one schema version that differ (falls back to union_by_name)', async () => {
    const local = openLocalCatalog({ db, lakeRoot: lake(), clock });
    const full = await writeTable(
      lake(),
      tables.bars_daily,
      dailyBars({ from: '2024-01-31', days: 1, symbols: ['AAPL'] }),
      byMonth,
    );
    const withoutVwap = tables.bars_daily.columns.filter((c) => c.name !== 'vwap');
    const odd = await writeTable(
      lake(),
      tables.bars_daily,
      dailyBars({ from: '2024-02-01', days: 1, symbols: ['AAPL'] }),
      byMonth,
      {
        columns: withoutVwap,
      },
    );
    await local.catalog.registerPartitions('bars_daily', [...full, ...odd]);
    const rows = await local.queryEngine.query(
      'SELECT "month", vwap IS NULL AS no_vwap FROM ohlcv.bars_daily ORDER BY 1',
    );
    expect(rows).toEqual([
      { month: '2024-01', no_vwap: false },
      { month: '2024-02', no_vwap: true },
    ]);
  });

  it('skips a registered partition whose files are gone', async () => {
    const local = openLocalCatalog({ db, lakeRoot: lake(), clock });
    const written = await writeTable(
      lake(),
      tables.bars_daily,
      dailyBars({ from: '2024-01-31', days: 2, symbols: ['AAPL'] }),
      byMonth,
    );
    await local.catalog.registerPartitions('bars_daily', written);
    rmSync(path.join(lake(), written[0]!.location), { recursive: true });
    expect(await local.queryEngine.query('SELECT "month" FROM ohlcv.bars_daily')).toEqual([
      { month: '2024-02' },
    ]);
  });
});

describe('transient errors', () => {
  it('recognizes a vanished file and a schema mismatch', async () => {
    const { isVanishedFile, isSchemaMismatch } = await import('./duckdb-session.ts');
    expect(
      isVanishedFile(new Error('IO Error: No files found that match the pattern "/x/data_0.parquet"')),
    ).toBe(true);
    expect(isVanishedFile(new Error('Binder Error: column nope not found'))).toBe(false);
    expect(isSchemaMismatch(new Error('Invalid Input Error: schema mismatch in glob: column "a"'))).toBe(
      true,
    );
  });
});
