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
import { SparkEngine, type SparkJobRun, sparkLimitArguments } from '../src/spark-engine.ts';
import { DEFAULT_STAGING_LIMITS, type StagingLimits } from '../src/stage-screen.ts';
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

/** Test knobs of one run: the stage screen's limits (both engines) and an injected Spark fault. */
export interface RunOptions {
  limits?: Partial<StagingLimits>;
  /** The Spark run fails right after publishing this many partitions (before its summary). */
  failAfterPublishes?: number;
}

/**
 * Runs job runs on test lakes with either engine: the DuckDB runner in process, or the Glue
 * job on the file's Spark session with infra's arguments (its uploads installed in the lake,
 * as in s3://<bucket>/). Run n has manifest m-n and run id run-n on every lake.
 */
export class EngineRuns {
  private readonly templates = new Map<string, Omit<SparkJobRun, 'now'>>();

  constructor(private readonly engine: SparkEngine) {}

  async run(
    lake: TestLake,
    on: 'duck' | 'spark',
    n: number,
    objects: RawObject[],
    options: RunOptions = {},
  ): Promise<RunSummary> {
    const manifest: Manifest = {
      manifestId: `m-${n}`,
      createdAt: NOW.toISOString(),
      correlationId: `c-${n}`,
      objects: objects.map((o) => lake.put(o)),
    };
    return this.runManifest(lake.root, on, manifest, `run-${n}`, options);
  }

  /** One job run of `manifest` on the lake folder `root` (its raw objects already there). */
  async runManifest(
    root: string,
    on: 'duck' | 'spark',
    manifest: Manifest,
    jobRunId: string,
    options: RunOptions = {},
  ): Promise<RunSummary> {
    const limits = { ...DEFAULT_STAGING_LIMITS, ...options.limits };
    if (on === 'duck') {
      return runEtlJob({
        lakeRoot: root,
        manifest,
        jobRunId,
        jobName: recordedJobName(),
        clock: { now: () => NOW },
        threads: 1,
        stagingLimits: limits,
      });
    }
    let template = this.templates.get(root);
    if (!template) {
      template = installGlueStage(recordedGlueJob(), root);
      this.templates.set(root, template);
    }
    const manifestKey = `_manifests/${manifest.manifestId}.json`;
    mkdirSync(join(root, '_manifests'), { recursive: true });
    writeFileSync(join(root, manifestKey), JSON.stringify(manifest));
    return this.engine.run({
      ...template,
      arguments: {
        ...template.arguments,
        '--JOB_RUN_ID': jobRunId,
        '--manifest_key': manifestKey,
        ...(options.limits ? sparkLimitArguments(limits) : {}),
      },
      now: NOW.toISOString(),
      faults: options.failAfterPublishes ? { failAfterPublishes: options.failAfterPublishes } : undefined,
    });
  }
}

let jobName: string | undefined;
const recordedJobName = (): string => {
  jobName ??= recordedGlueJob().name;
  return jobName;
};

export class ParityLakes {
  readonly duck = new TestLake();
  readonly spark = new TestLake();
  private readonly runs: EngineRuns;
  private n = 0;

  constructor(engine: SparkEngine) {
    this.runs = new EngineRuns(engine);
  }

  /** One run of the same manifest on both engines. */
  async run(
    objects: RawObject[],
    options: RunOptions = {},
  ): Promise<{ duck: RunSummary; spark: RunSummary }> {
    const n = ++this.n;
    const duck = await this.runs.run(this.duck, 'duck', n, objects, options);
    const spark = await this.runs.run(this.spark, 'spark', n, objects, options);
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
    // Both runners publish each partition as a version folder (`<Hive path>/_v<n>-<run>/`,
    // atomic publish): the same versions, so the same locations for the catalog switch.
    partitionsWritten: [...s.partitionsWritten].sort((a, b) =>
      `${a.table} ${a.location}`.localeCompare(`${b.table} ${b.location}`),
    ),
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
