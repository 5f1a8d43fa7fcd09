/**
 * The query registry: every `sql/queries/*.sql` file with its header parsed into a
 * name, a one-line description and typed parameters with defaults. The CLI, the
 * dashboard and the tests read queries through this module only.
 *
 * Header grammar (leading `--` lines of the file):
 *   -- description: <one line>
 *   -- @param <name> <date|month|string|integer|double|boolean> [= <default>]  <help>
 *   -- @materialize <table> partitioned_by=<col>[,<col>]
 * A default of `''` is the empty string; a param without `=` is required.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParamValue, paramNames } from './params.ts';

export type ParamType = 'date' | 'month' | 'string' | 'integer' | 'double' | 'boolean';

export interface QueryParamDef {
  name: string;
  type: ParamType;
  /** Undefined when the parameter is required. */
  default?: ParamValue;
  description: string;
}

export interface QueryDef {
  name: string;
  description: string;
  /** Further header lines (source tables, semantics). */
  notes: string;
  params: QueryParamDef[];
  /** The statement in source form (`:name` parameters), header comments included. */
  sql: string;
  file: string;
  materialize?: { table: string; partitionedBy: string[] };
}

export const QUERIES_DIR = path.dirname(fileURLToPath(import.meta.url));

const PARAM_TYPES: readonly ParamType[] = ['date', 'month', 'string', 'integer', 'double', 'boolean'];
const PARAM_LINE = /^@param\s+([A-Za-z_]\w*)\s+(\w+)(?:\s*=\s*('(?:[^']|'')*'|\S+))?\s*(.*)$/;

export class QueryDefinitionError extends Error {
  override name = 'QueryDefinitionError';
}

export function parseQueryFile(name: string, sql: string, file = `${name}.sql`): QueryDef {
  const header: string[] = [];
  for (const line of sql.split('\n')) {
    if (!line.startsWith('--')) break;
    header.push(line.replace(/^--\s?/, '').trim());
  }
  let description = '';
  const notes: string[] = [];
  const params: QueryParamDef[] = [];
  let materialize: QueryDef['materialize'];
  for (const line of header) {
    if (line.startsWith('description:')) {
      description = line.slice('description:'.length).trim();
    } else if (line.startsWith('@param')) {
      const m = PARAM_LINE.exec(line);
      if (!m) throw new QueryDefinitionError(`${file}: bad @param line: ${line}`);
      const [, pname = '', ptype = '', rawDefault, help = ''] = m;
      if (!PARAM_TYPES.includes(ptype as ParamType)) {
        throw new QueryDefinitionError(`${file}: param ${pname} has unknown type ${ptype}`);
      }
      const def: QueryParamDef = { name: pname, type: ptype as ParamType, description: help };
      if (rawDefault !== undefined) def.default = coerceParam(def, unquote(rawDefault));
      params.push(def);
    } else if (line.startsWith('@materialize')) {
      const m = /^@materialize\s+(\w+)\s+partitioned_by=([\w,]+)$/.exec(line);
      if (!m) throw new QueryDefinitionError(`${file}: bad @materialize line: ${line}`);
      materialize = { table: m[1] ?? '', partitionedBy: (m[2] ?? '').split(',') };
    } else if (line) {
      notes.push(line);
    }
  }
  if (!description) throw new QueryDefinitionError(`${file}: header has no description`);
  const declared = new Set(params.map((p) => p.name));
  const used = paramNames(sql);
  const undeclared = used.filter((n) => !declared.has(n));
  const unused = [...declared].filter((n) => !used.includes(n));
  if (undeclared.length || unused.length) {
    throw new QueryDefinitionError(
      `${file}: parameters used but not declared: [${undeclared}], declared but not used: [${unused}]`,
    );
  }
  const def: QueryDef = { name, description, notes: notes.join(' '), params, sql, file };
  if (materialize) def.materialize = materialize;
  return def;
}

const unquote = (s: string): string =>
  s.startsWith("'") && s.endsWith("'") ? s.slice(1, -1).replaceAll("''", "'") : s;

export function loadQueries(dir: string = QUERIES_DIR): QueryDef[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => parseQueryFile(f.slice(0, -4), readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f)));
}

let cache: Map<string, QueryDef> | undefined;

/** All registered queries by name (read once). */
export function queryRegistry(): ReadonlyMap<string, QueryDef> {
  cache ??= new Map(loadQueries().map((q) => [q.name, q]));
  return cache;
}

