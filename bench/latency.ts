/**
 * Drop -> queryable on a running `start`: how long after a small file lands in raw/ its
 * rows answer a query from another process. `ohlcv start --no-demo --no-dashboard` runs as
 * a child; this process plays the second terminal:
 *  - `drop`: the object is put through the runtime's object store, as `ohlcv drop` does
 *    (the clock starts at the put, not at the CLI's own start-up);
 *  - `cp`: the file is written into raw/ by hand, as `cp` would, and found by the watcher
 *    (this path adds raw/'s settle time, 750 ms, so a half-copied file is never read).
 * Queryable = the bars partition is registered in the catalog and a query in this process
 * returns all the file's rows. `BENCH_LATENCY_DROPS` (default 3) drops per path; the
 * figure is the median. Target (issue 16): < 5 s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalRuntime, resolveHome } from '@ohlcv/local';
import type { BenchResult } from './run.ts';

const main = fileURLToPath(new URL('../packages/cli/src/main.ts', import.meta.url));
const BARS = 390;

function csv(symbol: string, day: string): string {
  const rows = ['symbol,interval,timestamp,open,high,low,close,volume'];
  const t0 = Date.parse(`${day}T14:30:00Z`);
  for (let i = 0; i < BARS; i++) {
    const p = 100 + Math.sin(i / 10);
    rows.push(
      `${symbol},1min,${new Date(t0 + i * 60_000).toISOString()},${p},${p + 0.5},${p - 0.5},${p + 0.1},${1000 + i}`,
    );
  }
  return `${rows.join('\n')}\n`;
}

async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<BenchResult[]> {
  const drops = Math.max(1, Number(process.env.BENCH_LATENCY_DROPS ?? 3));
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-latency-'));
  let server: ChildProcess | undefined;
  let rt: LocalRuntime | undefined;
  try {
    let out = '';
    server = spawn(process.execPath, ['--import', 'tsx', main, 'start', '--no-demo', '--no-dashboard'], {
      env: { ...process.env, OHLCV_HOME: root },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (d) => {
      out += String(d);
    });
    server.stderr!.on('data', () => {});
    await until('start to be running', () => (out.includes('pipeline running') ? true : undefined), 120_000);

    rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: root }, '/') });
    const opened = rt;
    const queryable = async (symbol: string): Promise<true | undefined> => {
      if (!opened.catalog.partitions('bars').some((p) => p.values.symbol === symbol)) return undefined;
      const rows = await opened.catalog.queryEngine.query(
        'SELECT COUNT(*) AS n FROM ohlcv.bars WHERE symbol = :symbol',
        {
          symbol,
        },
      );
      return Number(rows[0]!.n) === BARS ? true : undefined;
    };
    const timings: Record<'drop' | 'cp', number[]> = { drop: [], cp: [] };
    let day = Date.UTC(2024, 4, 6);
    for (let i = 0; i < drops; i++) {
      for (const how of ['drop', 'cp'] as const) {
        const symbol = `LAT${how === 'drop' ? 'D' : 'C'}${i}`;
        const body = csv(symbol, new Date(day).toISOString().slice(0, 10));
        day += 86_400_000;
        const t0 = performance.now();
        if (how === 'drop') await opened.store.put(`raw/drops/${symbol}.csv`, body);
        else {
          const dir = path.join(root, 'lake', 'raw', 'manual');
          fs.mkdirSync(dir, { recursive: true });
          fs.writeFileSync(path.join(dir, `${symbol}.csv`), body);
        }
        await until(`${symbol} to be queryable`, () => queryable(symbol));
        const ms = performance.now() - t0;
        timings[how].push(ms);
        process.stderr.write(`  ${how} ${symbol}: ${(ms / 1000).toFixed(2)} s\n`);
      }
    }
    const load = os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    const all = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
    return [
      {
        name: 'drop -> queryable (ohlcv drop), median',
        value: median(timings.drop) / 1000,
        unit: 's',
        note: `target < 5; runs ${all(timings.drop)} s; load ${load}`,
      },
      {
        name: 'cp into raw/ -> queryable, median',
        value: median(timings.cp) / 1000,
        unit: 's',
        note: `incl. 750 ms settle; runs ${all(timings.cp)} s`,
      },
    ];
  } finally {
    await rt?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
}
