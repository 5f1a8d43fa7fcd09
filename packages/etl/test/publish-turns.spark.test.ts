/**
 * The Glue job on real Spark and the DuckDB runner taking turns on one lake (atomic
 * publish: both write and read the same version folders), reprocess on Spark, and a Spark
 * run that dies mid-publish. Its own file (and Spark session) beside parity.spark.test.ts:
 * two files run in two forks, so the Spark suites no longer hold one fork for most of
 * `pnpm test` while the other idles at the end.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reprocessFromRaw } from '../src/reprocess.ts';
import type { RawObject } from './lake-harness.ts';
import { ndjsonBar, TestLake } from './lake-harness.ts';
import {
  comparableSummary,
  EngineRuns,
  fileSparkSession,
  TABLES,
  withinTolerance,
} from './parity-harness.ts';

const spark = fileSparkSession();
const { run } = spark;

describe.runIf(run)(
  'one lake, both engines in turn (atomic publish: the same version folders)',
  { timeout: 900_000 },
  () => {
    const bar = (ts: string, close: number, symbol = 'AAPL') => ndjsonBar({ symbol, ts, close });
    const runs: RawObject[][] = [
      [
        {
          key: 'raw/days.ndjson',
          body: [
            bar('2024-01-30T14:31:00Z', 11),
            bar('2024-01-31T14:30:00Z', 12),
            bar('2024-02-01T14:30:00Z', 13, 'MSFT'),
            bar('2024-02-05T14:30:00Z', 14),
          ].join('\n'),
        },
      ],
      [
        {
          key: 'raw/late.ndjson',
          body: [
            bar('2024-01-30T14:30:00Z', 10),
            bar('2024-02-02T14:30:00Z', 20),
            bar('2024-02-01T14:31:00Z', 15, 'MSFT'),
          ].join('\n'),
        },
      ],
      [
        {
          key: 'raw/later.ndjson',
          body: [bar('2024-02-02T14:31:00Z', 21), bar('2024-02-06T14:30:00Z', 22)].join('\n'),
        },
      ],
    ];
    const tablesOf = async (lake: TestLake) => {
      const out: Record<string, Record<string, unknown>[]> = {};
      for (const t of TABLES) out[t] = await lake.dump(t, ['job_run_id']);
      return out;
    };

    it('DuckDB then Spark then DuckDB, and Spark then DuckDB then Spark, give the tables of one engine', async () => {
      const runner = new EngineRuns(spark.engine());
      const lakes = { duck: new TestLake(), spark: new TestLake(), ds: new TestLake(), sd: new TestLake() };
      const order = {
        duck: ['duck', 'duck', 'duck'],
        spark: ['spark', 'spark', 'spark'],
        ds: ['duck', 'spark', 'duck'],
        sd: ['spark', 'duck', 'spark'],
      } as const;
      const summaries: Record<string, unknown[]> = {};
      for (const [name, lake] of Object.entries(lakes)) {
        summaries[name] = [];
        for (const [i, objects] of runs.entries()) {
          const s = await runner.run(lake, order[name as keyof typeof order][i]!, i + 1, objects);
          summaries[name]!.push(comparableSummary(s));
        }
      }
      const reference = await tablesOf(lakes.duck);
      expect(reference.bars!.length).toBe(9);
      for (const name of ['spark', 'ds', 'sd'] as const) {
        const got = await tablesOf(lakes[name]);
        for (const t of TABLES)
          expect(withinTolerance(got[t], reference[t]), `${name} ${t}`).toEqual(reference[t]);
        // The same versions: run 2 wrote AAPL's 01-30 as its second version on every lake.
        expect(summaries[name], name).toEqual(summaries.duck);
      }
      expect(JSON.stringify(summaries.duck)).toContain(
        'processed/bars/date=2024-01-30/symbol=AAPL/_v0000000002-run-2/',
      );
      for (const lake of Object.values(lakes)) lake.cleanup();
    });

    it('reprocess on Spark publishes the same versions as on DuckDB, and the same tables', async () => {
      const runner = new EngineRuns(spark.engine());
      const results: Record<string, { summary: unknown; tables: unknown }> = {};
      for (const on of ['duck', 'spark'] as const) {
        const lake = new TestLake();
        await runner.run(lake, on, 1, runs[0]!);
        await runner.run(lake, on, 2, runs[1]!);
        const manifest = {
          manifestId: 'reprocess-1',
          createdAt: new Date().toISOString(),
          correlationId: 'reprocess-1',
          objects: [...runs[0]!, ...runs[1]!].map((o) => lake.put(o)),
        };
        const r = await reprocessFromRaw({
          lakeRoot: lake.root,
          manifest,
          jobRunId: 'jr_reprocess-1',
          scope: { from: '2024-01-31', to: '2024-02-01' },
          runJob: (root, m, id) => runner.runManifest(root, on, m, id),
        });
        results[on] = { summary: comparableSummary(r.summary), tables: await tablesOf(lake) };
        lake.cleanup();
      }
      expect(JSON.stringify(results.duck!.summary)).toMatch(
        /date=2024-01-31\/symbol=AAPL\/_v\d{10}-jr_reprocess-1\//,
      );
      expect(results.spark!.summary).toEqual(results.duck!.summary);
      expect(withinTolerance(results.spark!.tables, results.duck!.tables)).toEqual(results.duck!.tables);
    });

    it('a Spark run that dies after publishing some partitions leaves nothing visible; the next run (either engine) rolls it back', async () => {
      const runner = new EngineRuns(spark.engine());
      for (const next of ['spark', 'duck'] as const) {
        const lake = new TestLake();
        const reference = new TestLake();
        await runner.run(lake, 'spark', 1, runs[0]!);
        await runner.run(reference, 'duck', 1, runs[0]!);
        const before = await tablesOf(lake);
        await expect(runner.run(lake, 'spark', 2, runs[1]!, { failAfterPublishes: 3 })).rejects.toThrow(
          /injected failure after 3 published partitions/,
        );
        // Its versions are on disk, but nothing reads them.
        const written = readdirSync(join(lake.root, 'processed/bars/date=2024-01-30/symbol=AAPL'));
        expect(written).toEqual(['_v0000000001-run-1', '_v0000000002-run-2']);
        expect(await tablesOf(lake)).toEqual(before);
        expect(existsSync(join(lake.root, '_runs/run-2/summary.json'))).toBe(false);
        // Its staged records (NDJSON parts) and partitionBy output went with its scratch.
        expect(existsSync(join(lake.root, '_runs/run-2/scratch'))).toBe(false);
        // The retried attempt (same run id) and the run after, on `next`; the reference never failed.
        await runner.run(lake, next, 2, runs[1]!);
        await runner.run(reference, 'duck', 2, runs[1]!);
        await runner.run(lake, next, 3, runs[2]!);
        await runner.run(reference, 'duck', 3, runs[2]!);
        const got = await tablesOf(lake);
        const want = await tablesOf(reference);
        for (const t of TABLES) expect(withinTolerance(got[t], want[t]), `${next} ${t}`).toEqual(want[t]);
        expect(readdirSync(join(lake.root, 'processed/bars/date=2024-01-30/symbol=AAPL'))).toEqual([
          '_v0000000001-run-1',
          '_v0000000002-run-2',
        ]);
        lake.cleanup();
        reference.cleanup();
      }
    });

    it("two partitions in a row that hold only failed Spark runs' versions are passed over: pct_change takes the last committed bar before them", async () => {
      // etl_runner._load_existing finds the selection again without each picked folder that
      // has no current version: here twice (03-08, then 03-07), as job.ts loadExisting does.
      const runner = new EngineRuns(spark.engine());
      const at = (symbol: string, date: string, close: number) =>
        ndjsonBar({ symbol, ts: `${date}T14:30:00Z`, close });
      const lake = new TestLake();
      await runner.run(lake, 'spark', 1, [{ key: 'raw/a.ndjson', body: at('AAPL', '2024-03-06', 100) }]);
      for (const [n, date] of [
        [2, '2024-03-07'],
        [3, '2024-03-08'],
      ] as const) {
        // The run publishes AAPL's partition of that day (the first in key order), then dies.
        const body = [at('AAPL', date, 999), at('ZZZ', date, 1)].join('\n');
        await expect(
          runner.run(lake, 'spark', n, [{ key: `raw/${n}.ndjson`, body }], { failAfterPublishes: 1 }),
        ).rejects.toThrow(/injected failure after 1 published partitions/);
        expect(readdirSync(join(lake.root, `processed/bars/date=${date}/symbol=AAPL`))).toEqual([
          `_v0000000001-run-${n}`,
        ]);
      }
      await runner.run(lake, 'spark', 4, [{ key: 'raw/4.ndjson', body: at('AAPL', '2024-03-09', 120) }]);
      const aapl = (await lake.dump('bars')).filter((r) => r.symbol === 'AAPL');
      expect(aapl.map((r) => [r.close, r.pct_change])).toEqual([
        [100, null],
        [120, expect.closeTo(0.2, 12)],
      ]);
      lake.cleanup();
    });
  },
);