export class QueryParamError extends Error {
  override name = 'QueryParamError';
}

export function getQuery(name: string): QueryDef {
  const q = queryRegistry().get(name);
  if (!q) {
    throw new QueryParamError(
      `unknown query "${name}"; known queries: ${[...queryRegistry().keys()].join(', ')}`,
    );
  }
  return q;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-\d{2}$/;

/** Checks and converts one value (CLI strings included) to the parameter's type. */
export function coerceParam(def: QueryParamDef, value: ParamValue): ParamValue {
  if (value === null) return null;
  const text = String(value);
  switch (def.type) {
    case 'date':
    case 'month': {
      const re = def.type === 'date' ? DATE : MONTH;
      if (text !== '' && !re.test(text)) {
        throw new QueryParamError(
          `parameter ${def.name} must be a ${def.type === 'date' ? 'YYYY-MM-DD' : 'YYYY-MM'} ${def.type}, got "${text}"`,
        );
      }
      return text;
    }
    case 'integer': {
      const n = Number(text);
      if (!Number.isInteger(n))
        throw new QueryParamError(`parameter ${def.name} must be an integer, got "${text}"`);
      return n;
    }
    case 'double': {
      const n = Number(text);
      if (text === '' || !Number.isFinite(n))
        throw new QueryParamError(`parameter ${def.name} must be a number, got "${text}"`);
      return n;
    }
    case 'boolean':
      if (text === 'true' || text === 'false') return text === 'true';
      throw new QueryParamError(`parameter ${def.name} must be true or false, got "${text}"`);
    default:
      return text;
  }
}

/**
 * Fills defaults, coerces types and rejects unknown or missing parameters, with a message
 * that lists what the query accepts.
 */
export function resolveParams(
  q: QueryDef,
  given: Record<string, ParamValue> = {},
): Record<string, ParamValue> {
  const known = new Map(q.params.map((p) => [p.name, p]));
  const unknown = Object.keys(given).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new QueryParamError(
      `query ${q.name} has no parameter ${unknown.join(', ')}; it accepts: ${describeParams(q) || '(none)'}`,
    );
  }
  const out: Record<string, ParamValue> = {};
  for (const p of q.params) {
    if (p.name in given) out[p.name] = coerceParam(p, given[p.name] ?? null);
    else if (p.default !== undefined) out[p.name] = p.default;
    else
      throw new QueryParamError(
        `query ${q.name} needs parameter ${p.name}; it accepts: ${describeParams(q)}`,
      );
  }
  return out;
}

export function describeParams(q: QueryDef): string {
  return q.params
    .map(
      (p) =>
        `${p.name} (${p.type}${p.default === undefined ? ', required' : `, default ${JSON.stringify(p.default)}`})`,
    )
    .join(', ');
}

/**
 * The CTAS statement materializing a query, in source form. Athena gets table
 * properties (Parquet, partitioned_by); its location comes from the workgroup, never the SQL.
 */
/**
 * The CTAS of a materialization. Queries name no database: on Athena the query's context
 * database (`ohlcv_<stage>`) decides unless `schema` is given; locally DuckDB's `ohlcv`.
 */
export function materializeSql(
  q: QueryDef,
  engine: 'athena' | 'duckdb',
  schema: string | undefined = engine === 'duckdb' ? 'ohlcv' : undefined,
): string {
  if (!q.materialize) throw new QueryParamError(`query ${q.name} is not a materialization`);
  const body = stripHeader(q.sql);
  const target = schema ? `${schema}.${q.materialize.table}` : q.materialize.table;
  if (engine === 'duckdb') return `CREATE OR REPLACE TABLE ${target} AS\n${body}`;
  const parts = q.materialize.partitionedBy.map((c) => `'${c}'`).join(', ');
  return `CREATE TABLE ${target}\nWITH (format = 'PARQUET', write_compression = 'SNAPPY', partitioned_by = ARRAY[${parts}])\nAS\n${body}`;
}

export function stripHeader(sql: string): string {
  const lines = sql.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]?.startsWith('--')) i += 1;
  return lines.slice(i).join('\n').trim();
}

export type { ParamValue } from './params.ts';
export { MissingParamError, paramNames, scanParams, toAthena, toDuckDb } from './params.ts';
