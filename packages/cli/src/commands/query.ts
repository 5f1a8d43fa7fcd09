import { existsSync } from 'node:fs';
import { assertLakeReadable, resolveHome } from '@ohlcv/local';
import {
  getQuery,
  isSqlRefused,
  openLocalCatalog,
  openStateDb,
  type ParamValue,
  QueryParamError,
  queryRegistry,
  resolveParams,
} from '@ohlcv/local/catalog/index';
import { formatOf, parse, table, toJson } from '../args.ts';
import { type Command, UsageError } from '../command.ts';

const usage = `Usage: ohlcv query NAME [--param KEY=VALUE ...] [--format table|json|csv]
       ohlcv query --sql 'SELECT ...' [--param KEY=VALUE ...] [--format table|json|csv]
       ohlcv query --list [--format table|json]

Runs a named query from sql/queries/ (or your own SQL) on the local lake, over exactly the
partitions the catalog has registered. Tables: ohlcv.bars, ohlcv.bars_hourly,
ohlcv.bars_daily, ohlcv.quarantine. In --sql, write parameters as :name and pass them
with --param name=value; they are bound, never pasted into the text. --sql is sandboxed:
one read-only SELECT over the ohlcv.* views, no other files; anything else is refused
(exit 2), as are a named query's parameters of the wrong type (a date that does not exist,
a window below its minimum).
Safe to run while "ohlcv start" is running.

Examples:
  ohlcv query --list
  ohlcv query top_movers --param start_date=2024-03-05 --param k=3
  ohlcv query volatility --param window=60 --param symbol=AAPL --format csv
  ohlcv query --sql 'SELECT symbol, count(*) AS n FROM ohlcv.bars_daily GROUP BY 1'`;

function parseParams(pairs: readonly string[]): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param must be KEY=VALUE, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** The session's sandbox refusing a statement (a typed error with this code). */
const isRefused = (err: unknown): boolean =>
  (err as { code?: string }).code === 'StatementRefused' ||
  (err as { name?: string }).name === 'StatementRefusedError';

/** DuckDB's errors about the statement itself rather than the data or the machine. */
const USER_SQL_ERROR = /^(DuckDB: )?(Parser|Binder|Catalog) Error|syntax error/i;

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(rows: Record<string, unknown>[], columns?: string[]): string {
  const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  return `${[cols.map(csvCell).join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n')}\n`;
}

function listing(): Record<string, unknown>[] {
  return [...queryRegistry().values()].map((q) => ({
    name: q.name,
    parameters: q.params
      .map((p) =>
        p.default === undefined ? `${p.name}` : `${p.name}=${p.default === '' ? "''" : p.default}`,
      )
      .join(' '),
    description: q.description,
  }));
}

export const queryCommand: Command = {
  name: 'query',
  summary: 'Run a named query or SQL on the local lake',
  usage,
  async run(argv, io) {
    const { values, positionals } = parse(
      argv,
      {
        param: { type: 'string', multiple: true, short: 'p' },
        format: { type: 'string', default: 'table' },
        sql: { type: 'string' },
        list: { type: 'boolean', default: false },
      },
      true,
    );
    const format = formatOf(values.format, ['table', 'json', 'csv']);

    if (values.list) {
      if (positionals.length > 0 || values.sql) throw new UsageError('--list takes no query name or --sql');
      const rows = listing();
      if (format === 'json') {
        io.stdout(
          `${toJson([...queryRegistry().values()].map(({ name, description, params }) => ({ name, description, params })))}\n`,
        );
      } else io.stdout(format === 'csv' ? toCsv(rows) : table(rows));
      return 0;
    }

    const given = parseParams(values.param ?? []);
    let sql: string;
    let params: Record<string, ParamValue>;
    if (values.sql !== undefined) {
      if (positionals.length > 0) throw new UsageError('give a query NAME or --sql, not both');
      sql = values.sql;
      params = given;
    } else {
      const [name, ...extra] = positionals;
      if (!name)
        throw new UsageError(
          `give a query NAME, --sql or --list; queries: ${[...queryRegistry().keys()].join(', ')}`,
        );
      if (extra.length > 0) throw new UsageError(`unexpected argument(s): ${extra.join(' ')}`);
      try {
        const q = getQuery(name);
        sql = q.sql;
        params = resolveParams(q, given);
      } catch (err) {
        if (err instanceof QueryParamError) {
          const known = queryRegistry().get(name);
          throw new UsageError(
            known ? `${err.message}` : `${err.message}\nRun "ohlcv query --list" for descriptions.`,
          );
        }
        throw err;
      }
    }

    const home = resolveHome(io.env, io.cwd);
    if (!existsSync(home.stateDb)) {
      io.stderr(
        `no local runtime state at ${home.stateDb}; run "ohlcv demo" or "ohlcv start" first (or set OHLCV_HOME)\n`,
      );
      return 1;
    }
    assertLakeReadable(home.lake);
    const db = openStateDb(home.stateDb);
    try {
      const local = openLocalCatalog({ db, lakeRoot: home.lake });
      let rows: Record<string, unknown>[];
      try {
        rows = await local.queryEngine.query(sql, params);
      } catch (err) {
        // The sandbox refusing a statement is bad input, not a failure of this command.
        if (isSqlRefused(err)) {
          io.stderr(`query refused: ${err.reason}\n`);
          return 2;
        }
        const message = err instanceof Error ? err.message : String(err);
        // The statement's own fault (refused, unparsable, unknown column) is bad input: exit 2.
        const refused = isRefused(err);
        const badInput = refused || (values.sql !== undefined && USER_SQL_ERROR.test(message));
        io.stderr(`query ${refused ? 'refused' : 'failed'}: ${message}\n`);
        return badInput ? 2 : 1;
      }
      if (format === 'json') io.stdout(`${toJson(rows)}\n`);
      else if (format === 'csv') io.stdout(toCsv(rows));
      else io.stdout(table(rows));
      return 0;
    } finally {
      db.close();
    }
  },
};

export const command = queryCommand;
