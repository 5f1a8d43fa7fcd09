export {
  escapePartitionValue,
  parsePartitionSegment,
  partitionPath,
  unescapePartitionValue,
} from './hive-path.ts';
export type { RunEtlJobInput } from './job.ts';
export { runEtlJob } from './job.ts';
export type { Engine, EtlStep, QualityRule } from './sql-files.ts';
export {
  etlSqlDir,
  loadDialect,
  loadEtlSteps,
  loadQualityRules,
  qualitySqlDir,
  renderSql,
} from './sql-files.ts';
export type { StagedRecord } from './stage-formats.ts';
export { canonicalFields, detectFormat, stageCsv, stageTwelveData } from './stage-formats.ts';
