/** The watchlist (what to ingest) and the scheduler's fan-out into request messages. */
import type { Clock } from '@ohlcv/core';
import { type IngestionRequestedDetail, intervalSchema, SCHEMA_VERSION, symbolsSchema } from '@ohlcv/events';
import { z } from 'zod';

export const watchlistSchema = z.object({
  symbols: z.array(z.string().trim().min(1).max(64)).min(1),
  interval: intervalSchema.default('1min'),
  /** How far back a first (or non-incremental) run reaches. */
  lookbackDays: z.number().int().positive().max(3650).default(5),
});
export type Watchlist = z.infer<typeof watchlistSchema>;

/** The demo watchlist: 8 US equities, 2 crypto pairs, 2 forex pairs. */
export const DEMO_WATCHLIST: Watchlist = watchlistSchema.parse({
  symbols: [
    'AAPL',
    'MSFT',
    'AMZN',
    'GOOGL',
    'META',
    'NVDA',
    'TSLA',
    'JPM',
    'BTC/USD',
    'ETH/USD',
    'EUR/USD',
    'GBP/USD',
  ],
  interval: '1min',
  lookbackDays: 5,
});

export const DEFAULT_BATCH_SIZE = 8;

export interface PlanInput {
  watchlist: Watchlist;
  /** Symbols per message (and per batch request: one credit each). */
  batchSize?: number;
  correlationId: string;
  clock: Clock;
  /** Explicit range (the CLI's `--start/--end`); otherwise look back from now. */
  start?: string;
  end?: string;
  incremental?: boolean;
}

/**
 * One `Ingestion Requested` detail per batch of symbols. Request ids derive from the
 * correlation id and the batch's position, so re-planning the same run names the same work.
 */
export function planIngestionRequests(input: PlanInput): IngestionRequestedDetail[] {
  const wl = watchlistSchema.parse(input.watchlist);
  const size = Math.max(1, Math.min(input.batchSize ?? DEFAULT_BATCH_SIZE, 120));
  const symbols = [...new Set(wl.symbols)];
  const explicit = input.start !== undefined || input.end !== undefined;
  const out: IngestionRequestedDetail[] = [];
  for (let i = 0; i < symbols.length; i += size) {
    const batch = symbolsSchema.parse(symbols.slice(i, i + size));
    const range = explicit
      ? {
          ...(input.start !== undefined ? { start: input.start } : { lookbackDays: wl.lookbackDays }),
          ...(input.end !== undefined ? { end: input.end } : {}),
        }
      : { end: input.clock.now().toISOString(), lookbackDays: wl.lookbackDays };
    const detail: IngestionRequestedDetail = {
      schemaVersion: SCHEMA_VERSION,
      correlationId: input.correlationId,
      requestId: `${input.correlationId}:${out.length + 1}`,
      symbols: batch,
      interval: wl.interval,
      ...range,
      incremental: input.incremental ?? !explicit,
    };
    out.push(detail);
  }
  return out;
}
