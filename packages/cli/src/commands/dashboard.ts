import { existsSync } from 'node:fs';
import { type DashboardServer, DEFAULT_PORT, startDashboard } from '@ohlcv/dashboard';
import { LocalRuntime, resolveHome } from '@ohlcv/local';
import { parse } from '../args.ts';
import { type Command, type CommandIO, UsageError } from '../command.ts';

const usage = `Usage: ohlcv dashboard [--port N]

Serves the web dashboard for the data folder ($OHLCV_HOME, default ./.ohlcv) on
http://127.0.0.1:${DEFAULT_PORT}/ until Ctrl-C: pipeline health (queues, DLQs, job runs,
catalog, alerts, events) and charts of daily price change, daily volume, monthly
volume and price vs volume. Read-only: it never runs the pipeline, so it is safe while
"ohlcv start" runs in another terminal ("ohlcv start" serves the same dashboard itself).

Options:
  --port N   port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 = any free port)`;

/** `--port` as given on the command line: an integer 0..65535. */
export function parsePort(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new UsageError(`--port must be an integer 0..65535, not "${value}"`);
  return n;
}

/**
 * Serves the dashboard on `--port`. An explicit port that is taken is bad usage (exit 2,
 * naming it), found before any work; the default port taken falls back to a free port,
 * which the caller prints.
 */
export async function serveDashboard(
  runtime: LocalRuntime,
  portArg: string | undefined,
  defaultPort = DEFAULT_PORT,
): Promise<{ server: DashboardServer; note?: string }> {
  const port = portArg === undefined ? defaultPort : parsePort(portArg);
  try {
    return { server: await startDashboard({ runtime, port }) };
  } catch (err) {
    if ((err as { code?: string }).code !== 'PortInUse') throw err;
    if (portArg !== undefined)
      throw new UsageError(
        `--port ${port}: port ${port} on 127.0.0.1 is in use; pass another (0 = any free port)`,
      );
    const server = await startDashboard({ runtime, port: 0 });
    return { server, note: `the default port ${defaultPort} is in use; took a free one` };
  }
}

/** Resolves when Ctrl-C (the command's abort signal) fires. */
export const untilAborted = (io: CommandIO): Promise<void> =>
  new Promise((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary: 'Serve the web dashboard (read-only) for the data folder',
  usage,
  async run(argv, io) {
    const { values } = parse(argv, { port: { type: 'string' } });
    parsePort(values.port);
    const home = resolveHome(io.env, io.cwd);
    if (!existsSync(home.stateDb)) {
      io.stderr(
        `no local runtime state at ${home.stateDb}; run "ohlcv demo" or "ohlcv start" first (or set OHLCV_HOME)\n`,
      );
      return 1;
    }
    const rt = LocalRuntime.open({ home });
    let server: DashboardServer | undefined;
    try {
      const served = await serveDashboard(rt, values.port);
      server = served.server;
      io.stdout(
        `dashboard for ${home.root}: ${server.url}${served.note ? ` (${served.note})` : ''}\n  (read-only; Ctrl-C stops it)\n`,
      );
      await untilAborted(io);
      io.stderr('\nstopping...\n');
      return 0;
    } finally {
      await server?.close();
      await rt.close();
    }
  },
};

export const command = dashboardCommand;
