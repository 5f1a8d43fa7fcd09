/**
 * The shared ETL plan (sql/etl/plan.json) and the files it names, as read by the DuckDB
 * runner. The PySpark runner (glue/etl_runner.py) reads the same files the same way:
 * every decision is in those files, this module only loads them.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ColumnType, fileColumnsOf, PARQUET_COMPRESSION, type TableName, tables } from '@ohlcv/core';

export type Engine = 'duckdb' | 'spark';

export const sqlRootDir = fileURLToPath(new URL('../../../sql/', import.meta.url));
export const etlSqlDir = `${sqlRootDir}etl/`;
export const qualitySqlDir = `${sqlRootDir}quality/`;

export interface PlanStep {
  file: string;
  relation: string;
  materialize: 'table' | 'view';
  /** Existing-rows relations (keys of `existing`) loaded before the step runs. */
  needs?: string[];
}

export interface ExistingSpec {
  table: TableName;
  /** Partition selection SQL over `lake_partitions`, relative to sql/etl/. */
  select: string;
}

export interface OutputSpec {
  table: TableName;
  relation: string;
  where: string;
}

export interface StagingContract {
  fields: string[];
  columns: string[];
  bigintColumns: string[];
  whitespace: string;
  fieldAliases: Record<string, string>;
  intradayInterval: string;
  ndjsonSuffixes: string[];
  errors: { line: string; object: string; lineTooLong: string };
  unreadableGzip: string;
  screen: StagingScreen;
}

/** The raw-object screen's limits and cause texts (plan.json staging.screen), read by both runners. */
export interface StagingScreen {
  lineFormatSuffixes: string[];
  defaults: { maxLineBytes: number; maxObjectBytes: number; minDate: string };
  maxJsonDocumentBytes: number;
  linePrefixBytes: number;
  causes: { notUtf8: string; tooLarge: string; tooLargeDecompressed: string };
}

export interface Plan {
  steps: PlanStep[];
  existing: Record<string, ExistingSpec>;
  outputs: OutputSpec[];
  quality: { rules: string[] };
  /** run_params: built by `select` (relative to sql/etl/) over run_inputs, one row of these text columns. */
  runParams: { inputs: RunInput[]; select: string };
  runCounts: string;
  quarantineTop: { relation: string };
  staging: StagingContract;
  escaping: { characters: string };
}

export type RunInput = 'job_run_id' | 'now_text' | 'min_date' | 'plan_version';

export interface DialectFile {
  grammars: Record<string, string>;
  functions: Record<string, Record<Engine, string>>;
  duckdbPrelude: string[];
}

/** `$comment` keys document the files; they are not part of the data (at any depth). */
const withoutComments = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(withoutComments);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== '$comment')
        .map(([k, x]) => [k, withoutComments(x)]),
    );
  return v;
};
const readJson = <T>(path: string): T => withoutComments(JSON.parse(readFileSync(path, 'utf8'))) as T;

let cachedPlan: Plan | undefined;
export const loadPlan = (): Plan => {
  cachedPlan ??= readJson<Plan>(`${etlSqlDir}plan.json`);
  return cachedPlan;
};

const withGrammars = (text: string, grammars: Record<string, string>): string =>
  text.replace(/%([A-Z_]+)%/g, (whole, name: string) => grammars[name] ?? whole);

/** The dialect map with its grammars filled into every spelling and prelude statement. */
export const loadDialect = (): DialectFile => {
  const d = readJson<DialectFile>(`${etlSqlDir}dialect.json`);
  return {
    grammars: d.grammars,
    functions: Object.fromEntries(
      Object.entries(d.functions).map(([name, e]) => [
        name,
        { duckdb: withGrammars(e.duckdb, d.grammars), spark: withGrammars(e.spark, d.grammars) },
      ]),
    ),
    duckdbPrelude: d.duckdbPrelude.map((s) => withGrammars(s, d.grammars)),
  };
};

/** The arguments of the call whose '(' is at `open`, split at top-level commas, and the index after ')'. */
function callArguments(sql: string, open: number): { args: string[]; end: number } {
  const args: string[] = [];
  let depth = 0;
  let quote = false;
  let start = open + 1;
  for (let i = open; i < sql.length; i++) {
    const ch = sql[i];
    if (quote) {
      if (ch === "'") quote = false;
      continue;
    }
    if (ch === "'") quote = true;
    else if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0) {
        args.push(sql.slice(start, i).trim());
        return { args, end: i + 1 };
      }
    } else if (ch === ',' && depth === 1) {
      args.push(sql.slice(start, i).trim());
      start = i + 1;
    }
  }
  throw new Error(`Unclosed call at offset ${open}`);
}

const TOKEN = /\{\{([a-z_]+)\}\}/;

