import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { RunSummary } from '@ohlcv/core';
import { runSummaryKey, runSummarySchema } from '@ohlcv/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpus, expected } from './fixtures/bad-input.ts';
import { dropParquetColumn, TestLake } from './lake-harness.ts';

describe('quarantine corpus', () => {
  const lake = new TestLake();
  let summary: RunSummary;
  beforeAll(async () => {
    summary = await lake.run(corpus);
  });
  afterAll(() => lake.cleanup());

  it('quarantines each bad row with its reason, partitioned by the object write date', async () => {
    const rows = await lake.dump('quarantine');
    expect(rows.map((r) => [r.raw_object, Number(r.line_number), r.reason_codes])).toEqual(expected);
    expect(new Set(rows.map((r) => r.date))).toEqual(new Set(['2024-01-03']));
    expect(rows.every((r) => r.job_run_id === 'run-1')).toBe(true);
  });

  it('keeps the good rows of BOM, CRLF, gzip and header-variant files', async () => {
    const bars = await lake.dump('bars');
    expect(bars.map((b) => [b.symbol, b.ts, b.raw_object])).toEqual([
      ['AAPL', '2024-01-02 14:30:00', 'raw/bom-crlf.ndjson'],
      ['AAPL', '2024-01-02 14:31:00', 'raw/bom-crlf.ndjson'],
      ['AAPL', '2024-01-02 14:41:00', 'raw/ok.ndjson.gz'],
      ['MSFT', '2024-01-02 14:30:00', 'raw/bom.csv'],
    ]);
  });

  it('accounts for every raw row and writes the contract summary', () => {
    expect(summary).toMatchObject({
      rowsIn: 20,
      rowsKept: 4,
      rowsQuarantined: 16,
      duplicates: 0,
      objects: 8,
    });
    const onDisk = JSON.parse(readFileSync(join(lake.root, runSummaryKey('run-1')), 'utf8'));
    expect(runSummarySchema.parse(onDisk)).toEqual(summary);
    expect(summary.dataQuality.every((r) => r.passed)).toBe(true);
    expect(summary.partitionsWritten.map((p) => p.location)).toContain(
      'quarantine/date=2024-01-03/_v0000000001-run-1/',
    );
  });

  it('is idempotent: reprocessing the corpus adds no quarantine rows', async () => {
    const before = await lake.dump('quarantine');
    const again = await lake.run(corpus);
    expect(again.rowsQuarantined).toBe(16);
    expect(again.rowsKept + again.duplicates).toBe(4);
    expect(await lake.dump('quarantine')).toEqual(before);
  });

  it.each([
    ['every object staged in a batch of its own', { stagingBatchBytes: 1 }],
    ['lines split on two connections at once', { threads: 2 }],
  ])('gives the same rows and counts with %s', async (_, options) => {
    const single = new TestLake();
    try {
      const batched = await single.run(corpus, options);
      expect(batched).toMatchObject({ rowsIn: 20, rowsKept: 4, rowsQuarantined: 16, duplicates: 0 });
      expect(await single.dump('quarantine')).toEqual(await lake.dump('quarantine'));
      expect(await single.dump('bars')).toEqual(await lake.dump('bars'));
    } finally {
      single.cleanup();
    }
  });
});

describe('reason_detail and the run summary’s top reasons (issue 14)', () => {
  const tickerCsv = {
    key: 'raw/ticker.csv',
    body: 'ticker,freq,time,o,h,l,c,v\nAAPL,1min,2024-01-02T15:00:00Z,1,2,0.5,1.5,3\nMSFT,1min,2024-01-02T15:00:00Z,1,2,0.5,1.5,3\n',
  };
  const detail =
    'missing: symbol, interval, ts, open, high, low, close; unknown: ticker, freq, time, o, h, l, c, v';

  it('names the columns of a bad header, and the summary carries them', async () => {
    const lake = new TestLake();
    try {
      const summary = await lake.run([
        tickerCsv,
        {
          key: 'raw/timestamp.ndjson',
          body: [
            '{"symbol":"AAPL","interval":"1min","timestamp":"2024-01-02T15:00:00Z","open":1,"high":2,"low":0.5,"close":1.5}',
            '{"symbol":"AAPL","interval":"1min","ts":"2024-01-02T15:01:00Z","timestamp":"2024-01-02T15:01:00Z","open":1,"high":2,"low":0.5,"close":1.5}',
          ].join('\n'),
        },
      ]);
      expect(summary).toMatchObject({ rowsIn: 4, rowsKept: 1, rowsQuarantined: 3 });
      expect(summary.quarantineReasons).toEqual([
        { reasonCodes: ['missing_field', 'unknown_field'], detail, rows: 2 },
        { reasonCodes: ['duplicate_field'], detail: 'duplicate: ts, timestamp', rows: 1 },
      ]);
      const q = await lake.dump('quarantine');
      expect(q.map((r) => [r.raw_object, r.line_number, r.reason_codes, r.reason_detail])).toEqual([
        ['raw/ticker.csv', '2', ['missing_field', 'unknown_field'], detail],
        ['raw/ticker.csv', '3', ['missing_field', 'unknown_field'], detail],
        ['raw/timestamp.ndjson', '2', ['duplicate_field'], 'duplicate: ts, timestamp'],
      ]);
      expect((await lake.dump('bars')).map((b) => [b.symbol, b.ts])).toEqual([
        ['AAPL', '2024-01-02 15:00:00'],
      ]);
    } finally {
      lake.cleanup();
    }
  });

  it('a quarantine partition written before reason_detail existed is read and rewritten (NULL detail)', async () => {
    const lake = new TestLake();
    try {
      await lake.run(corpus);
      // Make the lake an old one: its quarantine files without the column.
      const files = await dropParquetColumn(lake.root, 'quarantine/', 'reason_detail');
      expect(files.length).toBeGreaterThan(0);
      const instance = await DuckDBInstance.create(':memory:');
      const conn = await instance.connect();
      const cols = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${files[0]}')`);
      expect(cols.getRowObjectsJson().map((r) => r.column_name)).not.toContain('reason_detail');
      conn.closeSync();
      instance.closeSync();
      // Same write date: the run reads the old partition and rewrites it with the new row.
      const summary = await lake.run([tickerCsv]);
      expect(summary.rowsQuarantined).toBe(2);
      const q = await lake.dump('quarantine');
      expect(q).toHaveLength(expected.length + 2);
      expect(q.filter((r) => r.raw_object === 'raw/ticker.csv').map((r) => r.reason_detail)).toEqual([
        detail,
        detail,
      ]);
      expect(q.filter((r) => r.raw_object !== 'raw/ticker.csv').every((r) => r.reason_detail === null)).toBe(
        true,
      );
    } finally {
      lake.cleanup();
    }
  });
});
