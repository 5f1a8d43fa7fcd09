import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../cli/src/command.ts';
import { dashboardCommand, parsePort } from '../../cli/src/commands/dashboard.ts';
import { startCommand } from '../../cli/src/commands/pipeline.ts';
import { buildLake, type Lake } from './lake-fixture.ts';

let lake: Lake;
beforeAll(async () => {
  lake = await buildLake();
});
afterAll(async () => {
  await lake?.close();
});

function testIo(home: string) {
  const out: string[] = [];
  const err: string[] = [];
  const controller = new AbortController();
  const io: CommandIO = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: { OHLCV_HOME: home },
    cwd: '/',
    isTTY: false,
    signal: controller.signal,
  };
  return { io, out, err, stop: () => controller.abort() };
}

async function urlFrom(out: string[], pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const m = pattern.exec(out.join(''));
    if (m?.[1]) return m[1];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no dashboard URL in output: ${out.join('')}`);
}

describe('ohlcv dashboard', () => {
  it('serves an existing data folder read-only while another runtime holds it', async () => {
    // The lake's runtime still holds the engine lock, as "ohlcv start" in another terminal would.
    const t = testIo(lake.root);
    const running = dashboardCommand.run(['--port', '0'], t.io);
    const url = await urlFrom(t.out, /(http:\/\/127\.0\.0\.1:\d+\/)/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-chart="daily_volume"');
    expect(html).toMatch(/<span class="badge ok">running<\/span>/);
    const series = (await (
      await fetch(new URL('/api/series/daily_price_change?symbol=AAPL', url))
    ).json()) as {
      rows: unknown[];
    };
    expect(series.rows).toHaveLength(3);
    const before = lake.rt.status();
    t.stop();
    expect(await running).toBe(0);
    // Read-only: nothing was queued, run or registered by serving.
    const after = lake.rt.status();
    expect(after.queues).toEqual(before.queues);
    expect(after.jobs).toEqual(before.jobs);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('refuses a folder without runtime state and a bad --port', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-dash-empty-'));
    try {
      const t = testIo(empty);
      expect(await dashboardCommand.run([], t.io)).toBe(1);
      expect(t.err.join('')).toContain('no local runtime state');
      expect(fs.existsSync(path.join(empty, 'state'))).toBe(false);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
    expect(parsePort(undefined)).toBe(8787);
    expect(parsePort('0')).toBe(0);
    expect(() => parsePort('http')).toThrow(/--port must be an integer/);
    expect(() => parsePort('70000')).toThrow(/--port/);
  });
});

describe('ohlcv start', () => {
  it('serves the dashboard once the pipeline runs and stops it on Ctrl-C', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-dash-start-'));
    try {
      const t = testIo(home);
      const running = startCommand.run(['--no-demo', '--port', '0'], t.io);
      const url = await urlFrom(t.out, /dashboard:\s+(http:\/\/127\.0\.0\.1:\d+\/)/);
      const health = await (await fetch(new URL('/fragment/health', url))).text();
      expect(health).toContain('<span class="badge ok">running</span>');
      t.stop();
      expect(await running).toBe(0);
      await expect(fetch(url)).rejects.toThrow();

      const quiet = testIo(home);
      const noDash = startCommand.run(['--no-demo', '--no-dashboard'], quiet.io);
      await urlFrom(quiet.out, /(pipeline running)/);
      expect(quiet.out.join('')).not.toContain('dashboard:');
      quiet.stop();
      expect(await noDash).toBe(0);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
