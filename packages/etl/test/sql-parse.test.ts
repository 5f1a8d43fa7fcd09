import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SparkSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import {
  etlSqlDir,
  loadDialect,
  loadEtlSteps,
  loadQualityRules,
  qualitySqlDir,
  renderSql,
} from '../src/sql-files.ts';

const spark = new SparkSQL();
const files = [
  ...readdirSync(etlSqlDir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => `${etlSqlDir}${f}`),
  ...readdirSync(qualitySqlDir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => `${qualitySqlDir}${f}`),
];

describe('shared SQL under Spark SQL grammar', () => {
  it('finds every step and rule', () => {
    expect(loadEtlSteps().map((s) => s.relation)).toContain('bars_out');
    expect(loadQualityRules().length).toBeGreaterThanOrEqual(6);
    expect(files.length).toBe(loadEtlSteps().length + loadQualityRules().length);
  });

  it.each(files)('%s parses after Spark substitution', (file) => {
    const sql = renderSql(readFileSync(file, 'utf8'), 'spark');
    expect(sql).not.toMatch(/\{\{/);
    const errors = spark.validate(sql);
    expect(errors.map((e) => `${e.startLine}:${e.startColumn} ${e.message}`)).toEqual([]);
  });

  it.skipIf(spawnSync('python3', ['--version']).status !== 0)('the Glue script compiles', () => {
    const script = fileURLToPath(new URL('../glue/etl_job.py', import.meta.url));
    const r = spawnSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', script], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
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
