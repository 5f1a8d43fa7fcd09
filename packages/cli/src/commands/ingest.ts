import fs from 'node:fs/promises';
import path from 'node:path';
import type { EngineHolder, LocalRuntime } from '@ohlcv/local';
import {
  checkIngestionRange,
  DEFAULT_BATCH_SIZE,
  fanOutIngestion,
  type Watchlist,
  watchlistSchema,
} from '@ohlcv/service-ingestion';
import { formatOf, parse, toJson } from '../args.ts';
import { type Command, type CommandIO, UsageError } from '../command.ts';
import {
  type Baseline,
  drainWithProgress,
  exitCodeOf,
  newTally,
  recordProgress,
  renderSummary,
  takeBaseline,
} from '../pipeline-report.ts';
import { openPipeline, type PipelineSession } from '../pipeline-session.ts';

const usage = `Usage: ohlcv ingest --symbols AAPL,MSFT,... [--interval 1min] [--start DATE] [--end DATE]
       ohlcv ingest --watchlist FILE.json

Pulls bars from Twelve Data into the raw zone through the same message flow as the
scheduled ingestion on AWS (one "Ingestion Requested" message per symbol batch on the
ingestion-requests queue), then runs the pipeline until idle: ETL, catalog, alerts.
Uses the embedded Twelve Data source unless TWELVE_DATA_API_KEY is set. Without
--start, runs are incremental: only bars newer than the last one stored are fetched.

Options:
  --symbols S,S,...          symbols (e.g. AAPL,BTC/USD,EUR/USD)
  --watchlist FILE           JSON {"symbols": [...], "interval": "1min", "lookbackDays": 5}
  --interval I               1min 5min 15min 30min 45min 1h 2h 4h 8h 1day 1week 1month (default 1min)
  --start DATE, --end DATE   YYYY-MM-DD or ISO-8601 with a zone; --end DATE includes that day
  --lookback-days N          without --start: how far back a first run reaches (default 5)
  --batch-size N             symbols per request message (default ${DEFAULT_BATCH_SIZE})
  --credits-per-minute N     plan limit: the client throttles to it (and the embedded source enforces it)
  --wait                     when another process runs the pipeline: wait for this request's
                             batches and exit on their outcome (default: queue it, exit 0)
  --format table|json        output of the final summary

Exit: 0 when this request's batches and the work they caused succeeded, 1 when any of it
failed (problems left from earlier runs are listed apart and do not count), 2 for bad
input (checked before anything is queued). While "ohlcv start" runs, the request is
queued for it and ingest exits 0 at once (or, with --wait, on the batches' outcome).`;

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'Pull bars from Twelve Data (or the embedded source) and process them',
  usage,
  async run(argv, io) {
    const { values } = parse(argv, {
      symbols: { type: 'string' },
      watchlist: { type: 'string' },
      interval: { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      'lookback-days': { type: 'string' },
      'batch-size': { type: 'string' },
      'credits-per-minute': { type: 'string' },
      format: { type: 'string', default: 'table' },
      wait: { type: 'boolean', default: false },
    });
    const format = formatOf(values.format);
    let watchlist: Watchlist;
    try {
      const base = values.watchlist
        ? JSON.parse(await fs.readFile(path.resolve(io.cwd, values.watchlist), 'utf8'))
        : {
            symbols:
              values.symbols
                ?.split(',')
                .map((s) => s.trim())
                .filter(Boolean) ?? [],
          };
      if (values.interval) base.interval = values.interval;
      if (values['lookback-days']) base.lookbackDays = Number(values['lookback-days']);
      watchlist = watchlistSchema.parse(base);
    } catch (err) {
      const msg = (err as { issues?: { path: unknown[]; message: string }[] }).issues
        ?.map(
          (i) =>
            `${values.watchlist ? `${values.watchlist}: ${i.path.join('.') || 'watchlist'}` : (FLAG[String(i.path[0])] ?? i.path.join('.'))}: ${i.message}`,
        )
        .join('; ');
      throw new UsageError(msg ?? `cannot read the watchlist: ${(err as Error).message}`);
    }
    const problems = checkIngestionRange(
      { start: values.start, end: values.end, lookbackDays: watchlist.lookbackDays },
      new Date(),
    );
    if (problems[0]) throw new UsageError(`--${problems[0].field} ${problems[0].message}`);
    const batchSize =
      values['batch-size'] === undefined ? undefined : positiveInt('--batch-size', values['batch-size']);
    const credits =
      values['credits-per-minute'] === undefined
        ? undefined
        : positiveInt('--credits-per-minute', values['credits-per-minute']);

    const tally = newTally(new Set(watchlist.symbols).size);
    const session = await openPipeline(io, {
      creditsPerMinute: credits,
      onIngestionProgress: (p) => recordProgress(tally, p),
    });
    try {
      const { rt } = session;
      const base = takeBaseline(rt);
      // Another process running the pipeline is not an error: the request is queued for it.
      const holder = tryLockEngine(rt);
      const { correlationId, messages } = await fanOutIngestion(
        { watchlist, batchSize, start: values.start, end: values.end },
        { sender: rt.queueSender, clock: rt.clock, ids: rt.ids },
      );
      const queued = `queued ${messages} ingestion request(s) for ${tally.symbolsTotal} symbol(s) (correlation id ${correlationId})`;
      if (holder) {
        io.stderr(
          `${queued}\n${
            holder.mode === 'start'
              ? `the running "ohlcv start" (pid ${holder.pid}) will process them`
              : `a one-shot run (pid ${holder.pid}) holds the pipeline; the next process that runs it ("ohlcv start", "ohlcv drain") will process them`
          }${values.wait ? '; waiting for the outcome (--wait)' : '; follow with "ohlcv events tail --follow", or pass --wait'}\n`,
        );
        if (!values.wait) {
          if (format === 'json')
            io.stdout(`${toJson({ correlationId, queued: messages, handledBy: holder })}\n`);
          return 0;
        }
        const outcome = await waitForBatches(session, io, tally, base, correlationId, messages);
        if (outcome === undefined) return 130;
        if (format === 'json') io.stdout(`${toJson({ correlationId, ...outcome })}\n`);
        else io.stdout(renderOutcome(outcome));
        return outcome.failed > 0 ? 1 : 0;
      }
      io.stderr(`market data: ${session.marketDataLabel}\n${queued}\n`);
      const summary = await drainWithProgress(rt, io, tally, base, { correlationId });
      const served = session.embedded?.stats();
      if (format === 'json') io.stdout(`${toJson({ correlationId, ...summary, source: served ?? null })}\n`);
      else {
        io.stdout(renderSummary(summary));
        if (served)
          io.stdout(
            `  source      ${served.requests} requests, ${served.credits} credits, ${served.rateLimited} answered 429, ${served.barsServed.toLocaleString('en-US')} bars served\n`,
          );
      }
      return io.signal.aborted ? 130 : exitCodeOf(summary);
    } finally {
      await session.close();
    }
  },
};

