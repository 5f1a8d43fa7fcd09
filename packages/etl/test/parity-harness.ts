/**
 * Parity between the two runners: the same drops go into two lakes, one run by the DuckDB
 * runner (runEtlJob), one by the Glue job on local Spark with infra's arguments; the
 * tables and run summaries must agree (doubles within 1e-12 relative).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  type Manifest,
  type RunSummary,
  type StagingLimits,
  stagingJobArguments,
  stagingLimitsFromEnv,
  type TableName,
} from '@ohlcv/core';
import { requireToolchain, testSparkJavaOptions, venvPython } from '@ohlcv/core/testing/toolchain';
import { afterAll, beforeAll, expect } from 'vitest';
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

/** One Spark session for a whole test file: local[2], 4 shuffle partitions, no UI, the tests' JVM options. */
export const startTestSpark = (python: string): Promise<SparkEngine> =>
  SparkEngine.start({
    python,
    master: 'local[2]',
    shufflePartitions: 4,
    javaOptions: testSparkJavaOptions,
    // OHLCV_ETL_TIMING=1: the Spark runner's phase timings on stderr.
    onLog: process.env.OHLCV_ETL_TIMING ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });

/**
 * The file's one Spark session, for the suites that compare the engines. `run`: pyspark is
 * there (without it the suite skips, or fails under CI=true: requireToolchain). `engine()`:
 * the session, started before the file's cases and closed after them.
 */
export function fileSparkSession(): { run: boolean; engine: () => SparkEngine } {
  const python = pysparkPython();
  const run = requireToolchain(
    'pyspark (the test venv)',
    python !== undefined,
    'run .ci/prepare.d/10-python.sh (builds ~/.cache/ohlcv-data-engine/venv) or set OHLCV_TEST_PYTHON',
  );
  let engine: SparkEngine | undefined;
  beforeAll(async () => {
    if (run) engine = await startTestSpark(python!);
  }, 180_000);
  afterAll(async () => {
    await engine?.close();
  });
  return {
    run,
    engine: () => {
      if (!engine) throw new Error('the Spark session is not started (pyspark missing?)');
      return engine;
    },
  };
}

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
  private readonly deployLimits: StagingLimits;

  /**
   * `deployEnv`: the environment infra is deployed with (OHLCV_MIN_DATE, ...); the Spark
   * side runs with the job arguments infra derives from it, the DuckDB side with the limits
   * the local runtime reads from the same variables. A run's `limits` override both.
   */
  constructor(
    private readonly engine: SparkEngine,
    private readonly deployEnv: Record<string, string> = {},
  ) {
    this.deployLimits = stagingLimitsFromEnv(deployEnv);
  }

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
    const limits = { ...this.deployLimits, ...options.limits };
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
      template = installGlueStage(recordedGlueJob('dev', 'ohlcv-test-lake', this.deployEnv), root);
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
        ...(options.limits ? stagingJobArguments(limits) : {}),
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

  constructor(engine: SparkEngine, deployEnv: Record<string, string> = {}) {
    this.runs = new EngineRuns(engine, deployEnv);
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

/**
 * Makes a lake look written by an older plan: every Parquet file of the processed tables and
 * quarantine gets plan_version `pv-old`, or loses the column (`drop`: as a lake of layout 2
 * wrote it, before plan versions). Files are rewritten in place; Spark's checksum files
 * beside them go (they would no longer match).
 */
export async function ageLake(root: string, how: (file: string) => 'drop' | 'pv-old'): Promise<void> {
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.parquet')) files.push(full);
    }
  };
  walk(join(root, 'processed'));
  walk(join(root, 'quarantine'));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    for (const f of files) {
      const select =
        how(f) === 'drop' ? 'SELECT * EXCLUDE (plan_version)' : "SELECT * REPLACE ('pv-old' AS plan_version)";
      const tmp = join(dirname(f), `aged-${basename(f)}`);
      await conn.run(
        `COPY (${select} FROM read_parquet('${f}', hive_partitioning = false)) TO '${tmp}' (FORMAT parquet)`,
      );
      renameSync(tmp, f);
      rmSync(join(dirname(f), `.${basename(f)}.crc`), { force: true });
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
