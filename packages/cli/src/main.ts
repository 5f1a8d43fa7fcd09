#!/usr/bin/env node
import { type Command, type CommandIO, UsageError } from './command.ts';
import { commands } from './commands/index.ts';

const help = (): string =>
  [
    'ohlcv — the OHLCV Data Engine on one machine (the embedded runtime)',
    '',
    'Usage: ohlcv <command> [options]        ohlcv <command> --help',
    '',
    'Commands:',
    ...commands.map((c: Command) => `  ${c.name.padEnd(12)} ${c.summary}`),
    '',
    'Environment:',
    '  OHLCV_HOME            data folder (default: ./.ohlcv)',
    '  TWELVE_DATA_API_KEY   use the real Twelve Data API instead of the embedded source',
    "  TWELVE_DATA_CREDITS_PER_MINUTE / _PER_DAY   your plan's limits (default 8 / 800 with a key)",
    '  ALERT_WEBHOOK_URL, SLACK_WEBHOOK_URL         where alerts go besides the log',
    '  QUARANTINE_THRESHOLD  quarantined share of a run that raises an alert (default 0.05)',
    '  LOG_LEVEL             debug | info | warn | error (logs go to $OHLCV_HOME/logs/ohlcv.log)',
  ].join('\n');

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${help()}\n`);
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`ohlcv: unknown command "${name}". Commands: ${commands.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage.trim()}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`ohlcv ${name}: ${err.message}\nRun "ohlcv ${name} --help" for usage.\n`);
      return 2;
    }
    const e = err as { code?: string; message?: string };
    io.stderr(`ohlcv ${name}: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`);
    return 1;
  }
}

/** Runs `ohlcv` as this process: argv, signals, stdio, exit code. */
export function runCli(argv: string[] = process.argv.slice(2)): void {
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());
  // `ohlcv status | head -2`: a reader that stops early is not an error of ours.
  const quietOnClosedPipe = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  };
  process.stdout.on('error', quietOnClosedPipe);
  process.stderr.on('error', quietOnClosedPipe);
  const io: CommandIO = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.env.INIT_CWD ?? process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
    signal: controller.signal,
  };
  main(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`ohlcv: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

// Run directly (`tsx packages/cli/src/main.ts`); the bundled bin enters through bin.ts.
const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isEntry || process.argv[1]?.endsWith('main.ts')) runCli();
