import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { METRIC } from '@ohlcv/core';
import { LocalRuntime, resolveHome } from '@ohlcv/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIO } from '../testing/capture-io.ts';
import { statusCommand } from './status.ts';

let dir: string;
const io = () => captureIO({ cwd: dir, env: { OHLCV_HOME: path.join(dir, 'home') } });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-cli-status-'));
  // What a running `ohlcv start` leaves behind: points written through the services' ports.
  const rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: path.join(dir, 'home') }, dir) });
  try {
    const ingestion = rt.metrics.forService('ingestion');
    ingestion.count(METRIC.barsIngested, 780);
    ingestion.count(METRIC.barsIngested, 20);
    ingestion.gauge(METRIC.latestBarAgeSeconds, 95.5, 'Seconds', { symbol: 'AAPL' });
    rt.metrics.forService('quality-alert').count(METRIC.rowsQuarantined, 3);
  } finally {
    await rt.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ohlcv status: metrics', () => {
  it('--format json includes every series with last value and 1h sum', async () => {
    const t = io();
    expect(await statusCommand.run(['--format', 'json'], t.io)).toBe(0);
    const status = JSON.parse(t.out.stdout) as { metrics: Record<string, unknown>[] };
    expect(status.metrics).toEqual([
      expect.objectContaining({
        name: 'BarsIngested',
        service: 'ingestion',
        dims: {},
        last: 20,
        sum: 800,
        points: 2,
      }),
      expect.objectContaining({
        name: 'LatestBarAgeSeconds',
        service: 'ingestion',
        dims: { symbol: 'AAPL' },
        last: 95.5,
        unit: 'Seconds',
      }),
      expect.objectContaining({ name: 'RowsQuarantined', service: 'quality-alert', sum: 3 }),
    ]);
  });

  it('the table format shows a metrics section, one line per series', async () => {
    const t = io();
    expect(await statusCommand.run([], t.io)).toBe(0);
    const section = t.out.stdout.split('\nmetrics (')[1];
    expect(section).toBeDefined();
    const lines = section!.trim().split('\n');
    expect(lines[1]).toMatch(/^metric\s+service\s+dimensions\s+last\s+unit\s+sum1h\s+points1h\s+lastAt$/);
    const bars = lines.find((l) => l.startsWith('BarsIngested'))!;
    expect(bars.split(/\s{2,}/).slice(0, 7)).toEqual([
      'BarsIngested',
      'ingestion',
      '-',
      '20',
      'Count',
      '800',
      '2',
    ]);
    // Ages read as durations in the table; --format json keeps the seconds (95.5 above).
    expect(lines.find((l) => l.startsWith('LatestBarAgeSeconds'))).toMatch(
      /ingestion\s+symbol=AAPL\s+1m 36s\s+Seconds/,
    );
    // The catalog is a table, not a JSON dump.
    expect(t.out.stdout).toMatch(/\ncatalog \(database \w+\):\ntable\s+partitions\s+schemaVersion\n/);
    expect(t.out.stdout).toMatch(/\nohlcv\.bars\s+0\s+-\n/);
    expect(t.out.stdout).not.toContain('{"bars"');
  });
});

describe('ohlcv status: plan version', () => {
  it('shows the plan version new runs write (plan.ts planVersion), in both formats', async () => {
    const { planVersion } = await import('@ohlcv/etl/plan');
    const json = io();
    expect(await statusCommand.run(['--format', 'json'], json.io)).toBe(0);
    expect(JSON.parse(json.out.stdout).planVersion).toBe(planVersion());
    const t = io();
    expect(await statusCommand.run([], t.io)).toBe(0);
    expect(t.out.stdout).toContain(`\nplan version: ${planVersion()} (`);
  });
});
