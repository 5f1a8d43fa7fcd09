/**
 * ETL job throughput on realistic shapes. Each shape is canonical NDJSON of 1-minute bars,
 * 50,000 bars per symbol (one raw file each), so 2M rows = 40 symbols and 10M = 200:
 *  - `*-390`: US equities, 390 bars per symbol-day (14:30-21:00 UTC, weekdays);
 *  - `*-1440`: crypto, 1,440 bars per symbol-day (24/7);
 *  - `*-200`: the old synthetic shape, 200 bars per (date, symbol) partition.
 * For each shape, in the same sitting:
 *  - baseline: a bare DuckDB transform doing only read + cast + dedupe + pct_change +
 *    session VWAP + Parquet partitioned by date and symbol;
 *  - the job as the local runtime runs a bulk drop of those files: split into runs by raw
 *    bytes exactly as the etl-trigger does (`splitIntoRuns`, `OHLCV_ETL_RUN_BYTES`), the
 *    runs one after the other on an empty lake; its time is the sum of its runs;
 *  - an incremental run adding one symbol-day to the full lake.
 * Each runs in its own child process so its peak RSS is its own. Prints one table.
 * Knobs: `BENCH_ETL_SHAPES=2m-1440,10m-390` (default: all), `BENCH_ETL_ROWS` (rows of every
 * chosen shape, for a quick run), `BENCH_ETL_REPEAT=n` (alternate baseline and job n times,
 * report the fastest of each), `BENCH_ETL_RAW` (keep generated raw files between sittings),
 * `BENCH_ETL_DEBUG=1` (phase timings of both sides on stderr).
 * Targets (issue 16): job <= 1.3x baseline, job peak RSS <= baseline's, incremental < 2 s.
 *
 * `--engine spark`: the same job on local Spark (the Glue job script on the long-lived
 * driver) against the DuckDB job on the same data, for information (no target). Small data
 * by default (BENCH_ETL_ROWS, default 20,000; shape 2m-390's 390 bars per symbol-day): the
 * machine is shared.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Manifest, PARQUET_COMPRESSION } from '@ohlcv/core';
import { splitIntoRuns } from '@ohlcv/service-etl-trigger/logic';
import { localMaxRunBytes } from '@ohlcv/stack';
import type { BenchResult } from './run.ts';

export const BARS_PER_SYMBOL = 50_000;
const MEMORY_LIMIT = process.env.BENCH_ETL_MEMORY ?? '2GB';
// The bare query runs out of memory at 2GB on 10M rows (DuckDB window + partitioned write).
const BARE_MEMORY_LIMIT = process.env.BENCH_ETL_BARE_MEMORY ?? '2.5GB';
const CHILD_FLAG = '--etl-bench-child';
const self = fileURLToPath(import.meta.url);

export interface Shape {
  id: string;
  rows: number;
  barsPerDay: 200 | 390 | 1440;
}

export const SHAPES: Shape[] = [
  { id: '2m-390', rows: 2_000_000, barsPerDay: 390 },
  { id: '2m-1440', rows: 2_000_000, barsPerDay: 1440 },
  { id: '2m-200', rows: 2_000_000, barsPerDay: 200 },
  { id: '10m-390', rows: 10_000_000, barsPerDay: 390 },
  { id: '10m-1440', rows: 10_000_000, barsPerDay: 1440 },
  { id: '10m-200', rows: 10_000_000, barsPerDay: 200 },
];

/** The session of one symbol-day: first bar (UTC) and whether weekends trade. */
export const session = (barsPerDay: Shape['barsPerDay']) =>
  barsPerDay === 1440 ? { open: 'T00:00:00Z', weekends: true } : { open: 'T14:30:00Z', weekends: false };

export const sessionDays = (n: number, weekends: boolean): string[] => {
  const out: string[] = [];
  for (let t = Date.UTC(2023, 0, 2); out.length < n; t += 86_400_000) {
    const d = new Date(t);
    if (weekends || (d.getUTCDay() !== 0 && d.getUTCDay() !== 6)) out.push(d.toISOString().slice(0, 10));
  }
  return out;
};

export const symbolName = (i: number, shape: Shape) =>
  shape.barsPerDay === 1440 || i % 10 === 0 ? `C${i}/USD` : `S${String(i).padStart(3, '0')}`;

