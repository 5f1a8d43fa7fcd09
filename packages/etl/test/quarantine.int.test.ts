import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { RunSummary } from '@ohlcv/core';
import { runSummaryKey, runSummarySchema } from '@ohlcv/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ndjsonBar, TestLake } from './lake-harness.ts';

const good = (ts: string, close = 10) => ndjsonBar({ symbol: 'AAPL', ts, close });
const withField = (over: Record<string, unknown>) =>
  JSON.stringify({ ...JSON.parse(good('2024-01-02T15:00:00Z')), ...over });

const corpus = [
  { key: 'raw/empty.ndjson', body: '' },
  {
    key: 'raw/bom-crlf.ndjson',
    body: `\uFEFF${good('2024-01-02T14:30:00Z')}\r\n${good('2024-01-02T14:31:00Z')}\r\n\r\n`,
  },
  {
    key: 'raw/bom.csv',
    body: '\uFEFFSYMBOL,Interval,TimeStamp,open,high,low,close,volume\r\nMSFT,1min,2024-01-02T14:30:00Z,1,2,0.5,1.5,3\r\n',
  },
  { key: 'raw/truncated.ndjson.gz', body: gzipSync(good('2024-01-02T14:40:00Z')).subarray(0, 20) },
  { key: 'raw/ok.ndjson.gz', body: gzipSync(`${good('2024-01-02T14:41:00Z')}\n`) },
  {
    key: 'raw/bad.ndjson',
    body: [
      '{not json',
      '[1,2]',
      withField({ symbol: null }),
      withField({ extra: 1 }),
      withField({ interval: '7min' }),
      withField({ open: 'abc' }),
      withField({ high: 'Infinity' }),
      withField({ open: -1, low: -2 }),
      withField({ high: 9 }),
      withField({ volume: -5 }),
      withField({ ts: 'not a time' }),
      withField({ ts: '2030-01-01T00:00:00Z' }),
      `${good('2024-01-02T14:50:00Z').slice(0, 40)}`,
    ].join('\n'),
  },
  {
    key: 'raw/short.csv',
    body: 'symbol,interval,timestamp,open,high,low,close,volume\nIBM,1min,2024-01-02T14:30:00Z,1,2\n',
  },
  { key: 'raw/td.json', body: '{"meta": {"symbol": "X"}, "values": "nope"}' },
];

const expected: Array<[string, number, string[]]> = [
  ['raw/bad.ndjson', 1, ['unparseable_line']],
  ['raw/bad.ndjson', 2, ['unparseable_line']],
  ['raw/bad.ndjson', 3, ['missing_field']],
  ['raw/bad.ndjson', 4, ['unknown_field']],
  ['raw/bad.ndjson', 5, ['unknown_interval']],
  ['raw/bad.ndjson', 6, ['price_not_numeric']],
  ['raw/bad.ndjson', 7, ['price_not_finite']],
  ['raw/bad.ndjson', 8, ['price_not_positive']],
  ['raw/bad.ndjson', 9, ['ohlc_inconsistent']],
  ['raw/bad.ndjson', 10, ['volume_negative']],
  ['raw/bad.ndjson', 11, ['timestamp_unparseable']],
  ['raw/bad.ndjson', 12, ['timestamp_in_future']],
  ['raw/bad.ndjson', 13, ['unparseable_line']],
  ['raw/short.csv', 2, ['unparseable_line']],
  ['raw/td.json', 1, ['unparseable_line']],
  ['raw/truncated.ndjson.gz', 1, ['unreadable_object']],
];

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
