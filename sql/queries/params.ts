/**
 * The one source form for query parameters: `:name` tokens in the SQL text. Each engine
 * gets its own binding from it: DuckDB prepared statements (`$name`, bound by name) and
 * Athena ExecutionParameters (`?`, bound by position). Values are never spliced into text.
 *
 * The scanner skips string literals, quoted identifiers and comments, and ignores `::`
 * (a DuckDB cast), so `':x'` or `-- :x` are not parameters.
 */

export type ParamValue = string | number | boolean | null;

interface Token {
  name: string;
  start: number;
  end: number;
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** Every `:name` occurrence, in text order. */
export function scanParams(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    if (ch === "'" || ch === '"' || ch === '`') {
      i = skipQuoted(sql, i, ch);
    } else if (ch === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (ch === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else if (ch === ':' && next === ':') {
      i += 2;
    } else if (ch === ':' && sql[i - 1] !== ':') {
      NAME.lastIndex = i + 1;
      const m = NAME.exec(sql);
      if (m) {
        out.push({ name: m[0], start: i, end: i + 1 + m[0].length });
        i += 1 + m[0].length;
      } else {
        i += 1;
      }
    } else {
      i += 1;
    }
  }
  return out;
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i += 1;
  }
  return sql.length;
}

/** Distinct parameter names in first-use order. */
export function paramNames(sql: string): string[] {
  return [...new Set(scanParams(sql).map((t) => t.name))];
}

function replaceTokens(sql: string, render: (t: Token) => string): string {
  let out = '';
  let last = 0;
  for (const t of scanParams(sql)) {
    out += sql.slice(last, t.start) + render(t);
    last = t.end;
  }
  return out + sql.slice(last);
}

export class MissingParamError extends Error {
  override name = 'MissingParamError';
  constructor(readonly missing: string[]) {
    super(`missing query parameter(s): ${missing.join(', ')}`);
  }
}

function assertAllBound(sql: string, params: Record<string, ParamValue>): void {
  const missing = paramNames(sql).filter((n) => !(n in params));
  if (missing.length > 0) throw new MissingParamError(missing);
}

/** DuckDB form: `:name` becomes `$name`; the values object is bound by name as is. */
export function toDuckDb(
  sql: string,
  params: Record<string, ParamValue> = {},
): { sql: string; values: Record<string, ParamValue> } {
  assertAllBound(sql, params);
  const used = new Set(paramNames(sql));
  const values: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(params)) if (used.has(k)) values[k] = v;
  return { sql: replaceTokens(sql, (t) => `$${t.name}`), values };
}

/**
 * Athena form: each `:name` occurrence becomes `?` and contributes one ExecutionParameter,
 * in text order (a name used twice is passed twice). Athena takes each parameter as a SQL
 * literal, so strings are quoted here, with quotes doubled.
 */
export function toAthena(
  sql: string,
  params: Record<string, ParamValue> = {},
): { sql: string; executionParameters: string[] } {
  assertAllBound(sql, params);
  const executionParameters: string[] = [];
  const text = replaceTokens(sql, (t) => {
    executionParameters.push(athenaLiteral(params[t.name] ?? null));
    return '?';
  });
  return { sql: text, executionParameters };
}

export function athenaLiteral(v: ParamValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
    return String(v);
  }
  return `'${v.replaceAll("'", "''")}'`;
}
