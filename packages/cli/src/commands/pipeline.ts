import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DashboardServer } from '@ohlcv/dashboard';
import { DEMO_WATCHLIST, fanOutIngestion } from '@ohlcv/service-ingestion';
import { formatOf, parse, toJson } from '../args.ts';
import type { Command, CommandIO } from '../command.ts';
import {
  drainWithProgress,
  exitCodeOf,
  newTally,
  recordProgress,
  renderSummary,
  takeBaseline,
} from '../pipeline-report.ts';
import { openPipeline, type PipelineSession } from '../pipeline-session.ts';
import { parsePort, serveDashboard } from './dashboard.ts';

/** A fixed, reproducible window: two weeks across the US spring-forward DST change. */
export const DEMO_RANGE = { start: '2024-03-04', end: '2024-03-15' } as const;
const SAMPLE_DROP = fileURLToPath(new URL('../../demo/sample-drop.csv', import.meta.url));

interface RunOptions {
  demo: boolean;
  format: string;
}

/** Loads the demo (ingestion from the market-data source plus a dropped CSV) and drains. */
async function runToIdle(
  session: PipelineSession,
  io: CommandIO,
  opts: RunOptions,
  tally = newTally(),
): Promise<number> {
  const { rt } = session;
  // Before any work of ours: the summary and the exit code are about this invocation only.
  const base = takeBaseline(rt);
  if (opts.demo) {
    tally.symbolsTotal = DEMO_WATCHLIST.symbols.length;
    io.stderr(`market data: ${session.marketDataLabel}\n`);
    const { messages } = await fanOutIngestion(
      { watchlist: DEMO_WATCHLIST, start: DEMO_RANGE.start, end: DEMO_RANGE.end },
      { sender: rt.queueSender, clock: rt.clock, ids: rt.ids },
    );
    io.stderr(
      `demo: ${messages} ingestion request(s) for ${DEMO_WATCHLIST.symbols.length} symbols, ${DEMO_RANGE.start}..${DEMO_RANGE.end}, 1min bars\n`,
    );
    await rt.store.put('raw/drops/sample-drop.csv', await fs.readFile(SAMPLE_DROP));
    io.stderr('demo: dropped raw/drops/sample-drop.csv (daily SPY bars with a duplicate and a bad row)\n');
  }
  const summary = await drainWithProgress(rt, io, tally, base);
  if (opts.format === 'json') io.stdout(`${toJson(summary)}\n`);
  else io.stdout(renderSummary(summary));
  return io.signal.aborted ? 130 : exitCodeOf(summary);
}

const demoUsage = `Usage: ohlcv demo [--format table|json]

Runs the whole pipeline once on the embedded default and exits: ingests two weeks of
1-minute bars for 12 instruments (US equities, crypto, forex) from the embedded Twelve
Data source, drops a sample CSV into raw/, and processes everything to idle — ETL,
catalog, quality alerts — then prints a summary of what this run did. Exit 0 when none
of this run's ingestion batches or job runs failed and none of its messages ended in a
DLQ (problems from earlier runs are listed separately and do not count). Data goes to
$OHLCV_HOME (default ./.ohlcv).`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the pipeline on demo data to idle, print a summary, exit',
  usage: demoUsage,
  async run(argv, io) {
    const { values } = parse(argv, { format: { type: 'string', default: 'table' } });
    const format = formatOf(values.format);
    const tally = newTally();
    const session = await openPipeline(io, { onIngestionProgress: (p) => recordProgress(tally, p) });
    try {
      // Before queuing the demo: a busy pipeline is refused with nothing left behind.
      session.rt.lockEngine('drain');
      return await runToIdle(session, io, { demo: true, format }, tally);
    } finally {
      await session.close();
    }
  },
};

const drainUsage = `Usage: ohlcv drain [--format table|json]

Processes everything pending until all queues are idle and no job runs: raw files
dropped or copied in while nothing was running, queued messages, ETL runs and the
events they cause. Prints a summary of what this run did and exits 1 only when some of
that work failed (a job run, an ingestion batch, a message dead-lettered now); problems
left from earlier runs are listed separately. Refuses to run while "ohlcv start" runs
(that process is already draining).`;

