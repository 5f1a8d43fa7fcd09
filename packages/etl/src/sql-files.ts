/** Compatibility re-exports: the shared SQL is loaded through the plan (plan.ts). */
export type { DialectFile, Engine, EtlStep, QualityRule } from './plan.ts';
export {
  etlSqlDir,
  loadDialect,
  loadEtlSteps,
  loadQualityRules,
  qualitySqlDir,
  renderSql,
} from './plan.ts';
