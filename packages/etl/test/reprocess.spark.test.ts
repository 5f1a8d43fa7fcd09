/**
 * Reprocess on Spark: the Glue job as infra declares it (its DefaultArguments, with
 * `--reprocess_scope` as `ohlcv reprocess --stage` sets it) rebuilds a range from raw and
 * publishes it as new versions, giving the same tables as the DuckDB runtime's reprocess of
 * the same lake. Also: the Python scope rules (etl_reprocess.scope_of) against their
 * TypeScript twin (reprocess.ts scopeOf) on the same cases. One Spark session for the file.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Manifest, REPROCESS_SCOPE_ARG, type TableName } from '@ohlcv/core';
import { requireToolchain } from '@ohlcv/core/testing/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEtlJob } from '../src/job.ts';
import { reprocessFromRaw, scopeOf } from '../src/reprocess.ts';
import type { SparkEngine } from '../src/spark-engine.ts';
import { reprocessDrop } from './fixtures/reprocess-drop.ts';
import { installGlueStage, recordedGlueJob } from './glue-stage.ts';
import { clock, NOW } from './lake-harness.ts';
import { ParityLakes, pysparkPython, startTestSpark } from './parity-harness.ts';

const python = pysparkPython();
const hasSpark = requireToolchain(
  'pyspark (python venv)',
  !!python,
  'run .ci/prepare.d/10-python.sh (builds ~/.cache/ohlcv-data-engine/venv with pyspark 3.5.4)',
);
const glueDir = fileURLToPath(new URL('../glue/', import.meta.url));

const objects = reprocessDrop;

/**
 * A partition no raw object gives (what a row accepted under an older rule looks like now):
 * AAPL's files of 2024-01-03 copied into a ZZZ partition, in the previous release's layout
 * (files directly in the partition folder), which both runners read as its oldest version.
 */
function plantStale(root: string, date: string): void {
  const from = join(root, 'processed/bars/date=2024-01-03/symbol=AAPL');
  const to = join(root, `processed/bars/date=${date}/symbol=ZZZ`);
  mkdirSync(to, { recursive: true });
  const files = (readdirSync(from, { recursive: true }) as string[]).filter((f) => f.endsWith('.parquet'));
  for (const [i, f] of files.entries()) cpSync(join(from, f), join(to, `stale_${i}.parquet`));
}

