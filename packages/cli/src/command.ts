/** One `ohlcv` sub-command. `main.ts` dispatches to these; every one answers `--help`. */
export interface CommandIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** True when stdout is a terminal (progress bars, colours). */
  isTTY: boolean;
  /** Aborted on Ctrl-C; long-running commands stop cleanly when it fires. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  /** Full help text printed for `--help`. */
  usage: string;
  /** Returns the process exit code: 0 ok, 1 failure, 2 bad usage or input. */
  run(argv: string[], io: CommandIO): Promise<number>;
}

export class UsageError extends Error {
  override name = 'UsageError';
}
