import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
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
  // In an earlier release's layout (files directly in the folder: version 0), so readers see it.
  mkdirSync(to, { recursive: true });
  const files = (readdirSync(from, { recursive: true }) as string[]).filter((f) => f.endsWith('.parquet'));
  for (const [i, f] of files.entries()) cpSync(join(from, f), join(to, `stale_${i}.parquet`));
  return to;
}

describe('reprocess from raw', () => {
  it('rebuilds the range from raw with the current plan: stale partitions in it go, outside it stay', async () => {
    const lake = new TestLake();
    try {
      await lake.run(objects);
      const inRange = plantStale(lake, '2024-01-03');
      const outside = plantStale(lake, '2024-01-10');
      const staleBefore = (await lake.dump('bars')).filter((r) => r.symbol === 'ZZZ');
      expect(staleBefore.map((r) => String(r.date)).sort()).toEqual(['2024-01-03', '2024-01-10']);
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
      expect(existsSync(outside)).toBe(true);
      // The stale partition in range becomes an empty version (the Glue job's twin publishes
      // the same), committed with the rest: nothing was deleted before the summary.
      const emptied = 'processed/bars/date=2024-01-03/symbol=ZZZ/_v0000000001-jr_reprocess-1/';
      expect(result.removed.map((r) => r.location)).toEqual([emptied]);
      expect(result.replaced.find((p) => p.location === emptied)?.rows).toBe(0);
      expect(readdirSync(join(lake.root, emptied))).toEqual(['data_0.parquet']);
      expect(readdirSync(inRange).sort()).toContain('_v0000000001-jr_reprocess-1');
      const zzz = (await lake.dump('bars')).filter((r) => r.symbol === 'ZZZ');
      expect(zzz.map((r) => String(r.date))).toEqual(['2024-01-10']);
      // The range plus each symbol's next partition after it (its pct_change).
      expect(
        result.replaced
          .filter((p) => p.table === 'bars')
          .map((p) => p.location)
          .sort(),
      ).toEqual([
        'processed/bars/date=2024-01-03/symbol=AAPL/_v0000000002-jr_reprocess-1/',
        'processed/bars/date=2024-01-03/symbol=MSFT/_v0000000002-jr_reprocess-1/',
        'processed/bars/date=2024-01-03/symbol=ZZZ/_v0000000001-jr_reprocess-1/',
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
