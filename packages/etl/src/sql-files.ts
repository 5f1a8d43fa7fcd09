/**
 * The shared SQL (sql/etl steps, sql/quality rules) and the dialect map that adapts it
 * to one engine. Spark's runner (glue/etl_job.py) reads the same files the same way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Engine = 'duckdb' | 'spark';

export const etlSqlDir = fileURLToPath(new URL('../../../sql/etl/', import.meta.url));
export const qualitySqlDir = fileURLToPath(new URL('../../../sql/quality/', import.meta.url));

interface DialectFile {
  functions: Record<string, Record<Engine, string>>;
  duckdbPrelude: string[];
}

export const loadDialect = (): DialectFile =>
  JSON.parse(readFileSync(`${etlSqlDir}dialect.json`, 'utf8')) as DialectFile;

const TOKEN = /\{\{([a-z_]+)\}\}/g;

/** Replaces every `{{name}}` token with the engine's function name; unknown tokens throw. */
export const renderSql = (sql: string, engine: Engine, dialect: DialectFile = loadDialect()): string =>
  sql.replace(TOKEN, (_, name: string) => {
    const entry = dialect.functions[name];
    if (!entry) throw new Error(`Unknown SQL template token {{${name}}}`);
    return entry[engine];
  });

export interface EtlStep {
  file: string;
  /** The relation the step produces: its file name without the `NN_` prefix. */
  relation: string;
  /** `table`: computed once and kept; `view`: inlined where used. */
  materialize: 'table' | 'view';
  sql: string;
}

export const loadEtlSteps = (dir: string = etlSqlDir): EtlStep[] =>
  readdirSync(dir)
    .filter((f) => /^\d\d_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(`${dir}${file}`, 'utf8');
      const materialize = /^-- materialize: view$/m.test(sql) ? 'view' : 'table';
      return { file, relation: file.slice(3, -4), materialize, sql };
    });

export interface QualityRule {
  rule: string;
  description: string;
  sql: string;
}

export const loadQualityRules = (dir: string = qualitySqlDir): QualityRule[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((file) => {
      const sql = readFileSync(`${dir}${file}`, 'utf8');
      const description = /^-- description: (.*)$/m.exec(sql)?.[1]?.trim() ?? file;
      return { rule: file.slice(0, -4), description, sql };
    });
