/**
 * The installed `ohlcv` bin (node_modules/.bin/ohlcv -> packages/cli/bin/ohlcv.mjs ->
 * the bundle in dist/, built by the install): the same commands as the TypeScript, with
 * the files the bundle finds beside its sources (SQL, demo CSV) and DuckDB loaded lazily.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Whole CLI runs, several per case: on a loaded 2-core machine one case can take minutes.
vi.setConfig({ testTimeout: 300_000 });

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const bin = path.join(repoRoot, 'node_modules/.bin/ohlcv');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-bin-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const ohlcv = (args: string[]) => {
  const r = spawnSync(bin, args, {
    cwd: home,
    env: { ...process.env, OHLCV_HOME: home, TWELVE_DATA_API_KEY: '' },
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('the ohlcv bin', () => {
  it('is installed and answers --help', () => {
    expect(fs.existsSync(bin)).toBe(true);
    const r = ohlcv(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: ohlcv <command>');
    for (const c of ['start', 'demo', 'ingest', 'drop', 'drain', 'query', 'status', 'export'])
      expect(r.out).toContain(`  ${c}`);
  });

  it('runs the README flow from the bundle: the sample CSV, drain (ETL SQL), query (DuckDB), export, status', () => {
    // The README's `cp examples/my-bars.csv .ohlcv/lake/raw/`, with a drain instead of a running start.
    const raw = path.join(home, 'lake', 'raw');
    fs.mkdirSync(raw, { recursive: true });
    fs.copyFileSync(path.join(repoRoot, 'examples/my-bars.csv'), path.join(raw, 'my-bars.csv'));
    const drained = ohlcv(['drain', '--format', 'json']);
    expect(drained.code, drained.err).toBe(0);
    const summary = JSON.parse(drained.out);
    expect(summary.tables.bars_daily).toBe(10);
    expect(summary.tables.quarantine).toBe(0);
    const q = ohlcv(['query', 'daily_returns', '--param', 'symbol=ACME', '--format', 'json']);
    expect(q.code, q.err).toBe(0);
    expect(JSON.parse(q.out)).toHaveLength(10);
    expect(ohlcv(['query', '--list']).out).toContain('top_movers');

    const csvOut = path.join(home, 'acme.csv');
    const exported = ohlcv([
      'export',
      '--table',
      'bars_daily',
      '--symbols',
      'ACME',
      '--from',
      '2024-03-11',
      '--format',
      'csv',
      '--out',
      csvOut,
    ]);
    expect(exported.code, exported.err).toBe(0);
    const lines = fs.readFileSync(csvOut, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^symbol,exchange,.*trade_date/);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(Array(5).fill('ACME'));
    const parquet = ohlcv(['export', '--table', 'bars', '--out', path.join(home, 'bars.parquet'), '--json']);
    expect(parquet.code, parquet.err).toBe(0);
    expect(JSON.parse(parquet.out)).toMatchObject({ table: 'bars', format: 'parquet', rows: 10 });
    expect(fs.readFileSync(path.join(home, 'bars.parquet')).subarray(0, 4).toString()).toBe('PAR1');
    const bad = ohlcv(['export', '--table', 'bars', '--from', '2024-02-30']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--from "2024-02-30" is not a real date');

    const s = ohlcv(['status', '--format', 'json']);
    expect(JSON.parse(s.out).jobs.SUCCEEDED).toBe(1);
  });

  it('the README quick start runs as written (after a demo, with drain in place of a running start)', () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const block = readme.split('Then, from a second terminal')[1]!.split('```sh\n')[1]!.split('```')[0]!;
    const lines = block
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter(Boolean);
    expect(lines.length).toBeGreaterThan(4);
    // A user's checkout: the default data folder ./.ohlcv beside the repository's files.
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-readme-'));
    fs.symlinkSync(path.join(repoRoot, 'examples'), path.join(cwd, 'examples'));
    const { OHLCV_HOME: _home, ...inherited } = process.env;
    const env = { ...inherited, TWELVE_DATA_API_KEY: '', INIT_CWD: cwd };
    const sh = (line: string) =>
      spawnSync('bash', ['-c', line.replace(/^pnpm ohlcv /, `"${bin}" `)], {
        cwd,
        env,
        encoding: 'utf8',
        timeout: 240_000,
      });
    try {
      const demo = sh('pnpm ohlcv demo');
      expect(demo.status, demo.stderr).toBe(0);
      for (const line of lines) {
        const follow = line.includes('--follow');
        const r = sh(follow ? `timeout -s INT 6 ${line.replace(/^pnpm ohlcv /, `"${bin}" `)}` : line);
        if (follow) expect(r.stdout, line).toMatch(/^$|->/);
        else expect(r.status, `${line}\n${r.stderr}`).toBe(0);
      }
      const drained = sh('pnpm ohlcv drain --format json');
      expect(drained.status, drained.stderr).toBe(0);
      const acme = sh(
        `pnpm ohlcv query --sql "SELECT count(*) AS n FROM ohlcv.bars_daily WHERE symbol = 'ACME'" --format json`,
      );
      expect(JSON.parse(acme.stdout)[0].n).toBe(10);
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
