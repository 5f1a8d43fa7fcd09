/**
 * The plan files and their two readers: tables.json is what core's tables.ts generates;
 * the plan names every SQL file there is; and the Python reader (glue/etl_plan.py) renders,
 * escapes and hashes exactly as the TypeScript one (src/plan.ts, src/hive-path.ts).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_STAGING_LIMITS } from '@ohlcv/core';
import { requireVenvPython } from '@ohlcv/core/testing/toolchain';
import { describe, expect, it } from 'vitest';
import { escapePartitionValue } from '../src/hive-path.ts';
import {
  etlSqlDir,
  loadEtlSteps,
  loadPlan,
  loadQualityRules,
  partitionSelectSql,
  planVersion,
  qualitySqlDir,
  renderSql,
  renderTablesJson,
  runParamsSql,
  sqlRootDir,
  tablesJsonPath,
} from '../src/plan.ts';

const glueDir = fileURLToPath(new URL('../glue/', import.meta.url));

describe('the plan files', () => {
  it("the staging limits' defaults are one setting: the plan's (Python runner) equal core's (TypeScript, infra)", () => {
    expect(loadPlan().staging.screen.defaults).toEqual(DEFAULT_STAGING_LIMITS);
  });

  it('tables.json is up to date with packages/core/src/tables.ts (pnpm gen:etl-tables)', () => {
    expect(readFileSync(tablesJsonPath, 'utf8')).toBe(renderTablesJson());
  });

  it('names every step and quality file, and every file it names exists', () => {
    const plan = loadPlan();
    const stepFiles = readdirSync(etlSqlDir).filter((f) => /^\d\d_.*\.sql$/.test(f));
    expect(plan.steps.map((s) => s.file).sort()).toEqual(stepFiles.sort());
    expect(plan.steps.map((s) => s.file)).toEqual([...plan.steps.map((s) => s.file)].sort());
    const ruleFiles = readdirSync(qualitySqlDir).filter((f) => f.endsWith('.sql'));
    expect(plan.quality.rules.map((r) => `${r}.sql`).sort()).toEqual(ruleFiles.sort());
    const selects = readdirSync(`${etlSqlDir}partitions`).map((f) => `partitions/${f}`);
    expect(
      Object.values(plan.existing)
        .map((e) => e.select)
        .sort(),
    ).toEqual(selects.sort());
    for (const s of plan.steps) for (const n of s.needs ?? []) expect(plan.existing[n], n).toBeDefined();
    expect(readdirSync(etlSqlDir)).toContain(plan.runParams.select);
  });

  it('renders templates with nested calls and rejects bad tokens', () => {
    expect(renderSql('SELECT {{to_double}}(x) + 1', 'duckdb')).toBe('SELECT etl_to_double(x) + 1');
    const spark = renderSql("SELECT {{local_to_utc}}({{to_timestamp}}(concat(a, ',b)')), tz)", 'spark');
    expect(spark).toMatch(/^SELECT to_utc_timestamp\(\(CASE WHEN concat\(a, ',b\)'\) RLIKE '\^/);
    expect(spark).not.toMatch(/\$1|\{\{|%TIMESTAMP%/);
    expect(() => renderSql('SELECT {{to_double}} AS x', 'spark')).toThrow(/must be called/);
    expect(() => renderSql('SELECT {{nope}}(1)', 'spark')).toThrow(/nope/);
  });
});

const { python, run } = requireVenvPython();

describe.runIf(run)('the Python plan reader is the twin of the TypeScript one', () => {
  it('renders every SQL file for both engines, escapes partition values and hashes the plan the same way', () => {
    const plan = loadPlan();
    const texts = [
      runParamsSql(plan),
      ...loadEtlSteps().map((s) => s.sql),
      ...Object.values(plan.existing).map((e) => partitionSelectSql(e)),
      ...loadQualityRules().map((r) => r.sql),
    ];
    const values = ['AAPL', 'BTC/USD', 'a=b:c%d', 'x\'y"z#?*', 'tab\there', '\u007f', 'é', '[^]{}\\'];
    const script = `
import json, os, sys
sys.path.insert(0, ${JSON.stringify(glueDir)})
from etl_plan import Plan
root = ${JSON.stringify(sqlRootDir)}
plan = Plan(lambda rel: open(os.path.join(root, rel), 'rb').read())
req = json.load(sys.stdin)
print(json.dumps({
  "duckdb": [plan.render(t, "duckdb") for t in req["texts"]],
  "spark": [plan.render(t, "spark") for t in req["texts"]],
  "escaped": [plan.escape(v) for v in req["values"]],
  "version": plan.version(),
}))`;
    const r = spawnSync(python!, ['-c', script], {
      input: JSON.stringify({ texts, values }),
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      duckdb: texts.map((t) => renderSql(t, 'duckdb')),
      spark: texts.map((t) => renderSql(t, 'spark')),
      escaped: values.map(escapePartitionValue),
      version: planVersion(),
    });
  });
});
