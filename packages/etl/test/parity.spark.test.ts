import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadPlan, planVersion } from '../src/plan.ts';
import { corpus, expected as corpusExpected, withField } from './fixtures/bad-input.ts';
import { pool, schedules } from './fixtures/order-pool.ts';
import { seeded } from './fixtures/screen-cases.ts';
import { stagingEdges } from './fixtures/staging-edges.ts';
import type { RawObject } from './lake-harness.ts';
import { dropParquetColumn, ndjsonBar } from './lake-harness.ts';
import {
  ageLake,
  comparableSummary,
  fileSparkSession,
  ParityLakes,
  type RunOptions,
  TABLES,
} from './parity-harness.ts';

const spark = fileSparkSession();
const { run } = spark;

/** The same deliveries, consecutive batches merged so that there are at most three runs. */
const atMostThreeRuns = (batches: number[][]): number[][] => {
  const nonEmpty = batches.filter((b) => b.length);
  const size = Math.ceil(nonEmpty.length / 3);
  return Array.from({ length: Math.ceil(nonEmpty.length / size) }, (_, i) =>
    nonEmpty.slice(i * size, (i + 1) * size).flat(),
  );
};

/** A fresh pair of lakes per case; returns them after the runs, tables already compared. */
async function parity(
  runs: (RawObject[] | { objects: RawObject[]; options: RunOptions })[],
  deployEnv: Record<string, string> = {},
): Promise<ParityLakes> {
  const lakes = new ParityLakes(spark.engine(), deployEnv);
  for (const r of runs) {
    const { objects, options } = Array.isArray(r) ? { objects: r, options: {} } : r;
    const { duck, spark } = await lakes.run(objects, options);
    expect(comparableSummary(spark)).toEqual(comparableSummary(duck));
  }
  await lakes.expectSameTables();
  return lakes;
}

const twelveData = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    meta: {
      symbol: 'EUR/USD',
      interval: '30min',
      currency_base: 'Euro',
      exchange_timezone: 'America/New_York',
      exchange: 'Forex',
      type: 'Physical Currency',
      ...over,
    },
    values: [
      // 01:30 happens twice on 2024-11-03 in New York: the earlier instant on both engines.
      { datetime: '2024-11-03 01:30:00', open: '1.08', high: '1.09', low: '1.07', close: '1.085' },
      { datetime: '2024-11-03 00:30:00', open: '1.07', high: '1.08', low: '1.06', close: '1.075' },
      { datetime: '2024-03-10 02:30:00', open: '1.07', high: '1.08', low: '1.06', close: '1.07' },
      { datetime: '2024-01-02 09:30:00', open: '1.1', high: '1.2', low: '1.0', close: '1.15' },
      'not a bar',
    ],
    status: 'ok',
  });