function barLine(symbol: string, ts: number, price: number, ingestedAt: string): string {
  const o = price;
  const c = price * (1 + ((ts / 60_000) % 7) / 1000 - 0.003);
  return `{"symbol":"${symbol}","exchange":"XNAS","mic_code":"XNGS","currency":"USD","instrument_type":"Common Stock","interval":"1min","ts":"${new Date(ts).toISOString()}","open":${o},"high":${Math.max(o, c) * 1.001},"low":${Math.min(o, c) * 0.999},"close":${c},"volume":${(ts / 60_000) % 997},"source":"twelvedata","ingested_at":"${ingestedAt}"}\n`;
}

export async function writeSymbolFile(
  file: string,
  symbol: string,
  days: string[],
  seed: number,
  shape: Shape,
): Promise<void> {
  const out = createWriteStream(file);
  let price = 50 + seed;
  let chunk = '';
  for (const day of days) {
    const open = Date.parse(`${day}${session(shape.barsPerDay).open}`);
    for (let m = 0; m < shape.barsPerDay; m++) {
      price *= 1 + (((m * 7919 + seed) % 11) - 5) / 10_000;
      chunk += barLine(symbol, open + m * 60_000, price, '2024-01-01T00:00:00.000Z');
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        chunk = '';
      }
    }
  }
  out.end(chunk);
  await new Promise<void>((r) => out.on('finish', () => r()));
}

interface ChildResult {
  ms: number;
  maxRssMb: number;
  rows?: number;
}

