/**
 * Query latency on a synthetic lake: `top_movers` (one date) and `volatility` (one month,
 * N=20) over `ohlcv.bars_daily`, once on the month-partitioned lake through the local
 * catalog (files of other months are never opened) and once on the same rows stored
 * without partitions (every file is read, rows filtered after). BENCH_QUERY_ROWS sets the
 * number of daily rows (default 10M: 2,000 symbols x 5,000 days, 165 monthly partitions).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type ParamValue, toDuckDb } from '@ohlcv/sql/params';
import { getQuery, resolveParams } from '@ohlcv/sql/queries';
import { openLocalCatalog, openScratchDuckDb, openStateDb } from '../packages/local/src/catalog/index.ts';
import { quotePath } from '../packages/local/src/catalog/sql-text.ts';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const SYMBOLS = 2_000;
const REPEATS = 5;

export async function buildLake(
  root: string,
  rows: number,
): Promise<{ symbols: number; days: number; firstDay: string; lastDay: string }> {
  const symbols = Math.min(SYMBOLS, Math.max(10, Math.floor(rows / 250)));
  const days = Math.max(60, Math.floor(rows / symbols));
  const scratch = await openScratchDuckDb();
  const conn = scratch.connection;
  try {
    await conn.run(`SELECT setseed(0.42)`);
    await conn.run(`
      CREATE TABLE daily AS
      WITH base AS (
        SELECT s, d, DATE '2000-01-03' + CAST(d AS INTEGER) AS trade_date, (random() - 0.5) * 0.06 AS r
        FROM range(${symbols}) t(s), range(${days}) u(d)
      )
      SELECT
        printf('S%05d', s) AS symbol, 'XNAS' AS exchange, NULL::VARCHAR AS mic_code, 'USD' AS currency,
        'Common Stock' AS instrument_type, trade_date,
        100 * exp(sum(ln(1 + r)) OVER (PARTITION BY s ORDER BY d)) AS close,
        CASE WHEN d = 0 THEN NULL ELSE r END AS daily_return,
        CASE WHEN d = 0 THEN NULL ELSE ln(1 + r) END AS log_return,
        1e6 * (0.5 + random()) AS volume, 390::BIGINT AS bar_count,
        strftime(trade_date, '%Y-%m') AS "month"
      FROM base`);
    const cols = `symbol, exchange, mic_code, currency, instrument_type, trade_date, close AS open, close * 1.01 AS high,
      close * 0.99 AS low, close, volume, close AS vwap, bar_count, daily_return, log_return`;
    const partitioned = path.join(root, 'lake', 'processed', 'bars_daily');
    mkdirSync(partitioned, { recursive: true });
    await conn.run(
      `COPY (SELECT ${cols}, "month" FROM daily ORDER BY "month", symbol) TO ${quotePath(partitioned)} (FORMAT parquet, PARTITION_BY ("month"))`,
    );
    // The same rows without partitions, ordered by symbol: no file or row group can be skipped by month.
    const flat = path.join(root, 'flat');
    mkdirSync(flat, { recursive: true });
    await conn.run(
      `COPY (SELECT ${cols}, "month" FROM daily ORDER BY symbol, trade_date) TO ${quotePath(path.join(flat, 'part-0.parquet'))} (FORMAT parquet)`,
    );
    const range = (
      await conn.runAndReadAll(
        `SELECT CAST(min(trade_date) AS VARCHAR) a, CAST(max(trade_date) AS VARCHAR) b FROM daily`,
      )
    ).getRowObjectsJson()[0]!;
    return { symbols, days, firstDay: String(range.a), lastDay: String(range.b) };
  } finally {
    scratch.close();
  }
}

async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

export async function run(): Promise<BenchResult[]> {
  const rows = Number(process.env.BENCH_QUERY_ROWS ?? 10_000_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-bench-query-'));
  const db = openStateDb(path.join(root, 'state.db'));
  try {
    const t0 = performance.now();
    const lake = await buildLake(root, rows);
    const buildMs = performance.now() - t0;
    const lakeRoot = path.join(root, 'lake');
    const local = openLocalCatalog({ db, lakeRoot });
    const months = readdirSync(path.join(lakeRoot, 'processed', 'bars_daily')).filter((d) =>
      d.startsWith('month='),
    );
    await local.catalog.registerPartitions(
      'bars_daily',
      months.map((m) => ({
        values: { month: m.slice('month='.length) },
        location: `processed/bars_daily/${m}/`,
      })),
    );

    const day = lake.lastDay;
    const monthStart = `${day.slice(0, 7)}-01`;
    const cases: { label: string; query: string; params: Record<string, ParamValue> }[] = [
      { label: 'top_movers', query: 'top_movers', params: { start_date: day, k: 10 } },
      {
        label: 'volatility',
        query: 'volatility',
        params: { start_date: monthStart, end_date: day, window: 20 },
      },
    ];

    const flat = await openScratchDuckDb();
    const flatConn = flat.connection;
    await flatConn.run(
      // sql/queries name no database: the unqualified tables resolve in `ohlcv`, as locally.
      `CREATE SCHEMA ohlcv; CREATE VIEW ohlcv.bars_daily AS SELECT * FROM read_parquet(${quotePath(path.join(root, 'flat', '*.parquet'))}); SET schema = 'ohlcv'`,
    );

    const out: BenchResult[] = [
      {
        name: 'query.lake.rows',
        value: lake.symbols * lake.days,
        unit: 'rows',
        note: `${lake.symbols} symbols x ${lake.days} days, ${months.length} month partitions`,
      },
      {
        name: 'query.lake.build',
        value: Math.round(buildMs),
        unit: 'ms',
        note: 'synthetic lake, partitioned + flat copies',
      },
    ];
    out.push({
      name: 'query.session.open',
      value: round(await median(async () => (await local.openSession()).close())),
      unit: 'ms',
      note: `in-memory DuckDB + views over ${months.length} registered partitions (paid by every query)`,
    });
    for (const c of cases) {
      const q = getQuery(c.query);
      const params = resolveParams(q, c.params);
      let pruned = 0;
      let unpruned = 0;
      const prunedMs = await median(async () => {
        pruned = (await local.queryEngine.query(q.sql, params)).length;
      });
      const bound = toDuckDb(q.sql, params);
      const unprunedMs = await median(async () => {
        unpruned = (await flatConn.runAndReadAll(bound.sql, bound.values)).currentRowCount;
      });
      if (pruned !== unpruned)
        throw new Error(`${c.label}: ${pruned} rows with pruning, ${unpruned} without`);
      out.push({
        name: `query.${c.label}.pruned`,
        value: round(prunedMs),
        unit: 'ms',
        note: `${JSON.stringify(c.params)}; ${pruned} rows; incl. session open`,
      });
      out.push({
        name: `query.${c.label}.unpruned`,
        value: round(unprunedMs),
        unit: 'ms',
        note: 'same rows stored without partitions; all files read',
      });
    }
    flat.close();
    return out;
  } finally {
    db.close();
    rmSync(root, { recursive: true, force: true });
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) console.log(`${r.name}\t${r.value} ${r.unit}${r.note ? `\t${r.note}` : ''}`);
}