/** Takes the engine lock for a one-shot run; the holder when another process has it. */
function tryLockEngine(rt: LocalRuntime): EngineHolder | undefined {
  try {
    rt.lockEngine('drain');
    return undefined;
  } catch (err) {
    if ((err as { code?: string }).code !== 'EngineBusy') throw err;
    return rt.status().engine ?? undefined;
  }
}

interface BatchOutcome {
  completed: number;
  failed: number;
  bars: number;
  problems: string[];
}

/**
 * Waits until every request of `correlationId` has an outcome event. If the process
 * holding the pipeline exits first, this one takes over and runs it.
 */
async function waitForBatches(
  session: PipelineSession,
  io: CommandIO,
  tally: ReturnType<typeof newTally>,
  base: Baseline,
  correlationId: string,
  expected: number,
): Promise<BatchOutcome | undefined> {
  const { rt } = session;
  const outcome: BatchOutcome = { completed: 0, failed: 0, bars: 0, problems: [] };
  const done = new Set<string>();
  let seq = base.eventSeq;
  while (!io.signal.aborted) {
    for (const e of rt.eventLog.after(seq)) {
      seq = e.seq;
      const d = (e.envelope.detail ?? {}) as Record<string, unknown>;
      if (d.correlationId !== correlationId) continue;
      if (e.detailType === 'Ingestion Batch Completed') {
        outcome.completed++;
        outcome.bars += Number(d.bars ?? 0);
        done.add(String(d.requestId));
      }
      if (e.detailType === 'Ingestion Batch Failed') {
        outcome.failed++;
        const err = d.error as { code?: string; message?: string } | undefined;
        outcome.problems.push(
          `ingestion of ${(d.symbols as string[] | undefined)?.join(',')} failed: ${err?.code}: ${err?.message}`,
        );
        done.add(String(d.requestId));
      }
    }
    if (done.size >= expected) return outcome;
    if (!tryLockEngine(rt)) {
      io.stderr('the pipeline is free now: running it here\n');
      await drainWithProgress(rt, io, tally, base, { correlationId });
      continue;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return undefined;
}

const renderOutcome = (o: BatchOutcome): string =>
  `${[
    `ingestion   ${o.completed} batch(es) completed (${o.bars.toLocaleString('en-US')} bars), ${o.failed} failed`,
    ...o.problems.map((p) => `  !! ${p}`),
  ].join('\n')}\n`;

/** The option a watchlist field came from, to name it in errors. */
const FLAG: Record<string, string> = {
  symbols: '--symbols',
  interval: '--interval',
  lookbackDays: '--lookback-days',
};

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} must be a positive whole number, not "${v}"`);
  return n;
}