function runChild(args: string[]): ChildResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, CHILD_FLAG, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  if (process.env.BENCH_ETL_DEBUG) process.stderr.write(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

const settleDisk = (): void => {
  spawnSync('sync');
};

const manifestFor = (lake: string, keys: string[], id: string): string => {
  const manifest: Manifest = {
    manifestId: id,
    createdAt: new Date().toISOString(),
    correlationId: id,
    objects: keys.map((key) => ({ key, etag: 'e', size: 0, lastModified: '2024-01-01T00:00:00Z' })),
  };
  const file = path.join(lake, `${id}.manifest.json`);
  writeFileSync(file, JSON.stringify(manifest));
  return file;
};

const engineArg = (): string => {
  const i = process.argv.indexOf('--engine');
  const v = i >= 0 ? process.argv[i + 1] : process.argv.find((a) => a.startsWith('--engine='))?.slice(9);
  return v ?? 'duckdb';
};

/** The job over a bulk drop of `keys`: the etl-trigger's runs by size, one after the other. */
function runJob(lake: string, keys: string[], tag: string): ChildResult & { runs: number[] } {
  const objects = keys.map((key) => ({
    key,
    etag: 'e',
    size: statSync(path.join(lake, key)).size,
    lastModified: '2024-01-01T00:00:00Z',
  }));
  const runs = splitIntoRuns(objects, localMaxRunBytes(process.env));
  const results = runs.map((run, i) => {
    settleDisk();
    const id = `${tag}-${i}`;
    return runChild([
      'job',
      lake,
      manifestFor(
        lake,
        run.map((o) => o.key),
        id,
      ),
      id,
    ]);
  });
  return {
    ms: results.reduce((n, r) => n + r.ms, 0),
    maxRssMb: Math.max(...results.map((r) => r.maxRssMb)),
    runs: results.map((r) => r.ms),
  };
}

export interface ShapeResult {
  shape: Shape;
  rows: number;
  symbols: number;
  days: number;
  partitions: number;
  bare: ChildResult;
  job: ChildResult & { runs: number[] };
  bareRuns: number[];
  jobRuns: number[];
  incMs: number;
}

async function benchShape(shape: Shape): Promise<ShapeResult> {
  const rows = Number(process.env.BENCH_ETL_ROWS ?? shape.rows);
  const symbols = Math.max(1, Math.round(rows / BARS_PER_SYMBOL));
  const { weekends } = session(shape.barsPerDay);
  const days = sessionDays(Math.max(1, Math.round(rows / symbols / shape.barsPerDay)), weekends);
  const total = symbols * days.length * shape.barsPerDay;
  const root = mkdtempSync(path.join(os.tmpdir(), 'bench-etl-'));
  try {
    const lake = path.join(root, 'lake');
    mkdirSync(path.join(lake, 'raw', 'bench'), { recursive: true });
    const t0 = performance.now();
    const keys: string[] = [];
    // BENCH_ETL_RAW: a folder to keep the generated raw files in between sittings.
    const rawCache = process.env.BENCH_ETL_RAW
      ? path.join(process.env.BENCH_ETL_RAW, `${shape.barsPerDay}-${total}`)
      : undefined;
    for (let s = 0; s < symbols; s++) {
      const key = `raw/bench/sym-${String(s).padStart(3, '0')}.ndjson`;
      const cached = rawCache && path.join(rawCache, path.basename(key));
      if (cached && existsSync(cached)) copyFileSync(cached, path.join(lake, key));
      else {
        await writeSymbolFile(path.join(lake, key), symbolName(s, shape), days, s, shape);
        if (cached) {
          mkdirSync(rawCache, { recursive: true });
          copyFileSync(path.join(lake, key), cached);
        }
      }
      keys.push(key);
    }
    process.stderr.write(
      `  ${shape.id}: generated ${total} bars in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );

    // Each measured child starts with nothing left to flush: the raw files just written,
    // or the baseline's thousands of output files, would otherwise be written back to disk
    // during the next child's run and charged to it. Nothing is deleted in between:
    // ext4 makes file creation slower for a while after mass deletes.
    // BENCH_ETL_REPEAT=n alternates baseline and job n times (each job on an empty lake
    // sharing the raw files) and reports the fastest of each: the write of thousands of
    // files varies by +-15 % from run to run on this machine.
    const repeats = Math.max(1, Number(process.env.BENCH_ETL_REPEAT ?? 1));
    const bareRuns: ChildResult[] = [];
    const jobRuns: (ChildResult & { runs: number[] })[] = [];
    let jobLake = lake;
    for (let r = 0; r < repeats; r++) {
      settleDisk();
      const bareOut = path.join(root, `bare-out-${r}`);
      bareRuns.push(runChild(['bare', lake, bareOut, ...keys.map((k) => path.join(lake, k))]));
      process.stderr.write(`  ${shape.id} bare: ${bareRuns.at(-1)!.ms.toFixed(0)} ms\n`);
      if (r > 0) {
        jobLake = path.join(root, `lake-${r}`);
        mkdirSync(jobLake);
        symlinkSync(path.join(lake, 'raw'), path.join(jobLake, 'raw'));
      }
      jobRuns.push(runJob(jobLake, keys, 'bench-full'));
      const runs = jobRuns.at(-1)!.runs;
      process.stderr.write(
        `  ${shape.id} job: ${jobRuns.at(-1)!.ms.toFixed(0)} ms (${runs.length} run${runs.length > 1 ? 's' : ''})\n`,
      );
    }
    const fastest = <T extends ChildResult>(runs: T[]): T => runs.reduce((a, b) => (b.ms < a.ms ? b : a));
    const partitions = readdirSync(path.join(jobLake, 'processed/bars')).length;

    // One new symbol-day after the last day: what a fresh daily drop costs on a full lake.
    const nextDay = sessionDays(days.length + 1, weekends).at(-1)!;
    const incKey = 'raw/bench/increment.ndjson';
    await writeSymbolFile(path.join(jobLake, incKey), symbolName(0, shape), [nextDay], 0, shape);
    settleDisk();
    const inc = runChild(['job', jobLake, manifestFor(jobLake, [incKey], 'inc'), 'bench-inc']);
    process.stderr.write(`  ${shape.id} incremental: ${inc.ms.toFixed(0)} ms\n`);
    return {
      shape,
      rows: total,
      symbols,
      days: days.length,
      partitions,
      bare: fastest(bareRuns),
      job: fastest(jobRuns),
      bareRuns: bareRuns.map((x) => x.ms),
      jobRuns: jobRuns.map((x) => x.ms),
      incMs: inc.ms,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const secs = (ms: number) => (ms / 1000).toFixed(1);
const millions = (n: number) => (n >= 1e6 ? `${+(n / 1e6).toFixed(2)}M` : n.toLocaleString('en-US'));

/** The one table: a Markdown table, so it pastes into an issue as it is. */
export function formatTable(results: ShapeResult[], load: number[]): string {
  const lines = [
    `load average ${load.map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores), job memory_limit ${MEMORY_LIMIT}, baseline ${BARE_MEMORY_LIMIT}, Parquet ${PARQUET_COMPRESSION} on both`,
    '',
    '| data | baseline | job (sum of its runs) | ratio | peak RSS job / baseline | incremental, one symbol-day |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const runs =
      r.job.runs.length > 1
        ? `${r.job.runs.length} runs: ${r.job.runs.map(secs).join(' s + ')} s`
        : `${secs(r.job.ms)} s`;
    const rep = (xs: number[]) => (xs.length > 1 ? ` (of ${xs.map(secs).join(', ')})` : '');
    lines.push(
      `| ${millions(r.rows)} bars, ${r.symbols} symbols x ${r.days} days, ${r.shape.barsPerDay} per symbol-day (${(r.partitions * r.symbols).toLocaleString('en-US')} partitions) ` +
        `| ${secs(r.bare.ms)} s${rep(r.bareRuns)} | ${runs}${rep(r.jobRuns)} | ${(r.job.ms / r.bare.ms).toFixed(2)}x ` +
        `| ${Math.round(r.job.maxRssMb)} / ${Math.round(r.bare.maxRssMb)} MB | ${secs(r.incMs)} s |`,
    );
  }
  return lines.join('\n');
}

export async function run(): Promise<BenchResult[]> {
  const engine = engineArg();
  if (engine === 'spark') return runSpark();
  if (engine !== 'duckdb') throw new Error(`--engine must be duckdb or spark, not ${engine}`);
  const wanted = process.env.BENCH_ETL_SHAPES?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = (wanted ?? []).filter((w) => !SHAPES.some((s) => s.id === w));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_ETL_SHAPES: unknown ${unknown.join(', ')}; shapes: ${SHAPES.map((s) => s.id).join(', ')}`,
    );
  }
  const shapes = wanted ? SHAPES.filter((s) => wanted.includes(s.id)) : SHAPES;
  const results: ShapeResult[] = [];
  const load: number[][] = [];
  for (const shape of shapes) {
    load.push(os.loadavg());
    results.push(await benchShape(shape));
  }
  load.push(os.loadavg());
  const meanLoad = [0, 1, 2].map((i) => load.reduce((n, l) => n + l[i]!, 0) / load.length);
  console.log(`\n${formatTable(results, meanLoad)}\n`);
  return results.flatMap((r) => {
    const note = `${millions(r.rows)} bars, ${r.shape.barsPerDay}/symbol-day`;
    return [
      {
        name: `${r.shape.id} job / baseline`,
        value: r.job.ms / r.bare.ms,
        unit: 'x',
        note: `${note}; target <= 1.3`,
      },
      { name: `${r.shape.id} baseline`, value: r.bare.ms / 1000, unit: 's', note },
      {
        name: `${r.shape.id} job (sum of ${r.job.runs.length} runs)`,
        value: r.job.ms / 1000,
        unit: 's',
        note,
      },
      {
        name: `${r.shape.id} job peak RSS`,
        value: r.job.maxRssMb,
        unit: 'MB',
        note: `baseline ${Math.round(r.bare.maxRssMb)} MB`,
      },
      { name: `${r.shape.id} incremental`, value: r.incMs / 1000, unit: 's', note: 'target < 2' },
    ];
  });
}

/** Spark-local vs DuckDB, same raw files, each on an empty lake; Spark's start-up apart. */
async function runSpark(): Promise<BenchResult[]> {
  const rows = Number(process.env.BENCH_ETL_ROWS ?? 20_000);
  const shape = SHAPES[0]!;
  const symbols = Math.min(20, Math.max(1, Math.floor(rows / shape.barsPerDay)));
  const days = sessionDays(
    Math.max(1, Math.round(rows / symbols / shape.barsPerDay)),
    session(shape.barsPerDay).weekends,
  );
  const total = symbols * days.length * shape.barsPerDay;
  const root = mkdtempSync(path.join(os.tmpdir(), 'bench-etl-spark-'));
  const { SparkEngine, localSparkJobRun } = await import('@ohlcv/etl/spark-engine');
  const { sqlRootDir } = await import('@ohlcv/etl/plan');
  try {
    const lakes = ['duck', 'spark-1', 'spark-2'].map((n) => path.join(root, n));
    const raw = path.join(root, 'raw');
    mkdirSync(path.join(raw, 'bench'), { recursive: true });
    const keys: string[] = [];
    for (let s = 0; s < symbols; s++) {
      const key = `raw/bench/sym-${String(s).padStart(3, '0')}.ndjson`;
      await writeSymbolFile(path.join(root, key), symbolName(s, shape), days, s, shape);
      keys.push(key);
    }
    for (const lake of lakes) {
      mkdirSync(lake);
      symlinkSync(raw, path.join(lake, 'raw'));
    }
    settleDisk();
    const duck = runChild(['job', lakes[0]!, manifestFor(lakes[0]!, keys, 'full'), 'bench-full']);
    process.stderr.write(`  duckdb job: ${duck.ms.toFixed(0)} ms\n`);
    const t0 = performance.now();
    const spark = await SparkEngine.start({
      master: process.env.SPARK_MASTER ?? 'local[2]',
      shufflePartitions: 4,
    });
    const startup = performance.now() - t0;
    const sparkRuns: number[] = [];
    try {
      for (const lake of lakes.slice(1)) {
        const manifestKey = path.relative(lake, manifestFor(lake, keys, 'full'));
        settleDisk();
        const t = performance.now();
        await spark.run(
          localSparkJobRun({
            lakeRoot: lake,
            bucket: 'bench',
            manifestKey,
            jobRunId: 'bench-full',
            jobName: 'bench',
            sqlRoot: sqlRootDir,
          }),
        );
        sparkRuns.push(performance.now() - t);
        process.stderr.write(`  spark job: ${sparkRuns.at(-1)!.toFixed(0)} ms\n`);
      }
    } finally {
      await spark.close();
    }
    const warm = sparkRuns.at(-1)!;
    const note = `${total.toLocaleString('en-US')} bars, ${symbols} symbols x ${days.length} days, ${process.env.SPARK_MASTER ?? 'local[2]'}`;
    return [
      { name: 'duckdb job wall time', value: duck.ms / 1000, unit: 's', note },
      { name: 'spark session start-up', value: startup / 1000, unit: 's', note: 'once per runtime' },
      { name: 'spark job wall time, first run', value: sparkRuns[0]! / 1000, unit: 's', note: 'JVM cold' },
      { name: 'spark job wall time, second run', value: warm / 1000, unit: 's', note: 'same session' },
      {
        name: 'spark (second run) / duckdb',
        value: warm / duck.ms,
        unit: 'x',
        note: 'for information; no target',
      },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

// ---- child side ---------------------------------------------------------------------------

// Each line carries the process's RSS at that moment: which phase holds the peak.
const debugLine = (m: string, e?: Record<string, unknown>) =>
  process.stderr.write(
    `${m} ${JSON.stringify({ ...e, rssMb: Math.round(process.memoryUsage.rss() / 2 ** 20) })}\n`,
  );
const stderrLogger = { debug: debugLine, info: debugLine, warn: debugLine, error: debugLine };

async function child(args: string[]): Promise<void> {
  const [mode, lake, ...rest] = args;
  // Modules load before the clock starts, on both sides: under tsx, loading is mostly
  // TypeScript transpiling (about half a second for the job's modules), which the bundled
  // bin, Lambda and Glue never do.
  const { readFileSync } = await import('node:fs');
  const { runEtlJob } = await import('@ohlcv/etl');
  const { openDuckSession } = await import('@ohlcv/etl/duckdb');
  const started = performance.now();
  if (mode === 'job') {
    const manifest = JSON.parse(readFileSync(rest[0]!, 'utf8')) as Manifest;
    await runEtlJob({
      lakeRoot: lake!,
      manifest,
      jobRunId: rest[1]!,
      jobName: 'bench',
      clock: { now: () => new Date() },
      memoryLimit: MEMORY_LIMIT,
      // BENCH_ETL_STAGING_BYTES: raw NDJSON bytes per staging batch (default: the job's).
      stagingBatchBytes: process.env.BENCH_ETL_STAGING_BYTES
        ? Number(process.env.BENCH_ETL_STAGING_BYTES)
        : undefined,
      // BENCH_ETL_DEBUG=1 prints the job's phase timings.
      logger: process.env.BENCH_ETL_DEBUG ? stderrLogger : undefined,
    });
  } else {
    await bareQuery(openDuckSession, rest[0]!, rest.slice(1));
  }
  const ms = performance.now() - started;
  console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

/** Only what any ETL must do: read, dedupe, pct_change, vwap, partitioned write. */
async function bareQuery(
  // Through the etl package: DuckDB is its dependency, not the workspace root's.
  openDuckSession: typeof import('@ohlcv/etl/duckdb').openDuckSession,
  outDir: string,
  files: string[],
): Promise<void> {
  const conn = await openDuckSession({ memoryLimit: BARE_MEMORY_LIMIT, tempDirectory: `${outDir}-spill` });
  const list = files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ');
  let last = performance.now();
  const mark = (phase: string) => {
    if (process.env.BENCH_ETL_DEBUG)
      debugLine('bare phase', { phase, ms: Math.round(performance.now() - last) });
    last = performance.now();
  };
  await conn.run("SET TimeZone = 'UTC'");
  // DuckDB's advice for large partitioned writes; the job sets the same.
  await conn.run('SET preserve_insertion_order = false');
  // The same files as the job's: its codec (PARQUET_COMPRESSION), so the ratio is not a codec's.
  // One COPY over thousands of partitions exhausts memory in DuckDB (per-partition
  // buffers), so the baseline too lays rows out by partition and writes 128 at a time.
  await conn.run(`
    CREATE TEMP TABLE derived AS
    SELECT
      symbol, exchange, mic_code, currency, instrument_type, interval, ts, open, high, low, close, volume,
      close / lag(close) OVER (PARTITION BY symbol, exchange, interval ORDER BY ts) - 1 AS pct_change,
      CASE WHEN volume > 0 THEN
        sum((high + low + close) / 3 * volume) OVER day / sum(volume) OVER day END AS vwap,
      source, ingested_at, date
    FROM (
      SELECT *, CAST(CAST(ts AS DATE) AS VARCHAR) AS date
      FROM read_json([${list}], format = 'newline_delimited', columns = {
        symbol: 'VARCHAR', exchange: 'VARCHAR', mic_code: 'VARCHAR', currency: 'VARCHAR',
        instrument_type: 'VARCHAR', interval: 'VARCHAR', ts: 'TIMESTAMP', open: 'DOUBLE',
        high: 'DOUBLE', low: 'DOUBLE', close: 'DOUBLE', volume: 'DOUBLE', source: 'VARCHAR',
        ingested_at: 'TIMESTAMP'})
      QUALIFY row_number() OVER (PARTITION BY symbol, exchange, interval, ts ORDER BY ingested_at DESC) = 1
    )
    WINDOW day AS (PARTITION BY symbol, exchange, interval, date ORDER BY ts
                   ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`);
  mark('derived (read, dedupe, pct_change, vwap)');
  await conn.run(`
    CREATE TEMP TABLE parts AS
    SELECT date, symbol, CAST(row_number() OVER (ORDER BY date, symbol) - 1 AS INTEGER) AS pid
    FROM (SELECT DISTINCT date, symbol FROM derived)`);
  await conn.run(`
    CREATE TEMP TABLE by_pid AS
    SELECT d.*, p.pid FROM derived d JOIN parts p USING (date, symbol) ORDER BY p.pid`);
  await conn.run('DROP TABLE derived');
  mark('lay out by partition');
  const [{ n }] = (await conn.all('SELECT count(*) AS n FROM parts')) as [{ n: number }];
  for (let first = 0; first < Number(n); first += 128) {
    await conn.run(`
      COPY (SELECT * EXCLUDE (pid) FROM by_pid WHERE pid BETWEEN ${first} AND ${first + 127})
      TO '${outDir}' (FORMAT parquet, PARTITION_BY (date, symbol), COMPRESSION ${PARQUET_COMPRESSION}, OVERWRITE_OR_IGNORE)`);
  }
  mark('copy');
  conn.close();
}

if (process.argv.includes(CHILD_FLAG)) {
  await child(process.argv.slice(process.argv.indexOf(CHILD_FLAG) + 1));
}
