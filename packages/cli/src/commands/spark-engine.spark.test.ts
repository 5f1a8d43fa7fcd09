/**
 * OHLCV_ETL_ENGINE=spark end to end on the embedded runtime: `drop` + `drain` on Spark, then
 * `query`, with the local catalog switched by the Spark run's summary (Catalog.registerRun)
 * exactly as by DuckDB's. One home is drained by Spark, then DuckDB, then Spark: every run
 * publishes the next version of the partition it rewrites, the catalog follows, and the
 * superseded versions are removed. The staging limits reach the Spark job as its arguments.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireToolchain, testSparkJavaOptions, venvPython } from '@ohlcv/core/testing/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIO } from '../testing/capture-io.ts';
import { dropCommand } from './drop.ts';
import { drainCommand } from './pipeline.ts';
import { queryCommand } from './query.ts';

const python = venvPython();
const run = requireToolchain(
  'pyspark (the test venv)',
  python !== undefined,
  'run .ci/prepare.d/10-python.sh',
);

let dir: string;
const io = (engine: 'spark' | 'duckdb') =>
  captureIO({
    cwd: dir,
    env: {
      OHLCV_HOME: path.join(dir, 'home'),
      OHLCV_ETL_ENGINE: engine,
      SPARK_MASTER: 'local[1]',
      OHLCV_SPARK_JAVA_OPTIONS: testSparkJavaOptions,
      OHLCV_MAX_LINE_BYTES: '1024',
    },
  });
const header = 'symbol,interval,ts,open,high,low,close,volume\n';
const bar = (minute: number, close: number) => `AAPL,1min,2024-03-08T14:${minute}:00Z,1,2,0.5,${close},100\n`;

async function dropAndDrain(engine: 'spark' | 'duckdb', name: string, body: string): Promise<void> {
  writeFileSync(path.join(dir, name), body);
  expect(await dropCommand.run([name], io(engine).io)).toBe(0);
  const t = io(engine);
  expect(await drainCommand.run([], t.io), t.out.stderr).toBe(0);
}
async function query(sql: string): Promise<unknown[]> {
  const t = io('duckdb');
  expect(await queryCommand.run(['--sql', sql, '--format', 'json'], t.io), t.out.stderr).toBe(0);
  return JSON.parse(t.out.stdout) as unknown[];
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-cli-spark-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(run)('OHLCV_ETL_ENGINE=spark: drop + drain, then query', { timeout: 900_000 }, () => {
  it('Spark, DuckDB and Spark drains of one home: the catalog follows each run, old versions go', async () => {
    // Spark, with a line over OHLCV_MAX_LINE_BYTES (1024): quarantined, the others kept.
    await dropAndDrain('spark', 'a.csv', `${header}${bar(30, 1.5)}AAPL,${'9'.repeat(2000)}\n${bar(31, 1.6)}`);
    expect(await query('SELECT close FROM ohlcv.bars ORDER BY ts')).toEqual([{ close: 1.5 }, { close: 1.6 }]);
    expect(await query('SELECT line_number, reason_codes FROM ohlcv.quarantine')).toEqual([
      { line_number: 3, reason_codes: ['line_too_long'] },
    ]);
    await dropAndDrain('duckdb', 'b.csv', `${header}${bar(32, 1.7)}`);
    await dropAndDrain('spark', 'c.csv', `${header}${bar(33, 1.8)}`);
    expect(await query('SELECT close, round(pct_change, 12) AS pct FROM ohlcv.bars ORDER BY ts')).toEqual([
      { close: 1.5, pct: null },
      { close: 1.6, pct: 0.066666666667 },
      { close: 1.7, pct: 0.0625 },
      { close: 1.8, pct: 0.058823529412 },
    ]);
    // Three runs rewrote the partition; only the one the catalog points at is left.
    const versions = readdirSync(path.join(dir, 'home/lake/processed/bars/date=2024-03-08/symbol=AAPL'));
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatch(/^_v0000000003-/);
  });
});
