import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const main = path.join(repoRoot, 'packages/cli/src/main.ts');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-start-'));
const env = { ...process.env, OHLCV_HOME: home, TWELVE_DATA_API_KEY: '' };
let server: ChildProcess | undefined;
afterAll(() => {
  server?.kill('SIGKILL');
  fs.rmSync(home, { recursive: true, force: true });
});

/** A second terminal: a separate process on the same data folder. */
function ohlcv(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('ohlcv start, with a second terminal', () => {
  it('processes drops while running, answers status and query from another process, stops cleanly', async () => {
    let stdout = '';
    server = spawn(process.execPath, ['--import', 'tsx', main, 'start', '--no-demo', '--no-dashboard'], {
      cwd: repoRoot,
      env,
    });
    server.stdout!.on('data', (d) => {
      stdout += String(d);
    });
    server.stderr!.on('data', () => {});
    await until('start to be running', () => (stdout.includes('pipeline running') ? true : undefined));

    // Only one process runs the pipeline for a data folder.
    const busy = ohlcv(['drain']);
    expect(busy.code).toBe(1);
    expect(busy.err).toContain('EngineBusy');

    const csv = path.join(home, 'live.csv');
    fs.writeFileSync(
      csv,
      'symbol,interval,timestamp,open,high,low,close,volume\nLIVE,1day,2024-06-03,10,11,9,10.5,1000\nLIVE,1day,2024-06-04,10.5,12,10,11.5,2000\n',
    );
    expect(ohlcv(['drop', csv]).code).toBe(0);

    const status = await until('the dropped file to be processed', () => {
      const s = JSON.parse(ohlcv(['status', '--format', 'json']).out);
      return s.jobs.SUCCEEDED >= 1 && s.catalog.bars_daily.partitions >= 1 ? s : undefined;
    });
    expect(status.engine.pid).toBe(server.pid);

    const q = ohlcv([
      'query',
      '--sql',
      "SELECT count(*) AS n FROM ohlcv.bars_daily WHERE symbol = 'LIVE'",
      '--format',
      'json',
    ]);
    expect(JSON.parse(q.out)[0].n).toBe(2);
    await until('start to report the run', () => (stdout.includes('etl run') ? true : undefined));

    server.kill('SIGINT');
    const code = await new Promise<number | null>((r) => server!.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(JSON.parse(ohlcv(['status', '--format', 'json']).out).engine).toBeNull();
  });
});