describe.skipIf(!hasSpark)('reprocess on the Glue job (pyspark, infra’s arguments)', () => {
  let engine: SparkEngine;
  let lakes: ParityLakes;
  beforeAll(async () => {
    engine = await startTestSpark(python!);
    lakes = new ParityLakes(engine);
  }, 180_000);
  afterAll(async () => {
    lakes?.cleanup();
    await engine?.close();
  });

  it('rebuilds the range from raw alone, as new versions; stale rows in it go, outside it stay; same tables as DuckDB', async () => {
    await lakes.run(objects);
    for (const root of [lakes.duck.root, lakes.spark.root]) {
      plantStale(root, '2024-01-03');
      plantStale(root, '2024-01-10');
      // What a run that died before its commit leaves: a version no summary lists. Both
      // engines roll it back and number on from the newest committed version.
      const dead = join(root, 'processed/bars/date=2024-01-03/symbol=ZZZ/_v0000000005-jr_dead');
      mkdirSync(dead, { recursive: true });
      cpSync(
        join(root, 'processed/bars/date=2024-01-03/symbol=ZZZ/stale_0.parquet'),
        join(dead, 'part-0.parquet'),
      );
    }
    for (const lake of ['duck', 'spark'] as const) {
      const before = await lakes.tables(lake);
      expect(
        before.bars?.filter((r) => r.symbol === 'ZZZ'),
        lake,
      ).toHaveLength(2);
    }

    const scope = { from: '2024-01-03', to: '2024-01-03' };
    const jobRunId = 'jr_reprocess-1';
    const manifest: Manifest = {
      manifestId: 'reprocess-1',
      createdAt: NOW.toISOString(),
      correlationId: 'reprocess-1',
      objects: objects.map((o) => lakes.duck.put(o)),
    };
    await reprocessFromRaw({
      lakeRoot: lakes.duck.root,
      manifest,
      jobRunId,
      scope,
      runJob: (lakeRoot, m, id) =>
        runEtlJob({ lakeRoot, manifest: m, jobRunId: id, jobName: 'ohlcv-etl', clock, threads: 1 }),
    });

    // The Glue job with exactly infra's DefaultArguments, the run's own on top (what
    // StartJobRun of `ohlcv reprocess --stage` sends).
    const template = installGlueStage(recordedGlueJob(), lakes.spark.root);
    expect(template.arguments).toHaveProperty(REPROCESS_SCOPE_ARG, '');
    mkdirSync(join(lakes.spark.root, '_manifests'), { recursive: true });
    writeFileSync(join(lakes.spark.root, '_manifests/reprocess-1.json'), JSON.stringify(manifest));
    const summary = await engine.run({
      ...template,
      arguments: {
        ...template.arguments,
        '--JOB_RUN_ID': jobRunId,
        '--manifest_key': '_manifests/reprocess-1.json',
        '--correlation_id': 'reprocess-1',
        [REPROCESS_SCOPE_ARG]: JSON.stringify(scope),
      },
      now: NOW.toISOString(),
    });

    const bars = summary.partitionsWritten.filter((p) => p.table === 'bars');
    // The range plus each symbol's next partition after it (its pct_change), and the stale
    // partition in range as an empty version; every one a new version of this run.
    // Partitions the normal run wrote (its version 1) get version 2; the stale one, in the
    // previous release's layout (version 0), gets version 1.
    expect(bars.map((p) => [p.location, p.rows]).sort()).toEqual([
      ['processed/bars/date=2024-01-03/symbol=AAPL/_v0000000002-jr_reprocess-1/', 1],
      ['processed/bars/date=2024-01-03/symbol=MSFT/_v0000000002-jr_reprocess-1/', 1],
      ['processed/bars/date=2024-01-03/symbol=ZZZ/_v0000000001-jr_reprocess-1/', 0],
      ['processed/bars/date=2024-01-04/symbol=AAPL/_v0000000002-jr_reprocess-1/', 1],
    ]);
    // The same versions the DuckDB runtime's reprocess published, the empty one included.
    const duckSummary = JSON.parse(
      readFileSync(join(lakes.duck.root, `_runs/${jobRunId}/summary.json`), 'utf8'),
    ) as { partitionsWritten: { table: string; location: string; rows: number }[] };
    expect(
      duckSummary.partitionsWritten
        .filter((p) => p.table === 'bars')
        .map((p) => [p.location, p.rows])
        .sort(),
    ).toEqual(bars.map((p) => [p.location, p.rows]).sort());
    expect(summary.partitionsWritten.map((p) => p.table).sort()).not.toContain('quarantine');
    // The shadow lake is gone; raw is untouched.
    expect(existsSync(join(lakes.spark.root, `_runs/${jobRunId}/rebuild`))).toBe(false);
    expect(existsSync(join(lakes.spark.root, `_runs/${jobRunId}/summary.json`))).toBe(true);
    expect(readdirSync(join(lakes.spark.root, 'raw'))).toEqual(['a.ndjson']);

    const after = await lakes.expectSameTables();
    const zzz = (after.bars ?? []).filter((r) => r.symbol === 'ZZZ');
    expect(zzz.map((r) => r.date)).toEqual(['2024-01-10']);
  }, 600_000);

  it('scope_of (Python) picks the same partitions as scopeOf (TypeScript) on the same cases', () => {
    const p = (date: string, symbol: string) => ({ date, symbol });
    const cases: {
      table: TableName;
      scope: { from?: string; to?: string; symbols?: string[] };
      rebuilt: Record<string, string>[];
      current: Record<string, string>[];
    }[] = [
      {
        table: 'bars',
        scope: { from: '2024-01-03', to: '2024-01-03' },
        rebuilt: [p('2024-01-02', 'A'), p('2024-01-03', 'A'), p('2024-01-05', 'A'), p('2024-01-04', 'A')],
        current: [p('2024-01-03', 'Z'), p('2024-01-09', 'Z')],
      },
      {
        table: 'bars',
        scope: { from: '2024-01-03', symbols: ['B'] },
        rebuilt: [p('2024-01-03', 'A'), p('2024-01-04', 'B'), p('2023-12-30', 'B')],
        current: [p('2024-01-05', 'B')],
      },
      {
        table: 'bars_hourly',
        scope: { to: '2024-01-03' },
        rebuilt: [{ date: '2024-01-03' }, { date: '2024-01-04' }],
        current: [{ date: '2024-01-01' }],
      },
      {
        table: 'bars_daily',
        scope: { from: '2024-01-31', to: '2024-02-01' },
        rebuilt: [{ month: '2024-01' }, { month: '2024-03' }, { month: '2024-04' }],
        current: [{ month: '2023-12' }, { month: '2024-02' }],
      },
      {
        table: 'quarantine',
        scope: {},
        rebuilt: [{ date: '2024-01-03' }],
        current: [{ date: '2024-01-02' }],
      },
      { table: 'quarantine', scope: { to: '2024-01-03' }, rebuilt: [{ date: '2024-01-03' }], current: [] },
    ];
    const key = (xs: Record<string, string>[]) =>
      xs.map((x) => JSON.stringify(x, Object.keys(x).sort())).sort();
    const ts = cases.map((c) => key(scopeOf(c.table, c.scope, c.rebuilt, c.current)));
    const py = spawnSync(
      python!,
      [
        '-c',
        `import json, sys; sys.path.insert(0, ${JSON.stringify(glueDir)}); import etl_reprocess as r
cases = json.load(sys.stdin)
print(json.dumps([sorted(json.dumps(x, sort_keys=True, separators=(",", ":")) for x in r.scope_of(c["table"], c["scope"], c["rebuilt"], c["current"])) for c in cases]))`,
      ],
      { input: JSON.stringify(cases), encoding: 'utf8' },
    );
    expect(py.status, py.stderr).toBe(0);
    expect(JSON.parse(py.stdout)).toEqual(ts);
  }, 60_000);
});
