/**
 * The ETL job. `runEtlJob` is the public entry: one job run from a manifest, on DuckDB.
 * The same plan runs on Spark through `SparkEngine` (the Glue job script on a local or
 * remote Spark); `reprocessFromRaw` rebuilds processed tables from raw on either engine.
 */
export {
  escapePartitionValue,
  parsePartitionSegment,
  partitionPath,
  unescapePartitionValue,
} from './hive-path.ts';
export type { RunEtlJobInput } from './job.ts';
export { runEtlJob } from './job.ts';
export type { Engine, EtlStep, Plan, QualityRule } from './plan.ts';
export {
  etlSqlDir,
  loadDialect,
  loadEtlSteps,
  loadPlan,
  loadQualityRules,
  planVersion,
  qualitySqlDir,
  renderSql,
  sqlRootDir,
} from './plan.ts';
export type { ReprocessInput, ReprocessResult, ReprocessScope } from './reprocess.ts';
export { reprocessFromRaw } from './reprocess.ts';
export type { SparkEngineOptions, SparkJobRun } from './spark-engine.ts';
export { localSparkJobRun, SparkEngine, sparkPython } from './spark-engine.ts';
export type { StagedRecord } from './stage-formats.ts';
export { canonicalFields, detectFormat, stageCsv, stageTwelveData } from './stage-formats.ts';
