/**
 * `pnpm bench cli`: start-up of the `ohlcv` bin against a bare `node -e 0`, measured
 * interleaved in the same sitting (the machine's load moves both alike). The target is
 * 6x for `--help`, `status` and `query --list`; `query --sql` is shown beside them
 * because it must load DuckDB's native library, which dominates its start.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './run.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(repoRoot, 'node_modules/.bin/ohlcv');
const mainTs = path.join(repoRoot, 'packages/cli/src/main.ts');
const ROUNDS = 7;

function timeMs(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

export async function run(): Promise<BenchResult[]> {
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run the install first`);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-bench-cli-'));
  const env = { ...process.env, OHLCV_HOME: home, TWELVE_DATA_API_KEY: '' };
  try {
    const cases: [string, string, string[]][] = [
      ['node -e 0 (baseline)', process.execPath, ['-e', '0']],
      ['ohlcv --help', bin, ['--help']],
      ['ohlcv status', bin, ['status']],
      ['ohlcv query --list', bin, ['query', '--list']],
      ['ohlcv query --sql (loads DuckDB)', bin, ['query', '--sql', 'SELECT 1 AS one']],
      // The way every command started before the bin: the TypeScript through tsx.
      ['tsx main.ts --help (before)', process.execPath, ['--import', 'tsx', mainTs, '--help']],
    ];
    // Warm-up: builds the bin if it is stale, creates the state folder, fills the page cache.
    for (const [, cmd, args] of cases) timeMs(cmd, args, env);
    const samples = new Map<string, number[]>(cases.map(([name]) => [name, []]));
    for (let i = 0; i < ROUNDS; i++)
      for (const [name, cmd, args] of cases) samples.get(name)!.push(timeMs(cmd, args, env));
    const base = median(samples.get(cases[0]![0])!);
    return cases.flatMap(([name]) => {
      const ms = median(samples.get(name)!);
      const out: BenchResult[] = [
        { name: `${name} median`, value: ms, unit: 'ms', note: `${ROUNDS} rounds, interleaved` },
      ];
      if (name !== cases[0]![0])
        out.push({
          name: `${name} / node -e 0`,
          value: ms / base,
          unit: 'x',
          note: name.includes('(before)')
            ? 'reference: the start without the bin'
            : name.includes('DuckDB')
              ? 'no target: DuckDB native load'
              : `target < 6x: ${ms / base < 6 ? 'met' : 'NOT met'}`,
        });
      return out;
    });
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
