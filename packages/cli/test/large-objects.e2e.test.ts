/**
 * Issue 13, bounded memory in staging: a big *valid* object is streamed, never held whole.
 * The drain runs with a V8 heap far smaller than the CSV's text, its lines and its records
 * would need (the old reader took readFileSync + split + a record list: ~15x the file in
 * heap, and a CSV over ~512 MiB could not even be one string). DuckDB's memory is native,
 * outside this limit, so what is measured is exactly the TypeScript readers' share.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const main = path.join(repoRoot, 'packages/cli/src/main.ts');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-large-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Heap for the whole CLI under tsx: enough for everything but a whole-file reader. */
const HEAP_MB = 64;

function ohlcv(home: string, args: string[], heapMb?: number) {
  const r = spawnSync(
    process.execPath,
    [...(heapMb ? [`--max-old-space-size=${heapMb}`] : []), '--import', 'tsx', main, ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, OHLCV_HOME: home, TWELVE_DATA_API_KEY: '', OHLCV_EMBEDDED_SYMBOLS: '' },
      encoding: 'utf8',
      timeout: 240_000,
    },
  );
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A valid CSV of 1-minute bars, ~8 MB: 40 symbols x 390 bars x 8 days. */
function writeCsv(file: string): number {
  const fd = fs.openSync(file, 'w');
  let rows = 0;
  try {
    fs.writeSync(fd, 'symbol,interval,timestamp,open,high,low,close,volume\r\n');
    for (let day = 0; day < 8; day++) {
      for (let s = 0; s < 40; s++) {
        const out: string[] = [];
        for (let m = 0; m < 390; m++) {
          const t = new Date(Date.UTC(2024, 0, 2 + day, 14, 30 + m)).toISOString().replace('.000', '');
          const p = (100 + s + (m % 50) / 100).toFixed(2);
          out.push(`S${String(s).padStart(3, '0')},1min,${t},${p},${p},${p},${p},${1000 + m}\r\n`);
          rows++;
        }
        fs.writeSync(fd, out.join(''));
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return rows;
}

describe('a big valid CSV is streamed through staging', () => {
  it(`drains with a ${HEAP_MB} MB heap: every row in ohlcv.bars, nothing quarantined`, () => {
    const home = path.join(root, 'home');
    const file = path.join(root, 'big.csv');
    const rows = writeCsv(file);
    expect(fs.statSync(file).size).toBeGreaterThan(7 * 1024 * 1024);
    expect(ohlcv(home, ['drop', file]).code).toBe(0);
    const drain = ohlcv(home, ['drain'], HEAP_MB);
    expect(drain.err).not.toContain('heap out of memory');
    expect(drain.code, drain.out + drain.err).toBe(0);
    const count = (sql: string) =>
      JSON.parse(ohlcv(home, ['query', '--sql', sql, '--format', 'json']).out) as Array<{ n: number }>;
    expect(count('SELECT count(*) AS n FROM ohlcv.bars')[0]!.n).toBe(rows);
    expect(count('SELECT count(*) AS n FROM ohlcv.quarantine')[0]!.n).toBe(0);
  });
});