describe.runIf(run)('Glue job on pyspark vs the DuckDB runner', { timeout: 900_000 }, () => {
  it('stage formats: NDJSON, gzip, CSV (BOM, CRLF, aliases), Twelve Data single and batch', async () => {
    const lakes = await parity([
      [
        {
          key: 'raw/a.ndjson',
          body: [
            ndjsonBar({ symbol: 'AAPL', ts: '2024-01-02T14:30:00Z', close: 10 }),
            ndjsonBar({ symbol: 'BTC/USD', ts: '2024-01-02T14:30:00Z', close: 40000, volume: null }),
          ].join('\n'),
        },
        {
          key: 'raw/b.ndjson.gz',
          body: gzipSync(`${ndjsonBar({ symbol: 'AAPL', ts: '2024-01-02T14:31:00Z', close: 10.5 })}\n`),
        },
        {
          key: 'raw/c.csv',
          body: '\uFEFFSYMBOL,Interval,DateTime,open,high,low,close,volume,exchange\r\nMSFT,1min,2024-01-02T14:30:00+01:00,1,2,0.5,1.5,3,XNAS\r\n"MS,FT",1min,2024-01-02T14:31:00Z,1,2,0.5,1.5,3,XNAS\r\n',
        },
        { key: 'raw/td-fx.json', body: twelveData() },
        {
          key: 'raw/td-batch.json',
          body: JSON.stringify({
            AAPL: {
              meta: {
                symbol: 'AAPL',
                interval: '1day',
                exchange: 'NASDAQ',
                currency: 'USD',
                type: 'Common Stock',
              },
              values: [
                { datetime: '2024-01-03', open: '10', high: '11', low: '9', close: '10.5', volume: '100' },
                { datetime: '2024-01-02', open: '9', high: '10', low: '8', close: '9.5', volume: '90' },
              ],
            },
            MSFT: { code: 400, status: 'error' },
          }),
        },
      ],
    ]);
    lakes.cleanup();
  });

  it('the bad-input corpus: same quarantine rows, reasons and line numbers', async () => {
    const lakes = await parity([corpus]);
    const rows = await lakes.spark.dump('quarantine');
    expect(rows.map((r) => [r.raw_object, Number(r.line_number), r.reason_codes])).toEqual(corpusExpected);
    lakes.cleanup();
  });

  it("issue 13's shared SQL on both runners: trimmed fields, offset range, the date floor (run_params.min_ts), symbol length", async () => {
    const lines = [
      withField({ symbol: ' TRIM ', exchange: ' XNAS ' }),
      withField({ ts: '2024-01-02T14:30:00+15:00' }),
      withField({ ts: '2024-01-02T14:31:00+14:00' }),
      withField({ ts: '1799-12-31T23:59:59Z' }),
      withField({ ts: '1800-01-01T00:00:00Z' }),
      withField({ symbol: 'A'.repeat(81) }),
      withField({ symbol: 'é'.repeat(40), ts: '2024-01-02T15:01:00Z' }),
    ];
    const lakes = await parity([[{ key: 'raw/i13.ndjson', body: lines.join('\n') }]]);
    const reasons = (await lakes.spark.dump('quarantine')).map((r) => [
      Number(r.line_number),
      r.reason_codes,
    ]);
    expect(reasons).toEqual([
      [2, ['timestamp_offset_out_of_range']],
      [4, ['timestamp_before_floor']],
      [6, ['symbol_too_long']],
    ]);
    lakes.cleanup();
  });

  it('a date floor set at deploy (OHLCV_MIN_DATE) reaches the Glue job through the arguments infra declares', async () => {
    const lines = [withField({ ts: '1999-12-31T23:59:59Z' }), withField({ ts: '2000-01-01T00:00:00Z' })];
    const lakes = await parity([[{ key: 'raw/floor.ndjson', body: lines.join('\n') }]], {
      OHLCV_MIN_DATE: '2000-01-01',
    });
    const reasons = (await lakes.spark.dump('quarantine')).map((r) => [
      Number(r.line_number),
      r.reason_codes,
    ]);
    expect(reasons).toEqual([[1, ['timestamp_before_floor']]]);
    expect((await lakes.spark.dump('bars')).map((b) => String(b.ts))).toEqual(['2000-01-01 00:00:00']);
    lakes.cleanup();
  });

  it('issue 14: field aliases in every format, named columns (reason_detail), old quarantine files', async () => {
    const bar = '"interval":"1min","open":1,"high":2,"low":0.5,"close":1.5';
    const lakes = new ParityLakes(spark.engine());
    const runs: RawObject[][] = [
      [
        {
          key: 'raw/ticker.csv',
          body: 'ticker,freq,time,o,h,l,c,v\nAAPL,1min,2024-01-02T15:00:00Z,1,2,0.5,1.5,3\nMSFT,1min,2024-01-02T15:00:00Z,1,2,0.5,1.5,3\n',
        },
        {
          key: 'raw/timestamp.ndjson',
          body: [
            `{"symbol":"AAPL",${bar},"timestamp":"2024-01-02T15:00:00Z"}`,
            `{"Symbol":"MSFT",${bar},"DateTime":"2024-01-02T15:00:00Z","Volume":3}`,
            `{"symbol":"AAPL",${bar},"ts":"2024-01-02T15:01:00Z","timestamp":"2024-01-02T15:01:00Z"}`,
            `{"symbol":"AAPL",${bar},"ts":"2024-01-02T15:02:00Z","${'k'.repeat(250)}":1}`,
          ].join('\n'),
        },
        ...stagingEdges.filter((o) =>
          ['raw/aliases.ndjson', 'raw/both-ts.csv', 'raw/td-keys.json'].includes(o.key),
        ),
      ],
      [{ key: 'raw/ticker-2.csv', body: 'ticker,time\nAAPL,2024-01-02T15:00:00Z\n' }],
    ];
    const first = await lakes.run(runs[0]!);
    expect(comparableSummary(first.spark)).toEqual(comparableSummary(first.duck));
    expect(first.spark.quarantineReasons?.slice(0, 2)).toEqual([
      {
        reasonCodes: ['missing_field', 'unknown_field'],
        detail:
          'missing: symbol, interval, ts, open, high, low, close; unknown: ticker, freq, time, o, h, l, c, v',
        rows: 3,
      },
      { reasonCodes: ['duplicate_field'], detail: 'duplicate: ts, timestamp', rows: 2 },
    ]);
    const tables = await lakes.expectSameTables();
    // The NDJSON rows with `timestamp` / `DateTime` are bars, not quarantine.
    expect(tables.bars!.filter((b) => b.raw_object === 'raw/timestamp.ndjson').map((b) => b.symbol)).toEqual([
      'AAPL',
      'MSFT',
    ]);
    expect(
      tables.quarantine!.filter((r) => r.raw_object === 'raw/timestamp.ndjson').map((r) => r.reason_detail),
    ).toEqual(['duplicate: ts, timestamp', `unknown: ${'k'.repeat(199)}…`]);
    // Both lakes made old (no reason_detail in their quarantine files): the next run reads
    // and rewrites the same partition on both engines.
    for (const lake of [lakes.duck, lakes.spark])
      expect((await dropParquetColumn(lake.root, 'quarantine/', 'reason_detail')).length).toBeGreaterThan(0);
    const second = await lakes.run(runs[1]!);
    expect(comparableSummary(second.spark)).toEqual(comparableSummary(second.duck));
    const after = await lakes.expectSameTables();
    expect(after.quarantine!.find((r) => r.raw_object === 'raw/ticker-2.csv')?.reason_detail).toBe(
      'missing: symbol, interval, ts, open, high, low, close; unknown: ticker, time',
    );
    expect(
      after.quarantine!.filter((r) => r.raw_object === 'raw/ticker.csv').map((r) => r.reason_detail),
    ).toEqual([null, null]);
    lakes.cleanup();
  });

  it('dialect cases: 1.5d, hex floats, Infinity, empty strings, out-of-range timestamps, a VWAP term beyond the exact sum', async () => {
    const cases: Array<Record<string, unknown>> = [
      { open: '1.5d' },
      { open: '1.5f' },
      { close: '0x1p3' },
      { high: 'Infinity' },
      { low: '-inf' },
      { close: 'NaN' },
      { open: '' },
      { open: '   ' },
      { volume: '' },
      { volume: '1_000' },
      { open: '+10', close: '1e1', high: '10.10', low: '.5' },
      { ts: '' },
      { ts: '2024' },
      { ts: '2024-01' },
      { ts: '10000-01-01T00:00:00Z' },
      { ts: '0999-12-31T00:00:00Z' },
      { ts: '2024-02-30T10:00:00Z' },
      { ts: '2024-01-02T24:00:00Z' },
      { ts: '2024-01-02T10:00:60Z' },
      { ts: '2024-01-02T10:00:00.1234567Z' },
      { ts: '2024-01-02T10:00:00+0100' },
      { ts: '2024-01-02T10:00:00-05' },
      { ts: '2024-01-02 10:00' },
      { ts: '2024-01-02T10:00:00 UTC' },
      { ingested_at: '2024-13-01T00:00:00Z' },
      { symbol: '' },
      { exchange: '' },
    ];
    const lakes = await parity([
      [
        {
          key: 'raw/dialect.ndjson',
          body: cases
            .map((over, i) => withField({ ts: `2024-01-02T15:${String(i).padStart(2, '0')}:00Z`, ...over }))
            .join('\n'),
        },
        {
          key: 'raw/dialect.csv',
          body: `symbol,interval,ts,open,high,low,close,volume\n${[
            'AAPL,1min,2024-01-03T15:00:00Z,1.5d,2,1,1.5,1',
            'AAPL,1min,2024-01-03T15:01:00Z,0x1p0,2,1,1.5,1',
            'AAPL,1min,2024-01-03T15:02:00Z,1,Infinity,1,1,1',
            'AAPL,1min,2024-01-03T15:03:00Z,,2,1,1.5,1',
            'AAPL,1min,2024-01-03T15:04:00Z, 1 ,2,1,1.5, ',
            'AAPL,1min,99999-01-01T00:00:00Z,1,2,1,1.5,1',
          ].join('\n')}\n`,
        },
        // 1e20 shares at 10: more than either engine's exact sum holds, so this run takes
        // 06's guarded branch (issue 16; every other case runs the unguarded one). MSFT's
        // session falls back to the float sum, the run's other sessions stay exact.
        {
          key: 'raw/huge-term.ndjson',
          body: [
            ndjsonBar({ symbol: 'MSFT', ts: '2024-01-03T14:30:00Z', close: 10, volume: 10 }),
            ndjsonBar({ symbol: 'MSFT', ts: '2024-01-03T14:31:00Z', close: 10, volume: 1e20 }),
          ].join('\n'),
        },
      ],
    ]);
    const msft = (await lakes.spark.dump('bars'))
      .filter((b) => b.symbol === 'MSFT')
      .sort((x, y) => String(x.ts).localeCompare(String(y.ts)))
      .map((b) => Number(b.vwap));
    const tp = (10 + 10.1 + 9.9) / 3;
    expect(msft[1]).toBeCloseTo((tp * 10 + tp * 1e20) / (10 + 1e20), 12);
    lakes.cleanup();
  });

  it('writes exactly the declared columns (is_new, a step column, does not leak into the bars files), in the declared codec on both engines', async () => {
    const lakes = await parity([[pool[0]!, pool[1]!]]);
    const { PARQUET_COMPRESSION, tables } = await import('@ohlcv/core');
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      for (const out of loadPlan().outputs) {
        const glob = `${lakes.spark.root}/${tables[out.table].location}**/*.parquet`;
        const r = await conn.runAndReadAll(
          `SELECT DISTINCT name FROM parquet_schema('${glob}') WHERE name NOT IN ('schema', 'duckdb_schema', 'spark_schema', 'list', 'element', 'array')`,
        );
        const names = (r.getRowObjectsJson() as Array<{ name: string }>).map((x) => x.name).sort();
        const keys = tables[out.table].partitionKeys as readonly string[];
        const declared = tables[out.table].columns.map((c) => c.name).filter((n) => !keys.includes(n));
        expect(names, out.table).toEqual([...declared].sort());
        for (const root of [lakes.spark.root, lakes.duck.root]) {
          const codecs = await conn.runAndReadAll(
            `SELECT DISTINCT compression FROM parquet_metadata('${root}/${tables[out.table].location}**/*.parquet')`,
          );
          expect(codecs.getRowObjectsJson(), `${out.table} in ${root}`).toEqual([
            { compression: PARQUET_COMPRESSION.toUpperCase() },
          ]);
        }
      }
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
    lakes.cleanup();
  });

  it('incremental: a late bar and a late day fix the later derived values on both engines', async () => {
    const bar = (ts: string, close: number, interval = '1min') =>
      ndjsonBar({ symbol: 'AAPL', ts, close, interval });
    const lakes = await parity([
      [
        {
          key: 'raw/days.ndjson',
          body: [
            bar('2024-01-30T14:31:00Z', 11),
            bar('2024-01-31T14:30:00Z', 12),
            bar('2024-02-01T14:30:00Z', 13),
            bar('2024-02-05T14:30:00Z', 14),
          ].join('\n'),
        },
      ],
      // Late: an earlier bar of the first day, and a day between existing ones.
      [
        {
          key: 'raw/late.ndjson',
          body: [bar('2024-01-30T14:30:00Z', 10), bar('2024-02-02T14:30:00Z', 20)].join('\n'),
        },
      ],
    ]);
    const bars = await lakes.duck.dump('bars');
    expect(bars.find((b) => String(b.ts).startsWith('2024-02-05'))?.pct_change).toBeCloseTo(14 / 20 - 1, 12);
    lakes.cleanup();
  });

  it('plan_version: both engines stamp the same rows with it, carry older and missing (NULL) versions over alike', async () => {
    const version = planVersion();
    const bar = (symbol: string, ts: string, close: number) => ndjsonBar({ symbol, ts, close });
    const run1 = [
      {
        key: 'raw/day.ndjson',
        body: [
          bar('AAPL', '2024-01-02T14:30:00Z', 10),
          bar('AAPL', '2024-01-02T14:31:00Z', 11),
          bar('MSFT', '2024-01-02T14:30:00Z', 20),
          bar('MSFT', '2024-01-02T14:31:00Z', 21),
          bar('IBM', '2024-01-02T14:30:00Z', 30),
          bar('AAPL', '2024-01-03T14:30:00Z', 12),
          '{not json',
        ].join('\n'),
      },
      { key: 'raw/again.ndjson', body: [bar('MSFT', '2024-01-03T14:30:00Z', 22), '{not json'].join('\n') },
    ];
    const lakes = await parity([run1]);
    for (const t of TABLES) {
      const rows = await lakes.spark.dump(t);
      expect(rows.length, t).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.plan_version)), t).toEqual(new Set([version]));
    }
    // An older plan's lake: bars of AAPL, the hourly rows of 2024-01-02 and the daily rows
    // predate plan versions (no column in their files, as layout 2 wrote them); every other
    // row is of plan pv-old. A run then reads files with and without the column together,
    // those without first (Spark must not take one file's schema for all).
    const predates = (file: string) =>
      /\/symbol=AAPL\//.test(file) ||
      /\/bars_hourly\/date=2024-01-02\//.test(file) ||
      file.includes('/bars_daily/');
    for (const lake of [lakes.duck, lakes.spark]) {
      await ageLake(lake.root, (file) => (predates(file) ? 'drop' : 'pv-old'));
    }
    const { duck, spark } = await lakes.run([
      {
        key: 'raw/late.ndjson',
        body: [
          bar('AAPL', '2024-01-02T14:32:00Z', 13),
          bar('MSFT', '2024-01-02T14:32:00Z', 23),
          '{not json',
        ].join('\n'),
      },
      // Delivered again: its bar is read and validated again, its bad line was quarantined before.
      run1[1]!,
    ]);
    expect(comparableSummary(spark)).toEqual(comparableSummary(duck));
    const tablesNow = await lakes.expectSameTables();
    const versions = (t: string, cols: string[]) =>
      tablesNow[t]!.map((r) => [...cols.map((c) => String(r[c])), r.plan_version]);
    expect(versions('bars', ['symbol', 'ts'])).toEqual([
      ['AAPL', '2024-01-02 14:30:00', null], // carried over from before plan versions
      ['AAPL', '2024-01-02 14:31:00', null],
      ['AAPL', '2024-01-02 14:32:00', version], // validated by this plan
      ['AAPL', '2024-01-03 14:30:00', null], // the next partition, rewritten (pct_change), carried over
      ['IBM', '2024-01-02 14:30:00', 'pv-old'], // untouched
      ['MSFT', '2024-01-02 14:30:00', 'pv-old'], // carried over: not validated again
      ['MSFT', '2024-01-02 14:31:00', 'pv-old'],
      ['MSFT', '2024-01-02 14:32:00', version],
      ['MSFT', '2024-01-03 14:30:00', version], // read again: the new copy wins
    ]);
    // Rollups: the run that computed them; IBM's symbol-day was not recomputed.
    expect(versions('bars_hourly', ['symbol', 'date'])).toEqual([
      ['AAPL', '2024-01-02', version],
      ['AAPL', '2024-01-03', version],
      ['IBM', '2024-01-02', null],
      ['MSFT', '2024-01-02', version],
      ['MSFT', '2024-01-03', version],
    ]);
    expect(versions('bars_daily', ['symbol', 'trade_date'])).toEqual([
      ['AAPL', '2024-01-02', version],
      ['AAPL', '2024-01-03', version],
      ['IBM', '2024-01-02', null],
      ['MSFT', '2024-01-02', version],
      ['MSFT', '2024-01-03', version],
    ]);
    // Quarantine: the first run's row stays, with its reasons and its version.
    expect(versions('quarantine', ['raw_object', 'line_number'])).toEqual([
      ['raw/again.ndjson', '2', 'pv-old'],
      ['raw/day.ndjson', '7', 'pv-old'],
      ['raw/late.ndjson', '3', version],
    ]);
    lakes.cleanup();
  });

  it('order, batching and repetition: every schedule gives the same tables on both engines', async () => {
    await fc.assert(
      // At most three runs a case: Spark runs cost seconds each.
      fc.asyncProperty(
        schedules.map(({ batches }) => atMostThreeRuns(batches)),
        async (batches) => {
          const lakes = await parity(batches.map((b) => b.map((i) => pool[i]!)));
          lakes.cleanup();
        },
      ),
      { numRuns: 2, seed: 20240601 },
    );
  });
  it("issue 13's stage screen on both runners: random bytes, broken gzip, gzip bomb, long CSV and NDJSON lines, each beside a good file", async () => {
    const MiB = 1024 * 1024;
    const good = (n: number) => ({
      key: `raw/good-${n}.csv`,
      body: `symbol,interval,ts,open,high,low,close,volume\nG${n},1min,2024-01-02T14:3${n}:00Z,1,2,0.5,1.5,100\n`,
    });
    const csvGood = 'AAPL,1min,2024-01-02T14:30:00Z,1,2,0.5,1.5,100';
    const gz = gzipSync(
      'symbol,interval,ts,open,high,low,close,volume\nB,1min,2024-01-02T14:30:00Z,1,1,1,1,1\n',
    );
    const longCsv = `AAPL,1min,2024-01-02T14:31:00Z,${'9'.repeat(5000)},2,0.5,1.5,100`;
    const longNdjson = ndjsonBar({ symbol: 'LONG', ts: '2024-01-02T14:32:00Z', close: 1 }).replace(
      '{',
      `{"pad":"${'x'.repeat(5000)}",`,
    );
    const lowLine = { limits: { maxLineBytes: 1024 } };
    const lakes = await parity([
      [{ key: 'raw/random.ndjson', body: seeded(MiB) }, good(1)],
      [{ key: 'raw/broken.csv.gz', body: gz.subarray(0, gz.length - 6) }, good(2)],
      {
        objects: [{ key: 'raw/bomb.csv.gz', body: gzipSync(Buffer.alloc(64 * MiB)) }, good(3)],
        options: { limits: { maxObjectBytes: 4 * MiB } },
      },
      {
        objects: [
          {
            key: 'raw/long.csv',
            body: `symbol,interval,ts,open,high,low,close,volume\n${csvGood}\n${longCsv}\n${csvGood.replace(':30:', ':33:')}\n`,
          },
          good(4),
        ],
        options: lowLine,
      },
      {
        objects: [
          {
            key: 'raw/long.ndjson',
            body: `${ndjsonBar({ symbol: 'LONG', ts: '2024-01-02T14:31:00Z', close: 1 })}\n${longNdjson}\n${ndjsonBar({ symbol: 'LONG', ts: '2024-01-02T14:33:00Z', close: 1 })}\n`,
          },
          good(5),
        ],
        options: lowLine,
      },
    ]);
    const q = (await lakes.spark.dump('quarantine')).map((r) => [
      r.raw_object,
      Number(r.line_number),
      r.reason_codes,
      String(r.raw_record),
    ]);
    const plan = loadPlan().staging;
    expect(q).toEqual([
      ['raw/bomb.csv.gz', 1, ['unreadable_object'], `larger than ${4 * MiB} bytes once decompressed`],
      ['raw/broken.csv.gz', 1, ['unreadable_object'], plan.unreadableGzip],
      ['raw/long.csv', 3, ['line_too_long'], longCsv.slice(0, plan.screen.linePrefixBytes)],
      ['raw/long.ndjson', 2, ['line_too_long'], longNdjson.slice(0, plan.screen.linePrefixBytes)],
      ['raw/random.ndjson', 1, ['unreadable_object'], expect.stringMatching(/^not UTF-8 text \(line \d+\)$/)],
    ]);
    // Every good file and the good lines around the long ones are in.
    const symbols = (await lakes.spark.dump('bars')).map((r) => `${r.symbol} ${r.ts}`);
    expect(symbols).toEqual(
      expect.arrayContaining(['G1', 'G2', 'G3', 'G4', 'G5'].map((g) => expect.stringContaining(g))),
    );
    expect(symbols.filter((s) => s.startsWith('AAPL') || s.startsWith('LONG'))).toHaveLength(4);
    lakes.cleanup();
  });
});
