/**
 * The command the end-to-end suites run: the `ohlcv` bin as a user runs it (`pnpm ohlcv`:
 * node and the bundle the install built), not the sources under tsx. Under tsx each spawn
 * transpiled the CLI's module graph again (1.2-1.4 s against 0.4 s per `--help`, measured),
 * and these suites spawn it about a hundred times. The runtime tier's global setup
 * (vitest.bin-setup.ts) rebuilds a stale bundle once, before any suite starts, so no
 * spawn rebuilds it under another that is running.
 */
import { fileURLToPath } from 'node:url';

export const cliBin = fileURLToPath(new URL('../bin/ohlcv.mjs', import.meta.url));

/** node's arguments for one `ohlcv` command. */
export const cliArgs = (args: string[]): string[] => [cliBin, ...args];
