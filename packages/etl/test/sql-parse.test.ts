import { readdirSync, readFileSync } from 'node:fs';
import { SparkSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import {
  etlSqlDir,
  loadDialect,
  loadEtlSteps,
  loadPlan,
  loadQualityRules,
  qualitySqlDir,
  renderSql,
} from '../src/plan.ts';

const spark = new SparkSQL();
const files = [
  ...readdirSync(etlSqlDir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => `${etlSqlDir}${f}`),
  ...readdirSync(`${etlSqlDir}partitions`).map((f) => `${etlSqlDir}partitions/${f}`),
  ...readdirSync(qualitySqlDir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => `${qualitySqlDir}${f}`),
];

describe('shared SQL under Spark SQL grammar', () => {
  it('finds every step and rule', () => {
    expect(loadEtlSteps().map((s) => s.relation)).toContain('bars_out');
    expect(loadQualityRules().length).toBeGreaterThanOrEqual(6);
    expect(files.length).toBe(
      // + 1: run_params.sql (plan.runParams.select)
      loadEtlSteps().length + loadQualityRules().length + Object.keys(loadPlan().existing).length + 1,
    );
  });

  it.each(files)('%s parses after Spark substitution', (file) => {
    const sql = renderSql(readFileSync(file, 'utf8'), 'spark');
    expect(sql).not.toMatch(/\{\{/);
    const errors = spark.validate(sql);
    expect(errors.map((e) => `${e.startLine}:${e.startColumn} ${e.message}`)).toEqual([]);
  });

  it('a broken statement does fail the Spark parser', () => {
    expect(spark.validate('SELECT FROM WHERE (').length).toBeGreaterThan(0);
  });

  it('maps every token for both engines, and rejects unknown ones', () => {
    for (const [name, entry] of Object.entries(loadDialect().functions)) {
      expect(entry.duckdb, name).toBeTruthy();
      expect(entry.spark, name).toBeTruthy();
    }
    expect(() => renderSql('SELECT {{nope}}(1)', 'spark')).toThrow(/nope/);
  });
});
