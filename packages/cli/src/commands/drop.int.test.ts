import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalRuntime, resolveHome } from '@ohlcv/local';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../command.ts';
import { captureIO } from '../testing/capture-io.ts';
import { dropCommand } from './drop.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ohlcv-cli-drop-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ohlcv drop through a symlinked prefix', () => {
  it('refuses raw/dirlink -> /outside: nothing written outside, nothing announced', async () => {
    const home = resolveHome({ OHLCV_HOME: path.join(dir, 'home') }, dir);
    const outside = path.join(dir, 'outside');
    mkdirSync(path.join(home.lake, 'raw'), { recursive: true });
    mkdirSync(outside);
    symlinkSync(outside, path.join(home.lake, 'raw', 'dirlink'));
    writeFileSync(path.join(dir, 'f.csv'), 'symbol,interval,timestamp,open,high,low,close,volume\n');
    const t = captureIO({ cwd: dir, env: { OHLCV_HOME: home.root } });
    const err = await dropCommand.run(['--prefix', 'dirlink', 'f.csv'], t.io).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/resolves to .*outside/);
    expect(readdirSync(outside)).toEqual([]);
    const rt = LocalRuntime.open({ home });
    try {
      await rt.rawZone.scan();
      expect(rt.rawZone.announcedCount()).toBe(0);
    } finally {
      await rt.close();
    }
  });

  it('a state or log folder that is a symlink out of the home is refused before anything is written', () => {
    const home = resolveHome({ OHLCV_HOME: path.join(dir, 'home') }, dir);
    mkdirSync(home.root, { recursive: true });
    mkdirSync(path.join(dir, 'elsewhere'));
    symlinkSync(path.join(dir, 'elsewhere'), path.join(home.root, 'state'));
    expect(() => LocalRuntime.open({ home })).toThrow(/outside/);
    expect(readdirSync(path.join(dir, 'elsewhere'))).toEqual([]);
  });
});
