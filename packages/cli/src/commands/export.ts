import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { type TableName, tableNames, tables } from '@ohlcv/core';
import { resolveHome } from '@ohlcv/local';
import { openLocalCatalog, openStateDb, type ParamValue } from '@ohlcv/local/catalog/index';
import { parse, toJson } from '../args.ts';
import { type Command, UsageError } from '../command.ts';

const usage = `Usage: ohlcv export --table T [--from DATE] [--to DATE] [--symbols A,B] [--format parquet|csv] [--out FILE]

Writes a clean extract of one processed table — exactly the partitions the catalog has
registered, so never a half-written run — to one Parquet or CSV file, for pandas, polars,
Spark or a spreadsheet. Tables: ${tableNames.join(', ')}.

Options:
  --table T          the table to extract
  --from, --to DATE  UTC dates, inclusive (YYYY-MM-DD): the bar's date (ts or trade_date),
                     or for quarantine the date its raw object was written
  --symbols A,B      only these symbols
  --format F         parquet (default) or csv
  --out FILE         where to write (default ./ohlcv-<table>.<format>); it is replaced
  --json             print what was written as JSON

Example:
  ohlcv export --table bars_daily --from 2024-03-01 --to 2024-03-31 --symbols AAPL,MSFT --out march.parquet`;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const realDate = (v: string): boolean =>
  DATE.test(v) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;

/** The expression a table's --from/--to compare: the bar's UTC date where it has one. */
function dateExpression(table: TableName): string {
  const cols = tables[table].columns.map((c) => c.name) as string[];
  if (cols.includes('ts')) return 'CAST(ts AS DATE)';
  if (cols.includes('trade_date')) return 'trade_date';
  return 'CAST("date" AS DATE)';
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'Write a table (or a slice of it) to one Parquet or CSV file',
  usage,
  async run(argv, io) {
    const { values } = parse(argv, {
      table: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      symbols: { type: 'string' },
      format: { type: 'string', default: 'parquet' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const table = values.table as TableName | undefined;
    if (!table || !tableNames.includes(table))
      throw new UsageError(
        `--table must be one of ${tableNames.join(', ')}${table ? `, not "${table}"` : ''}`,
      );
    const format = String(values.format);
    if (format !== 'parquet' && format !== 'csv')
      throw new UsageError(`--format must be parquet or csv, not "${format}"`);
    for (const [flag, v] of [
      ['--from', values.from],
      ['--to', values.to],
    ] as const)
      if (v !== undefined && !realDate(v))
        throw new UsageError(`${flag} "${v}" is not a real date (YYYY-MM-DD)`);
    if (values.from && values.to && values.from > values.to)
      throw new UsageError(`--to "${values.to}" is before --from "${values.from}"`);
    const symbols = (values.symbols ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const out = path.resolve(io.cwd, values.out ?? `ohlcv-${table}.${format}`);
    if (!existsSync(path.dirname(out)) || !statSync(path.dirname(out)).isDirectory())
      throw new UsageError(`--out ${values.out}: folder ${path.dirname(out)} does not exist`);
    if (existsSync(out) && statSync(out).isDirectory())
      throw new UsageError(`--out ${values.out} is a folder`);

    const home = resolveHome(io.env, io.cwd);
    if (!existsSync(home.stateDb)) {
      io.stderr(
        `no local runtime state at ${home.stateDb}; run "ohlcv demo" or "ohlcv start" first (or set OHLCV_HOME)\n`,
      );
      return 1;
    }
    const where: string[] = [];
    const params: Record<string, ParamValue> = {};
    const day = dateExpression(table);
    if (values.from) {
      where.push(`${day} >= CAST(:from_date AS DATE)`);
      params.from_date = values.from;
    }
    if (values.to) {
      where.push(`${day} <= CAST(:to_date AS DATE)`);
      params.to_date = values.to;
    }
    if (symbols.length > 0) {
      where.push(`symbol IN (${symbols.map((_, i) => `:symbol_${i}`).join(', ')})`);
      symbols.forEach((s, i) => {
        params[`symbol_${i}`] = s;
      });
    }
    const select = `SELECT * FROM ohlcv.${table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    const db = openStateDb(home.stateDb);
    try {
      const local = openLocalCatalog({ db, lakeRoot: home.lake });
      if (local.partitions(table).length === 0) {
        io.stderr(`ohlcv.${table} has no registered partitions yet: nothing to export\n`);
        return 1;
      }
      const counted = await local.queryEngine.query(`SELECT count(*) AS n FROM (${select})`, params);
      const rows = Number(counted[0]?.n ?? 0);
      const options = format === 'parquet' ? "FORMAT PARQUET, COMPRESSION 'zstd'" : 'FORMAT CSV, HEADER';
      await local.exportQuery(select, params, out, options);
      if (values.json) io.stdout(`${toJson({ table, format, file: out, rows })}\n`);
      else io.stdout(`wrote ${rows.toLocaleString('en-US')} rows of ohlcv.${table} to ${out}\n`);
      return 0;
    } finally {
      db.close();
    }
  },
};

export const command = exportCommand;
