import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../command.ts';
import { captureIO } from '../testing/capture-io.ts';
import { dropCommand } from './drop.ts';
import { drainCommand } from './pipeline.ts';
import { queryCommand } from './query.ts';
import { reprocessCommand } from './reprocess.ts';

let dir: string;
const io = () =>
  captureIO({ cwd: dir, env: { OHLCV_HOME: path.join(dir, 'home'), OHLCV_ETL_ENGINE: 'duckdb' } });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-cli-reprocess-'));
  writeFileSync(
    path.join(dir, 'bars.csv'),
    'symbol,interval,ts,open,high,low,close,volume\nAAPL,1min,2024-01-02T15:00:00Z,1,2,0.5,1.5,3\nAAPL,1min,2024-01-03T15:00:00Z,1,2,0.5,1.6,3\nAAPL,1min,2024-01-03T15:01:00Z,-1,2,0.5,1.6,3\n',
  );
  expect(await dropCommand.run(['bars.csv'], io().io)).toBe(0);
  expect(await drainCommand.run([], io().io)).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ohlcv reprocess', () => {
  it('rebuilds a range from raw and reports the plan version', async () => {
    const t = io();
    expect(
      await reprocessCommand.run(['--from', '2024-01-03', '--to', '2024-01-03', '--format', 'json'], t.io),
    ).toBe(0);
    const out = JSON.parse(t.out.stdout) as {
      planVersion: string;
      engine: string;
      tables: { table: string; replaced: number }[];
    };
    expect(out.engine).toBe('duckdb');
    expect(out.planVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(out.tables.find((x) => x.table === 'bars')?.replaced).toBe(1);
    const q = io();
    expect(
      await queryCommand.run(['--sql', 'SELECT count(*) AS n FROM ohlcv.bars', '--format', 'json'], q.io),
    ).toBe(0);
    expect(JSON.parse(q.out.stdout)).toEqual([{ n: 2 }]);
  });

  it('rejects bad input as a usage error (exit 2) naming the option', async () => {
    await expect(
      reprocessCommand.run(['--from', '2024-01-05', '--to', '2024-01-01'], io().io),
    ).rejects.toThrow(UsageError);
    await expect(reprocessCommand.run(['--from', '2024-13-01'], io().io)).rejects.toThrow(
      /--from must be a date/,
    );
    await expect(reprocessCommand.run(['--symbols', ','], io().io)).rejects.toThrow(/--symbols/);
  });
});
