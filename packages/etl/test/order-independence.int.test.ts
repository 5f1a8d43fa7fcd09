import type { TableName } from '@ohlcv/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pool, schedules } from './fixtures/order-pool.ts';
import { TestLake } from './lake-harness.ts';

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
