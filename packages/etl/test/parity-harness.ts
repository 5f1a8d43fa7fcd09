/**
 * Parity between the two runners: the same drops go into two lakes, one run by the DuckDB
 * runner (runEtlJob), one by the Glue job on local Spark with infra's arguments; the
 * tables and run summaries must agree (doubles within 1e-12 relative).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest, RunSummary, TableName } from '@ohlcv/core';
import { venvPython } from '@ohlcv/core/testing/toolchain';
import { expect } from 'vitest';
import { runEtlJob } from '../src/job.ts';
import { SparkEngine, type SparkJobRun } from '../src/spark-engine.ts';
import { installGlueStage, recordedGlueJob } from './glue-stage.ts';
import { NOW, type RawObject, TestLake } from './lake-harness.ts';

export const TABLES: TableName[] = ['bars', 'bars_hourly', 'bars_daily', 'quarantine'];

/** The venv's python when it can import pyspark. */
export function pysparkPython(): string | undefined {
  const python = venvPython();
  if (!python) return undefined;
  return spawnSync(python, ['-c', 'import pyspark'], { stdio: 'ignore' }).status === 0 ? python : undefined;
}

/** One Spark session for a whole test file: local[2], 4 shuffle partitions, no UI. */
export const startTestSpark = (python: string): Promise<SparkEngine> =>
  SparkEngine.start({
    python,
    master: 'local[2]',
    shufflePartitions: 4,
    // OHLCV_ETL_TIMING=1: the Spark runner's phase timings on stderr.
    onLog: process.env.OHLCV_ETL_TIMING ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });

export class ParityLakes {
  readonly duck = new TestLake();
  readonly spark = new TestLake();
  private readonly template: Omit<SparkJobRun, 'now'>;
  private runs = 0;

  constructor(private readonly engine: SparkEngine) {
    this.template = installGlueStage(recordedGlueJob(), this.spark.root);
  }

  /** One run of the same manifest on both engines. */
  async run(objects: RawObject[]): Promise<{ duck: RunSummary; spark: RunSummary }> {
    const n = ++this.runs;
    const manifestId = `m-${n}`;
    const jobRunId = `run-${n}`;
    const put = (lake: TestLake) => objects.map((o) => lake.put(o));
    const manifest: Manifest = {
      manifestId,
      createdAt: NOW.toISOString(),
      correlationId: `c-${n}`,
      objects: put(this.duck),
    };
    put(this.spark);
    const manifestKey = `_manifests/${manifestId}.json`;
    mkdirSync(join(this.spark.root, '_manifests'), { recursive: true });
    writeFileSync(join(this.spark.root, manifestKey), JSON.stringify(manifest));
    const duck = await runEtlJob({
      lakeRoot: this.duck.root,
      manifest,
      jobRunId,
      jobName: this.template.arguments['--JOB_NAME']!,
      clock: { now: () => NOW },
      threads: 1,
    });
    const spark = await this.engine.run({
      ...this.template,
      arguments: { ...this.template.arguments, '--JOB_RUN_ID': jobRunId, '--manifest_key': manifestKey },
      now: NOW.toISOString(),
    });
    return { duck, spark };
  }

  async tables(lake: 'duck' | 'spark'): Promise<Record<string, Record<string, unknown>[]>> {
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const t of TABLES) out[t] = await this[lake].dump(t);
    return out;
  }

  /** Both lakes hold the same tables; returns them (DuckDB's) for further checks. */
  async expectSameTables(): Promise<Record<string, Record<string, unknown>[]>> {
    const duck = await this.tables('duck');
    const spark = await this.tables('spark');
    for (const t of TABLES) expect(withinTolerance(spark[t], duck[t]), t).toEqual(duck[t]);
    return duck;
  }

  cleanup(): void {
    this.duck.cleanup();
    this.spark.cleanup();
  }
}

/** The parts of a summary both engines must agree on (times and ids aside). */
export function comparableSummary(s: RunSummary) {
  return {
    manifestId: s.manifestId,
    objects: s.objects,
    rowsIn: s.rowsIn,
    rowsKept: s.rowsKept,
    rowsQuarantined: s.rowsQuarantined,
    duplicates: s.duplicates,
    // The DuckDB runner publishes each partition as a version folder (`<Hive path>/_v<n>-<run>/`,
    // atomic publish, issue 13); the Spark runner does not version yet, so the partition
    // (its Hive path) is what both must agree on.
    partitionsWritten: s.partitionsWritten
      .map((w) => ({ ...w, location: w.location.replace(/_v[0-9]+-[^/]+\/$/, '') }))
      .sort((a, b) => `${a.table} ${a.location}`.localeCompare(`${b.table} ${b.location}`)),
    dataQuality: s.dataQuality,
    quarantineReasons: s.quarantineReasons,
    planVersion: s.planVersion,
  };
}

export const REL_TOLERANCE = 1e-12;

/**
 * `actual` with every number that is within REL_TOLERANCE of the one at the same place in
 * `expected` replaced by it, so toEqual reports only real differences.
 */
export function withinTolerance<T>(actual: T, expected: unknown): T {
  if (typeof actual === 'number' && typeof expected === 'number') {
    const close =
      actual === expected ||
      (Number.isFinite(actual) &&
        Number.isFinite(expected) &&
        Math.abs(actual - expected) <= REL_TOLERANCE * Math.max(Math.abs(actual), Math.abs(expected)));
    return (close ? expected : actual) as T;
  }
  if (Array.isArray(actual) && Array.isArray(expected))
    return actual.map((v, i) => withinTolerance(v, expected[i])) as T;
  if (actual && expected && typeof actual === 'object' && typeof expected === 'object') {
    return Object.fromEntries(
      Object.entries(actual).map(([k, v]) => [
        k,
        withinTolerance(v, (expected as Record<string, unknown>)[k]),
      ]),
    ) as T;
  }
  return actual;
}
