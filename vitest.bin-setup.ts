/**
 * Global setup of the runtime tier: the `ohlcv` bin rebuilds its bundle when a source is
 * newer than it (bin/ohlcv.mjs), and a rebuild swaps packages/cli/dist under any command
 * still running from it. One `--help` here, before the suites start, does that rebuild
 * once; the end-to-end suites' spawns then all find it fresh.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const bin = fileURLToPath(new URL('./packages/cli/bin/ohlcv.mjs', import.meta.url));
  const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the ohlcv bin did not build or start: ${r.stderr}`);
}
