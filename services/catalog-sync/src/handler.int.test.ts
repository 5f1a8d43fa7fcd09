/** catalog-sync on the real local catalog: a job run's partitions become queryable. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger, tables } from '@ohlcv/core';
import { memoryObjectStore, memoryPublisher } from '@ohlcv/core/contracts/in-memory';
import { openLocalCatalog, openStateDb } from '@ohlcv/local/catalog/index';
import { byDateSymbol, byMonth, dailyBars, writeTable } from '@ohlcv/local/catalog/testing/fixtures';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createCatalogSyncHandler } from './handler.ts';
import { batch, jobStateChange, putSummary, summary } from './testing/fixtures.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-catalog-sync-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('makes the partitions of a succeeded run queryable without any manual step', async () => {
  const lake = path.join(dir, 'lake');
  const db = openStateDb(path.join(dir, 'state.db'));
  try {
    const local = openLocalCatalog({ db, lakeRoot: lake });
    const daily = await writeTable(
      lake,
      tables.bars_daily,
      dailyBars({ from: '2024-01-30', days: 4 }),
      byMonth,
    );
    const intraday = await writeTable(
      lake,
      tables.bars,
      [
        {
          symbol: 'BTC/USD',
          exchange: '',
          interval: '1min',
          ts: '2024-01-02 10:00:00',
          open: 1,
          high: 1,
          low: 1,
          close: 1,
          volume: 1,
          source: 'file',
          ingested_at: '2024-01-02 11:00:00',
          raw_object: 'raw/x.csv',
        },
      ],
      byDateSymbol,
    );
    const store = memoryObjectStore();
    const publisher = memoryPublisher();
    await putSummary(
      store,
      summary({
        partitionsWritten: [
          ...daily.map((p) => ({ table: 'bars_daily' as const, ...p, rows: 1 })),
          ...intraday.map((p) => ({ table: 'bars' as const, ...p, rows: 1 })),
        ],
      }),
    );
    expect(await local.queryEngine.query('SELECT count(*) AS n FROM ohlcv.bars_daily')).toEqual([{ n: 0 }]);

    const handler = createCatalogSyncHandler({
      store,
      catalog: local.catalog,
      publisher,
      logger: silentLogger,
    });
    expect(await handler(batch(jobStateChange('jr_1')))).toEqual({ batchItemFailures: [] });

    expect(
      await local.queryEngine.query(
        'SELECT "month", count(*) AS n FROM ohlcv.bars_daily GROUP BY 1 ORDER BY 1',
      ),
    ).toEqual([
      { month: '2024-01', n: 8 },
      { month: '2024-02', n: 8 },
    ]);
    expect(await local.queryEngine.query('SELECT symbol, "date" FROM ohlcv.bars')).toEqual([
      { symbol: 'BTC/USD', date: '2024-01-02' },
    ]);
    const registered = publisher.batches[0]![1]!.detail as { tables: { table: string; added: number }[] };
    expect(registered.tables).toEqual([
      expect.objectContaining({ table: 'bars', added: 1 }),
      expect.objectContaining({ table: 'bars_daily', added: 2 }),
    ]);

    // Redelivery: nothing changes, nothing is published again.
    await handler(batch(jobStateChange('jr_1')));
    expect(publisher.batches).toHaveLength(1);
    expect(local.partitions('bars_daily')).toHaveLength(2);
  } finally {
    db.close();
  }
});