export const drainCommand: Command = {
  name: 'drain',
  summary: 'Process everything pending until idle, then exit',
  usage: drainUsage,
  async run(argv, io) {
    const { values } = parse(argv, { format: { type: 'string', default: 'table' } });
    const format = formatOf(values.format);
    const session = await openPipeline(io);
    try {
      session.rt.lockEngine('drain');
      return await runToIdle(session, io, { demo: false, format });
    } finally {
      await session.close();
    }
  },
};

const startUsage = `Usage: ohlcv start [--no-demo] [--port N] [--no-dashboard]

Starts the embedded pipeline and keeps it running until Ctrl-C: all four services on
their queues, the ETL job runner, and a watcher on the raw zone — any file copied into
$OHLCV_HOME/lake/raw/ (or dropped with "ohlcv drop") is processed without a command.
First loads the demo data (like "ohlcv demo") unless --no-demo, then serves the web
dashboard (pipeline health and charts) on http://127.0.0.1:8787/.
From a second terminal: ohlcv status | ohlcv query ... | ohlcv events tail --follow

Options:
  --no-demo        do not load the demo data first
  --port N         dashboard port on 127.0.0.1 (default 8787, or a free port when 8787 is
                   taken; an explicit port that is taken is an error, exit 2; 0 = any free port)
  --no-dashboard   do not serve the dashboard`;

export const startCommand: Command = {
  name: 'start',
  summary: 'Run the pipeline (demo data first) and watch raw/ for drops',
  usage: startUsage,
  async run(argv, io) {
    const { values } = parse(argv, {
      'no-demo': { type: 'boolean', default: false },
      'no-dashboard': { type: 'boolean', default: false },
      port: { type: 'string' },
    });
    parsePort(values.port);
    const tally = newTally();
    const session = await openPipeline(io, { onIngestionProgress: (p) => recordProgress(tally, p) });
    let dashboard: DashboardServer | undefined;
    let dashboardNote: string | undefined;
    try {
      const { rt } = session;
      // Claimed as `start` from the outset: work queued meanwhile is ours to process.
      rt.lockEngine('start');
      if (!values['no-dashboard']) {
        // Before any work: a taken explicit --port is bad usage, not a lost notice.
        const served = await serveDashboard(rt, values.port);
        dashboard = served.server;
        dashboardNote = served.note;
      }
      const code = await runToIdle(session, io, { demo: !values['no-demo'], format: 'table' }, tally);
      if (io.signal.aborted) return 130;
      rt.startServices();
      const raw = path.join(rt.home.lake, 'raw');
      io.stdout(
        [
          '',
          `pipeline running (data folder ${rt.home.root}; logs in ${rt.home.logs})`,
          ...(dashboard
            ? [`  dashboard:     ${dashboard.url}${dashboardNote ? `   (${dashboardNote})` : ''}`]
            : []),
          `  drop files:    cp bars.csv ${raw}/   or   pnpm ohlcv drop bars.csv`,
          '  second terminal: pnpm ohlcv status | pnpm ohlcv query --list | pnpm ohlcv events tail --follow',
          '  Ctrl-C stops it; nothing is lost (queues and job runs are on disk).',
          '',
        ].join('\n'),
      );
      let seq = rt.eventLog.lastSeq();
      while (!io.signal.aborted) {
        await new Promise((r) => setTimeout(r, 500));
        for (const e of rt.eventLog.after(seq)) {
          seq = e.seq;
          const d = e.envelope.detail as Record<string, unknown>;
          if (e.detailType === 'Object Created')
            io.stdout(`raw object ${(d.object as { key: string }).key}\n`);
          if (e.detailType === 'ETL Run Completed')
            io.stdout(
              `etl run ${String(d.jobRunId).slice(0, 12)}: ${d.rowsKept} rows kept, ${d.rowsQuarantined} quarantined, ${d.duplicates} duplicates\n`,
            );
          if (e.detailType === 'Alert Raised') io.stdout(`ALERT [${d.severity}] ${d.title}\n`);
        }
      }
      io.stderr('\nstopping...\n');
      return code;
    } finally {
      await dashboard?.close();
      await session.close();
    }
  },
};
