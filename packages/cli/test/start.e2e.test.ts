import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cliArgs } from './cli-bin.ts';

// Whole CLI runs, several per case: on a loaded 2-core machine one case can take minutes.
vi.setConfig({ testTimeout: 300_000 });

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-start-'));
const env = { ...process.env, OHLCV_HOME: home, TWELVE_DATA_API_KEY: '' };
let server: ChildProcess | undefined;
afterAll(() => {
  server?.kill('SIGKILL');
  fs.rmSync(home, { recursive: true, force: true });
});

/** A second terminal: a separate process on the same data folder. */
function ohlcv(args: string[]) {
  const r = spawnSync(process.execPath, cliArgs(args), {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 180_000): Promise<T> {
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
    server = spawn(process.execPath, cliArgs(['start', '--no-demo', '--no-dashboard']), {
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

    // ingest while start runs: queued for the running start, exit 0; --wait exits on the outcome.
    const args = [
      'ingest',
      '--symbols',
      'MSFT',
      '--interval',
      '1day',
      '--start',
      '2024-03-04',
      '--end',
      '2024-03-08',
    ];
    const queuedForStart = ohlcv(args);
    expect(queuedForStart.code, queuedForStart.err).toBe(0);
    expect(queuedForStart.err).toContain(`the running "ohlcv start" (pid ${server.pid}) will process them`);
    expect(queuedForStart.err).not.toContain('EngineBusy');
    const waited = ohlcv([...args.slice(0, 2), 'AAPL', ...args.slice(3), '--wait', '--format', 'json']);
    expect(waited.code, waited.err).toBe(0);
    expect(JSON.parse(waited.out)).toMatchObject({ completed: 1, failed: 0, bars: 5 });
    const failedWait = ohlcv([...args.slice(0, 2), 'ZZZZNOTREAL', ...args.slice(3), '--wait']);
    expect(failedWait.code).toBe(1);
    expect(failedWait.out).toContain('ZZZZNOTREAL');

    const csv = path.join(home, 'live.csv');
    fs.writeFileSync(
      csv,
      'symbol,interval,timestamp,open,high,low,close,volume\nLIVE,1day,2024-06-03,10,11,9,10.5,1000\nLIVE,1day,2024-06-04,10.5,12,10,11.5,2000\n',
    );
    expect(ohlcv(['drop', csv]).code).toBe(0);

    const status = await until('the dropped file to be processed', () => {
      const s = JSON.parse(ohlcv(['status', '--format', 'json']).out);
      return s.catalog.bars_daily.partitions >= 1 &&
        s.catalog.bars.partitions >= 1 &&
        JSON.parse(
          ohlcv([
            'query',
            '--sql',
            "SELECT count(*) AS n FROM ohlcv.bars_daily WHERE symbol = 'LIVE'",
            '--format',
            'json',
          ]).out || '[{"n":0}]',
        )[0].n === 2
        ? s
        : undefined;
    });
    expect(status.engine).toMatchObject({ pid: server.pid, mode: 'start' });

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

  it('start --port P with P taken: exit 2 naming it, before any work', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const r = ohlcv(['start', '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--port ${port}: port ${port} on 127.0.0.1 is in use`);
      expect(r.out).not.toContain('this run');
    } finally {
      taken.close();
    }
  });
});
