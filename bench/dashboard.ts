/**
 * Dashboard under load: `ohlcv demo` builds the demo lake, `ohlcv dashboard --port 0` serves
 * it in its own process, and a load generator on loopback runs BENCH_DASHBOARD_CLIENTS
 * (default 50) concurrent keep-alive clients through BENCH_DASHBOARD_REQUESTS requests
 * (default 2,000): half to the chart endpoints (candles of every symbol at 1min/1h/1day,
 * performance of all and of pairs, the four series), half to the static asset route
 * (/assets/app.css, served from memory) — interleaved, so both see the same machine load.
 * First a cold pass asks every chart URL and page once (50 at a time, empty cache: their
 * DuckDB queries run there, timed and reported on their own); then the bounded load. The
 * figure is p95(chart endpoints) / p95(static asset) of the load, both routes under the
 * same clients on the same machine; target <= 5x. The pooled figure with the cold pass is
 * reported too. HTML pages (overview, symbol page) are timed alongside, on their own line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const CLIENTS = Number(process.env.BENCH_DASHBOARD_CLIENTS ?? 50);
const REQUESTS = Number(process.env.BENCH_DASHBOARD_REQUESTS ?? 2000);
const CLI = path.resolve('packages/cli/src/main.ts');

function cli(args: string[], home: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, OHLCV_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function demo(home: string): Promise<void> {
  const child = cli(['demo'], home);
  let err = '';
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  child.stdout?.resume();
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`ohlcv demo exited ${code}: ${err.slice(-2000)}`);
}

async function serve(home: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = cli(['dashboard', '--port', '0'], home);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no dashboard URL after 60 s: ${out}${err}`)), 60_000);
    child.stdout?.on('data', (d) => {
      out += String(d);
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`ohlcv dashboard exited ${code}: ${err}`)));
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGINT');
      await exited;
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });

function get(base: string, pathAndQuery: string): Promise<{ status: number; ms: number; body: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(new URL(pathAndQuery, base), { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - t0,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
};

type Kind = 'chart' | 'static' | 'page';

export async function run(): Promise<BenchResult[]> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-bench-dash-'));
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    process.stderr.write('  building the demo lake (ohlcv demo) ...\n');
    await demo(home);
    server = await serve(home);
    const base = server.url;
    // The symbols the demo lake has, from the API itself (one request, not timed).
    const all = JSON.parse((await get(base, '/api/performance')).body) as { series: { symbol: string }[] };
    const symbols = all.series.map((s) => s.symbol);
    if (symbols.length < 2) throw new Error(`demo lake has ${symbols.length} symbols`);
    const q = (s: string) => encodeURIComponent(s);
    const charts: string[] = [];
    for (const s of symbols)
      for (const i of ['1h', '1day', '1min']) charts.push(`/api/candles?symbol=${q(s)}&interval=${i}`);
    charts.push('/api/performance');
    for (let i = 0; i + 1 < symbols.length; i += 2) {
      charts.push(`/api/performance?symbol=${q(symbols[i]!)}&symbol=${q(symbols[i + 1]!)}`);
    }
    for (const name of ['daily_price_change', 'daily_volume', 'monthly_volume', 'price_vs_volume']) {
      charts.push(
        `/api/series/${name}`,
        `/api/series/${name}?symbol=${q(symbols[0]!)}&symbol=${q(symbols[1]!)}`,
      );
    }
    const pages = ['/', `/symbol?symbol=${q(symbols[0]!)}`];
    // Interleaved: chart, static, chart, static, ...; every 20th slot an HTML page instead.
    const plan: { kind: Kind; path: string }[] = [];
    for (let i = 0, c = 0, p = 0; i < REQUESTS; i++) {
      if (i % 2 === 1) plan.push({ kind: 'static', path: '/assets/app.css' });
      else if (i % 20 === 0) plan.push({ kind: 'page', path: pages[p++ % pages.length]! });
      else plan.push({ kind: 'chart', path: charts[c++ % charts.length]! });
    }
    const times: Record<Kind, number[]> = { chart: [], static: [], page: [] };
    const cold: Record<Kind, number[]> = { chart: [], static: [], page: [] };
    let errors = 0;
    const load = async (
      steps: { kind: Kind; path: string }[],
      into: Record<Kind, number[]>,
    ): Promise<number> => {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          for (let i = next++; i < steps.length; i = next++) {
            const step = steps[i]!;
            const r = await get(base, step.path);
            if (r.status !== 200) errors += 1;
            into[step.kind].push(r.ms);
            const done = into.chart.length + into.static.length + into.page.length;
            if (done % 500 === 0) {
              process.stderr.write(
                `  ${done}/${steps.length} after ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
              );
            }
          }
        }),
      );
      return (performance.now() - t0) / 1000;
    };
    // Cold pass: every chart URL and page once, interleaved with as many static requests,
    // all 50 clients at once on an empty cache (each URL's DuckDB queries run here).
    const first = [...charts, ...pages].flatMap((p, i) => [
      { kind: (i < charts.length ? 'chart' : 'page') as Kind, path: p },
      { kind: 'static' as Kind, path: '/assets/app.css' },
    ]);
    process.stderr.write(
      `  cold pass: ${first.length} requests, ${CLIENTS} clients, ${charts.length} chart URLs ...\n`,
    );
    const coldWall = await load(first, cold);
    process.stderr.write(
      `  load: ${REQUESTS} requests, ${CLIENTS} concurrent clients, ${symbols.length} symbols ...\n`,
    );
    const wall = await load(plan, times);
    if (errors > 0) throw new Error(`${errors} requests did not answer 200`);
    const p95 = (k: Kind, t = times) => quantile(t[k], 0.95);
    const both = (k: Kind) => [...cold[k], ...times[k]];
    const coldIncluded = quantile(both('chart'), 0.95) / quantile(both('static'), 0.95);
    return [
      {
        name: 'chart endpoints p95 / static asset p95',
        value: p95('chart') / p95('static'),
        unit: 'x',
        note: `target <= 5x; ${CLIENTS} clients, ${REQUESTS} requests after the cold pass`,
      },
      {
        name: 'chart endpoints p95',
        value: p95('chart'),
        unit: 'ms',
        note: `${times.chart.length} requests`,
      },
      { name: 'chart endpoints p50', value: quantile(times.chart, 0.5), unit: 'ms' },
      { name: 'static asset p95', value: p95('static'), unit: 'ms', note: `${times.static.length} requests` },
      {
        name: 'HTML pages p95 (overview, symbol page)',
        value: p95('page'),
        unit: 'ms',
        note: `${times.page.length} requests; health is read live, charts from the cache`,
      },
      {
        name: 'throughput',
        value: REQUESTS / wall,
        unit: 'req/s',
        note: `${REQUESTS} in ${wall.toFixed(1)} s`,
      },
      {
        name: 'cold pass: chart endpoints p95',
        value: p95('chart', cold),
        unit: 'ms',
        note: `${cold.chart.length} URLs, each first asked with an empty cache; ${coldWall.toFixed(1)} s in all`,
      },
      {
        name: 'cold pass included: chart p95 / static p95',
        value: coldIncluded,
        unit: 'x',
        note: 'both passes pooled',
      },
    ];
  } finally {
    agent.destroy();
    await server?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}
