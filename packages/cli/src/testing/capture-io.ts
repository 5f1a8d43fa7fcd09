/** A CommandIO for tests: what a command prints is collected in `out`. */
import type { CommandIO } from '../command.ts';

export function captureIO(opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): {
  io: CommandIO;
  out: { stdout: string; stderr: string };
} {
  const out = { stdout: '', stderr: '' };
  const io: CommandIO = {
    stdout: (t) => {
      out.stdout += t;
    },
    stderr: (t) => {
      out.stderr += t;
    },
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    isTTY: false,
    signal: new AbortController().signal,
  };
  return { io, out };
}
