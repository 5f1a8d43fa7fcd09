import fs from 'node:fs/promises';
import path from 'node:path';
import {
  DEFAULT_BATCH_SIZE,
  fanOutIngestion,
  type Watchlist,
  watchlistSchema,
} from '@ohlcv/service-ingestion';
import { formatOf, parse, toJson } from '../args.ts';
import { type Command, UsageError } from '../command.ts';
import { drainWithProgress, newTally, recordProgress, renderSummary } from '../pipeline-report.ts';
import { openPipeline } from '../pipeline-session.ts';

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
  --interval I               1min 5min 15min 30min 45min 1h 2h 4h 1day 1week 1month (default 1min)
  --start DATE, --end DATE   YYYY-MM-DD or ISO-8601 (UTC); --end DATE includes that day
  --lookback-days N          without --start: how far back a first run reaches (default 5)
  --batch-size N             symbols per request message (default ${DEFAULT_BATCH_SIZE})
  --credits-per-minute N     plan limit: the client throttles to it (and the embedded source enforces it)
  --format table|json        output of the final summary`;

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
        ?.map((i) => `${i.path.join('.') || 'watchlist'}: ${i.message}`)
        .join('; ');
      throw new UsageError(msg ?? `cannot read the watchlist: ${(err as Error).message}`);
    }
    for (const [name, v] of [
      ['--start', values.start],
      ['--end', values.end],
    ] as const) {
      if (v !== undefined && Number.isNaN(Date.parse(v)))
        throw new UsageError(`${name} "${v}" is not a date (YYYY-MM-DD or ISO-8601)`);
    }
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
      io.stderr(`market data: ${session.marketDataLabel}\n`);
      const { correlationId, messages } = await fanOutIngestion(
        { watchlist, batchSize, start: values.start, end: values.end },
        { sender: rt.queueSender, clock: rt.clock, ids: rt.ids },
      );
      io.stderr(
        `queued ${messages} ingestion request(s) for ${tally.symbolsTotal} symbol(s) (correlation id ${correlationId})\n`,
      );
      const summary = await drainWithProgress(rt, io, tally);
      const served = session.embedded?.stats();
      if (format === 'json') io.stdout(`${toJson({ correlationId, ...summary, source: served ?? null })}\n`);
      else {
        io.stdout(renderSummary(summary));
        if (served)
          io.stdout(
            `  source      ${served.requests} requests, ${served.credits} credits, ${served.rateLimited} answered 429, ${served.barsServed.toLocaleString('en-US')} bars served\n`,
          );
      }
      return io.signal.aborted ? 130 : summary.events['Ingestion Batch Failed'] ? 1 : 0;
    } finally {
      await session.close();
    }
  },
};

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} must be a positive whole number, not "${v}"`);
  return n;
}
