/**
 * Which engine runs the local ETL job: DuckDB in process (default) or Spark
 * (`OHLCV_ETL_ENGINE=spark`): the Glue job script on a long-lived Spark driver, at
 * `SPARK_MASTER` (default `local[*]`, or any cluster that can see the lake folder). Both
 * run the same plan and SQL; the job runner only gets a "run the job" function.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  AppError,
  type Clock,
  type Logger,
  type Manifest,
  manifestKey as manifestKeyOf,
  manifestSchema,
  type RunSummary,
} from '@ohlcv/core';
import { runEtlJob } from '@ohlcv/etl';
import { sqlRootDir } from '@ohlcv/etl/plan';
import { localSparkJobRun, SparkEngine } from '@ohlcv/etl/spark-engine';
import type { StagingLimits } from '@ohlcv/etl/stage-screen';

export type EtlEngineName = 'duckdb' | 'spark';

export interface EtlEngineConfig {
  engine: EtlEngineName;
  sparkMaster: string;
  /** OHLCV_SPARK_JAVA_OPTIONS: the Spark driver JVM's options (spark.driver.extraJavaOptions). */
  sparkJavaOptions?: string;
}

export function etlEngineFromEnv(env: NodeJS.ProcessEnv = process.env): EtlEngineConfig {
  const engine = (env.OHLCV_ETL_ENGINE ?? 'duckdb').trim().toLowerCase();
  if (engine !== 'duckdb' && engine !== 'spark') {
    throw new AppError(
      'ConfigInvalid',
      `OHLCV_ETL_ENGINE must be duckdb or spark, not ${JSON.stringify(engine)}`,
    );
  }
  const sparkJavaOptions = env.OHLCV_SPARK_JAVA_OPTIONS?.trim();
  return {
    engine,
    sparkMaster: env.SPARK_MASTER?.trim() || 'local[*]',
    ...(sparkJavaOptions ? { sparkJavaOptions } : {}),
  };
}

export interface EtlJobInput {
  manifestKey: string;
  jobRunId: string;
  jobName: string;
}

export interface EtlEngine {
  readonly name: EtlEngineName;
  /** A job run of the manifest stored at `manifestKey` in the lake. */
  run(input: EtlJobInput): Promise<RunSummary>;
  /** A job run of `manifest` on another lake folder (reprocess's shadow lake). */
  runOn(lakeRoot: string, manifest: Manifest, jobRunId: string, jobName: string): Promise<RunSummary>;
  close(): Promise<void>;
}

export interface EtlEngineOptions {
  config: EtlEngineConfig;
  lakeRoot: string;
  /** The bucket name the lake answers to (`--bucket`). */
  bucket: string;
  readObject: (key: string) => Promise<Uint8Array>;
  clock: Clock;
  logger: Logger;
  /** DuckDB's memory and threads; the staging limits apply to both engines. */
  duckdb?: { memoryLimit?: string; threads?: number; limits?: StagingLimits };
}

export function createEtlEngine(o: EtlEngineOptions): EtlEngine {
  if (o.config.engine === 'duckdb') {
    const runOn = (lakeRoot: string, manifest: Manifest, jobRunId: string, jobName: string) =>
      runEtlJob({
        lakeRoot,
        manifest,
        jobRunId,
        jobName,
        clock: o.clock,
        logger: o.logger,
        memoryLimit: o.duckdb?.memoryLimit,
        threads: o.duckdb?.threads,
        stagingLimits: o.duckdb?.limits,
      });
    return {
      name: 'duckdb',
      async run({ manifestKey, jobRunId, jobName }) {
        const manifest = manifestSchema.parse(
          JSON.parse(Buffer.from(await o.readObject(manifestKey)).toString('utf8')),
        );
        return runOn(o.lakeRoot, manifest, jobRunId, jobName);
      },
      runOn,
      close: async () => {},
    };
  }
  // Spark starts once, on the first run (seconds), and serves every run after it.
  let engine: Promise<SparkEngine> | undefined;
  const runAt = async (lakeRoot: string, manifestKey: string, jobRunId: string, jobName: string) => {
    engine ??= SparkEngine.start({
      master: o.config.sparkMaster,
      javaOptions: o.config.sparkJavaOptions,
      onLog: (line) => {
        if (/\b(ERROR|Exception)\b/.test(line)) o.logger.warn('spark', { line });
      },
    });
    const spark = await engine;
    o.logger.info('etl run on spark', { jobRunId, master: o.config.sparkMaster });
    return spark.run(
      localSparkJobRun({
        lakeRoot,
        bucket: o.bucket,
        manifestKey,
        jobRunId,
        jobName,
        sqlRoot: sqlRootDir,
        limits: o.duckdb?.limits,
      }),
    );
  };
  return {
    name: 'spark',
    run: ({ manifestKey, jobRunId, jobName }) => runAt(o.lakeRoot, manifestKey, jobRunId, jobName),
    async runOn(lakeRoot, manifest, jobRunId, jobName) {
      // The Glue job reads its manifest from the store, as on AWS.
      const key = manifestKeyOf(manifest.manifestId);
      mkdirSync(dirname(join(lakeRoot, key)), { recursive: true });
      writeFileSync(join(lakeRoot, key), JSON.stringify(manifest));
      return runAt(lakeRoot, key, jobRunId, jobName);
    },
    async close() {
      const started = engine;
      engine = undefined;
      if (started) await (await started.catch(() => undefined))?.close();
    },
  };
}
