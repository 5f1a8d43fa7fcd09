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
  stagingLimitsFromEnv,
  type TableName,
} from '@ohlcv/core';
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
  private readonly limits: StagingLimits;
  private runs = 0;

  /**
   * `deployEnv`: the environment infra is deployed with (OHLCV_MIN_DATE, ...); the Spark
   * side runs with the job arguments infra derives from it, the DuckDB side with the limits
   * the local runtime reads from the same variables.
   */
  constructor(
    private readonly engine: SparkEngine,
    deployEnv: Record<string, string> = {},
  ) {
    this.template = installGlueStage(recordedGlueJob('dev', 'ohlcv-test-lake', deployEnv), this.spark.root);
    this.limits = stagingLimitsFromEnv(deployEnv);
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
      stagingLimits: this.limits,
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