/**
 * Replaces every `{{name}}` token with the engine's spelling: a plain function name, or
 * a template whose `$1`, `$2`... are the call's (already rendered) arguments. Unknown
 * tokens throw. The Python twin is `render` in glue/etl_runner.py (same fixtures).
 */
export function renderSql(sql: string, engine: Engine, dialect: DialectFile = loadDialect()): string {
  let out = '';
  let rest = sql;
  for (;;) {
    const m = TOKEN.exec(rest);
    if (!m) return out + rest;
    const name = m[1]!;
    const entry = dialect.functions[name];
    if (!entry) throw new Error(`Unknown SQL template token {{${name}}}`);
    const spelling = entry[engine];
    out += rest.slice(0, m.index);
    const after = m.index + m[0].length;
    if (!spelling.includes('$1')) {
      out += spelling;
      rest = rest.slice(after);
      continue;
    }
    if (rest[after] !== '(') throw new Error(`{{${name}}} must be called: {{${name}}}(...)`);
    const { args, end } = callArguments(rest, after);
    const rendered = args.map((a) => renderSql(a, engine, dialect));
    out += spelling.replace(/\$(\d)/g, (_, n: string) => {
      const a = rendered[Number(n) - 1];
      if (a === undefined) throw new Error(`{{${name}}} needs argument $${n}`);
      return a;
    });
    rest = rest.slice(end);
  }
}

export interface EtlStep extends PlanStep {
  sql: string;
}

export const loadEtlSteps = (plan: Plan = loadPlan()): EtlStep[] =>
  plan.steps.map((s) => ({ ...s, sql: readFileSync(`${etlSqlDir}${s.file}`, 'utf8') }));

export interface QualityRule {
  rule: string;
  description: string;
  sql: string;
}

export const loadQualityRules = (plan: Plan = loadPlan()): QualityRule[] =>
  plan.quality.rules.map((rule) => {
    const sql = readFileSync(`${qualitySqlDir}${rule}.sql`, 'utf8');
    const description = /^-- description: (.*)$/m.exec(sql)?.[1]?.trim() ?? rule;
    return { rule, description, sql };
  });

export const partitionSelectSql = (spec: ExistingSpec): string =>
  readFileSync(`${etlSqlDir}${spec.select}`, 'utf8');

export const runParamsSql = (plan: Plan = loadPlan()): string =>
  readFileSync(`${etlSqlDir}${plan.runParams.select}`, 'utf8');

// ---- tables.json: the processed tables' shapes for runners that cannot import core ----

export interface TableShape {
  location: string;
  partitionKeys: string[];
  columns: Array<{ name: string; type: ColumnType }>;
  /** Columns stored in the files: the columns without the partition keys (those live in the path). */
  fileColumns: string[];
  /** The Parquet codec both runners write (core's PARQUET_COMPRESSION). */
  compression: string;
}

/** tables.json's content, derived from core's table specs (sql/etl/tables.json is checked against it). */
export function tablesDocument(): Record<TableName, TableShape> {
  return Object.fromEntries(
    Object.values(tables).map((t) => [
      t.name,
      {
        location: t.location,
        partitionKeys: [...t.partitionKeys],
        columns: t.columns.map((c) => ({ name: c.name, type: c.type })),
        fileColumns: fileColumnsOf(t).map((c) => c.name),
        compression: PARQUET_COMPRESSION,
      },
    ]),
  ) as Record<TableName, TableShape>;
}

export const tablesJsonPath = `${etlSqlDir}tables.json`;
export const renderTablesJson = (): string =>
  `${JSON.stringify(
    {
      $comment:
        'Generated from packages/core/src/tables.ts by `pnpm gen:etl-tables` (a test fails when it is stale). The PySpark runner reads the table shapes from here.',
      ...tablesDocument(),
    },
    null,
    2,
  )}\n`;

/**
 * The plan version: a hash of the plan, the dialect, the table shapes and every SQL file
 * the plan names, in plan order. Rows carry it in their run's lineage; the PySpark runner
 * computes it the same way (`plan_version` in glue/etl_runner.py).
 */
export function planVersion(plan: Plan = loadPlan()): string {
  const files = [
    'plan.json',
    'dialect.json',
    'tables.json',
    plan.runParams.select,
    ...plan.steps.map((s) => s.file),
    ...Object.values(plan.existing).map((e) => e.select),
  ].map((f) => `etl/${f}`);
  files.push(...plan.quality.rules.map((r) => `quality/${r}.sql`));
  const h = createHash('sha256');
  for (const f of files) {
    h.update(`${f}\n`);
    h.update(readFileSync(`${sqlRootDir}${f}`));
    h.update('\n');
  }
  return h.digest('hex').slice(0, 16);
}
