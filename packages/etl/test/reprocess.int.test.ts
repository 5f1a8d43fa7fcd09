import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '@ohlcv/core';
import { describe, expect, it } from 'vitest';
import { runEtlJob } from '../src/job.ts';
import { planVersion } from '../src/plan.ts';
import { reprocessFromRaw } from '../src/reprocess.ts';
import { reprocessDrop } from './fixtures/reprocess-drop.ts';
import { clock, TestLake } from './lake-harness.ts';

const objects = reprocessDrop;

/** A partition no raw object gives: what a row accepted under an older rule looks like now. */
function plantStale(lake: TestLake, date: string): string {
  const from = join(lake.root, 'processed/bars/date=2024-01-03/symbol=AAPL');
  const to = join(lake.root, `processed/bars/date=${date}/symbol=ZZZ`);
  cpSync(from, to, { recursive: true });
  return to;
}

describe('reprocess from raw', () => {
  it('rebuilds the range from raw with the current plan: stale partitions in it go, outside it stay', async () => {
    const lake = new TestLake();
    try {
      await lake.run(objects);
      const inRange = plantStale(lake, '2024-01-03');
      const outside = plantStale(lake, '2024-01-10');
      const manifest: Manifest = {
        manifestId: 'reprocess-1',
        createdAt: clock.now().toISOString(),
        correlationId: 'reprocess-1',
        objects: objects.map((o) => lake.put(o)),
      };
      const result = await reprocessFromRaw({
        lakeRoot: lake.root,
        manifest,
        jobRunId: 'jr_reprocess-1',
        scope: { from: '2024-01-03', to: '2024-01-03' },
        runJob: (lakeRoot, m, jobRunId) =>
          runEtlJob({ lakeRoot, manifest: m, jobRunId, jobName: 'ohlcv-etl', clock, threads: 1 }),
      });
      expect(existsSync(inRange)).toBe(false);
      expect(existsSync(outside)).toBe(true);
      expect(result.removed.map((r) => r.location)).toEqual(['processed/bars/date=2024-01-03/symbol=ZZZ/']);
      // The range plus each symbol's next partition after it (its pct_change).
      expect(
        result.replaced
          .filter((p) => p.table === 'bars')
          .map((p) => p.location)
          .sort(),
      ).toEqual([
        'processed/bars/date=2024-01-03/symbol=AAPL/_v0000000002-jr_reprocess-1/',
        'processed/bars/date=2024-01-03/symbol=MSFT/_v0000000002-jr_reprocess-1/',
        'processed/bars/date=2024-01-04/symbol=AAPL/_v0000000002-jr_reprocess-1/',
      ]);
      expect(result.summary.planVersion).toBe(planVersion());
      expect(existsSync(join(lake.root, '_reprocess'))).toBe(true);
      expect(existsSync(join(lake.root, '_reprocess', 'jr_reprocess-1'))).toBe(false);
      expect(existsSync(join(lake.root, 'raw/a.ndjson'))).toBe(true);

      // Unscoped: the lake equals a fresh run of the same raw, the stale partition gone too.
      const fresh = new TestLake();
      try {
        await fresh.run(objects);
        await reprocessFromRaw({
          lakeRoot: lake.root,
          manifest: { ...manifest, manifestId: 'reprocess-2' },
          jobRunId: 'run-1',
          scope: {},
          runJob: (lakeRoot, m, jobRunId) =>
            runEtlJob({ lakeRoot, manifest: m, jobRunId, jobName: 'ohlcv-etl', clock, threads: 1 }),
        });
        for (const t of ['bars', 'bars_hourly', 'bars_daily', 'quarantine'] as const)
          expect(await lake.dump(t), t).toEqual(await fresh.dump(t));
      } finally {
        fresh.cleanup();
      }
    } finally {
      lake.cleanup();
    }
  });
});
