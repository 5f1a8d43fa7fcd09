import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '@ohlcv/core';
import { runSummaryKey, runSummarySchema } from '@ohlcv/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpus, expected } from './fixtures/bad-input.ts';
import { TestLake } from './lake-harness.ts';

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
