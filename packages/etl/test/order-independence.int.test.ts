import type { TableName } from '@ohlcv/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RawObject } from './lake-harness.ts';
import { ndjsonBar, TestLake } from './lake-harness.ts';

/**
 * A pool of raw objects that disagree with each other: revisions of the same bar with
 * different ingested_at, exact copies across objects, CSV and NDJSON for one key, bad
 * rows, a symbol with a slash, days across a month boundary with gaps.
 */
const pool: RawObject[] = [
  {
    key: 'raw/a.ndjson',
    body: [
      ndjsonBar({ symbol: 'AAPL', ts: '2024-01-30T14:30:00Z', close: 10 }),
      ndjsonBar({ symbol: 'AAPL', ts: '2024-01-30T14:31:00Z', close: 11 }),
      ndjsonBar({ symbol: 'BTC/USD', ts: '2024-02-01T00:00:00Z', close: 40000, volume: null }),
      '{broken',
    ].join('\n'),
  },
  {
    key: 'raw/b.ndjson',
    body: [
      ndjsonBar({
        symbol: 'AAPL',
        ts: '2024-01-30T14:31:00Z',
        close: 12,
        ingested_at: '2024-01-05T00:00:00Z',
      }),
      ndjsonBar({ symbol: 'AAPL', ts: '2024-02-01T15:00:00Z', close: 13 }),
      ndjsonBar({ symbol: 'AAPL', ts: '2024-02-01T15:00:00Z', close: 13 }),
    ].join('\n'),
  },
  {
    key: 'raw/c.csv',
    body: 'symbol,interval,timestamp,open,high,low,close,volume,exchange,ingested_at\nAAPL,1min,2024-01-31T16:00:00Z,9,9.5,8.5,9,10,XNAS,2024-01-04T00:00:00Z\nAAPL,1min,2024-01-31T16:01:00Z,-1,1,1,1,1,XNAS,2024-01-04T00:00:00Z\n',
    lastModified: '2024-01-04T08:00:00Z',
  },
  {
    key: 'raw/d.ndjson',
    body: [
      ndjsonBar({ symbol: 'BTC/USD', ts: '2024-01-29T23:59:00Z', close: 39000 }),
      ndjsonBar({ symbol: 'BTC/USD', ts: '2024-02-03T00:00:00Z', close: 41000 }),
      ndjsonBar({ symbol: 'AAPL', ts: '2024-01-30T14:30:00Z', close: 10 }),
    ].join('\n'),
  },
  {
    key: 'raw/e.ndjson',
    body: [
      ndjsonBar({ symbol: 'AAPL', ts: '2024-01-29T20:00:00Z', close: 8 }),
      ndjsonBar({
        symbol: 'AAPL',
        ts: '2024-01-31T16:00:00Z',
        close: 9.9,
        ingested_at: '2024-01-02T00:00:00Z',
      }),
    ].join('\n'),
  },
];

const TABLES: TableName[] = ['bars', 'bars_hourly', 'bars_daily', 'quarantine'];

async function snapshot(lake: TestLake) {
  const out: Record<string, unknown> = {};
  // job_run_id names the run that first saw a bad row: it depends on batching by design.
  for (const t of TABLES) out[t] = await lake.dump(t, t === 'quarantine' ? ['job_run_id'] : []);
  return out;
}

/** stagingBatchBytes 1: every NDJSON object is staged (and validated) on its own. */
async function deliver(batches: number[][], stagingBatchBytes?: number) {
  const lake = new TestLake();
  try {
    for (const batch of batches) {
      if (batch.length)
        await lake.run(
          batch.map((i) => pool[i]!),
          { stagingBatchBytes },
        );
    }
    return await snapshot(lake);
  } finally {
    lake.cleanup();
  }
}

/** Every object at least once, in any order, split into any batches, with repeats. */
const schedules = fc
  .tuple(
    fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }),
    fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }),
    fc.constantFrom(undefined, 1),
  )
  .map(([order, repeats, sizes, stagingBatchBytes]) => {
    const seq = [...order, ...repeats];
    const batches: number[][] = [];
    let i = 0;
    for (let b = 0; i < seq.length; b++) {
      const size = sizes[b % sizes.length]!;
      batches.push(seq.slice(i, i + size));
      i += size;
    }
    return { batches, stagingBatchBytes };
  });

describe('order independence on the real local job', () => {
  it('any order, batching and repetition of the same objects gives identical tables', async () => {
    const reference = await deliver([[0, 1, 2, 3, 4]]);
    expect((reference.bars as unknown[]).length).toBe(8);
    expect((reference.quarantine as unknown[]).length).toBe(2);
    await fc.assert(
      fc.asyncProperty(schedules, async ({ batches, stagingBatchBytes }) => {
        expect(await deliver(batches, stagingBatchBytes)).toEqual(reference);
      }),
      { numRuns: 6, seed: 20240601 },
    );
  });
});
