import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './command.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with our error style: unknown or malformed options are usage errors. */
export function parse<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const accepted = Object.keys(options)
      .map((o) => `--${o}`)
      .join(', ');
    const unknown = /^Unknown option '([^']+)'/.exec(e.message);
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown)
      throw new UsageError(`unknown option ${unknown[1]}; this command takes ${accepted || 'no options'}`);
    throw new UsageError(e.message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export type Format = 'table' | 'json';

export function formatOf(value: unknown, allowed: readonly string[] = ['table', 'json']): string {
  const f = String(value ?? 'table');
  if (!allowed.includes(f)) throw new UsageError(`--format must be one of ${allowed.join(', ')}, not "${f}"`);
  return f;
}

/** A plain text table: header, rule, rows; numbers right-aligned. */
export function table(rows: Record<string, unknown>[], columns?: string[]): string {
  if (rows.length === 0) return '(no rows)\n';
  const cols = columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown): string =>
    v === null || v === undefined
      ? ''
      : v instanceof Date
        ? v.toISOString()
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
  const cells = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const numeric = cols.map((c) =>
    rows.every((r) => r[c] === null || typeof r[c] === 'number' || typeof r[c] === 'bigint'),
  );
  const line = (vals: string[]): string =>
    vals
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(cols), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n')}\n`;
}

/** JSON that survives BigInt (DuckDB returns BIGINT as bigint). */
export const toJson = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 2);
