/**
 * The ingestion logic, free of runtime: fetch bars for one request, write them to the
 * raw zone as NDJSON (one object per symbol, interval and UTC day), advance each
 * symbol's high-water mark after its object is written, and report what happened.
 */
import {
  AppError,
  type Clock,
  type Logger,
  type MarketDataSource,
  type ObjectStore,
  type SourceBar,
} from '@ohlcv/core';
import {
  type IngestionBatchCompletedDetail,
  type IngestionBatchFailedDetail,
  type IngestionRequestedDetail,
  SCHEMA_VERSION,
} from '@ohlcv/events';
import {
  canonicalBar,
  type Interval,
  intervalMs,
  isInSession,
  rawObjectKey,
  toNdjson,
} from '@ohlcv/twelvedata';
import { advanceIngestionState, type IngestionState, readIngestionState } from './state.ts';

const DAY = 86_400_000;
export const DEFAULT_LOOKBACK_DAYS = 5;

export interface IngestionProgress {
  requestId: string;
  symbol: string;
  /** Objects and bars written so far for this request. */
  objects: number;
  bars: number;
  symbolsDone: number;
  symbolsTotal: number;
}

export interface IngestDeps {
  store: ObjectStore;
  source: MarketDataSource;
  clock: Clock;
  logger: Logger;
  onProgress?: (p: IngestionProgress) => void;
}

export interface IngestOutcome {
  /** Present when at least one symbol came back (possibly with no new bars). */
  completed?: IngestionBatchCompletedDetail;
  /** One per symbol the source refused (unknown symbol and the like). */
  failed: IngestionBatchFailedDetail[];
  /**
   * Per symbol that came back while its market is in session: the newest bar stored so
   * far (UTC ISO). Outside the session no new bars are expected, so there is no age to watch.
   */
  latestBarTs: Record<string, string>;
}

/** `2024-03-15` as an end means "through that day"; as a start, "from its first instant". */
export function resolveRange(
  detail: Pick<IngestionRequestedDetail, 'start' | 'end' | 'lookbackDays'>,
  now: Date,
): { start: number; end: number } {
  const dateOnly = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);
  let end = now.getTime();
  if (detail.end !== undefined)
    end =
      Date.parse(dateOnly(detail.end) ? `${detail.end}T00:00:00Z` : detail.end) +
      (dateOnly(detail.end) ? DAY : 0);
  end = Math.min(end, now.getTime());
  const start =
    detail.start !== undefined
      ? Date.parse(dateOnly(detail.start) ? `${detail.start}T00:00:00Z` : detail.start)
      : end - (detail.lookbackDays ?? DEFAULT_LOOKBACK_DAYS) * DAY;
  if (!Number.isFinite(start) || !Number.isFinite(end)) {
    throw new AppError('InvalidIngestionRange', `unreadable range ${detail.start} .. ${detail.end}`);
  }
  return { start, end };
}

function groupByUtcDate(bars: readonly SourceBar[]): Map<string, SourceBar[]> {
  const out = new Map<string, SourceBar[]>();
  for (const b of bars) {
    const d = b.ts.slice(0, 10);
    const list = out.get(d);
    if (list) list.push(b);
    else out.set(d, [b]);
  }
  return out;
}

export async function ingestRequest(
  detail: IngestionRequestedDetail,
  deps: IngestDeps,
): Promise<IngestOutcome> {
  const now = deps.clock.now();
  const ingestedAt = now.toISOString();
  const interval = detail.interval as Interval;
  const { start, end } = resolveRange(detail, now);
  const log = { correlationId: detail.correlationId, requestId: detail.requestId };

  // Per-symbol start: after the newest stored bar when incremental.
  const states = new Map<string, IngestionState | undefined>();
  const startOf = new Map<string, number>();
  for (const symbol of detail.symbols) {
    const state = await readIngestionState(deps.store, symbol, interval);
    states.set(symbol, state);
    const after = detail.incremental && state ? Date.parse(state.lastTs) + 1 : Number.NEGATIVE_INFINITY;
    startOf.set(symbol, Math.max(start, after));
  }
  const fetchStart = Math.min(...startOf.values());

  const objects: { key: string; rows: number }[] = [];
  let bars = 0;
  let from: string | undefined;
  let to: string | undefined;
  const failed: IngestionBatchFailedDetail[] = [];
  const okSymbols: string[] = [];
  const latestBarTs: Record<string, string> = {};
  let done = 0;
  const report = (symbol: string): void =>
    deps.onProgress?.({
      requestId: detail.requestId,
      symbol,
      objects: objects.length,
      bars,
      symbolsDone: done,
      symbolsTotal: detail.symbols.length,
    });

  if (fetchStart >= end) {
    deps.logger.info('ingestion up to date', { ...log, symbols: detail.symbols.length });
    // Nothing newer can exist yet: fresh by definition, so no freshness point either.
    okSymbols.push(...detail.symbols);
  } else {
    const results = await deps.source.fetchBars({
      symbols: detail.symbols,
      interval,
      start: new Date(fetchStart),
      end: new Date(end),
    });
    // A bar still forming (its interval not over) would be frozen half-built by the
    // high-water mark: leave it for the next run.
    const closedBefore = now.getTime() - intervalMs[interval];
    for (const r of results) {
      if (!r.ok) {
        failed.push({
          schemaVersion: SCHEMA_VERSION,
          correlationId: detail.correlationId,
          requestId: detail.requestId,
          symbols: [r.symbol],
          interval: detail.interval,
          error: r.error,
        });
        deps.logger.warn('symbol failed', { ...log, symbol: r.symbol, code: r.error.code });
        continue;
      }
      okSymbols.push(r.symbol);
      const symbolStart = startOf.get(r.symbol) ?? start;
      const fresh = r.series.bars.filter((b) => {
        const t = Date.parse(b.ts);
        return t >= symbolStart && t < end && t <= closedBefore;
      });
      let state = states.get(r.symbol);
      for (const [date, dayBars] of groupByUtcDate(fresh)) {
        const first = dayBars[0]!;
        const last = dayBars[dayBars.length - 1]!;
        const key = rawObjectKey({ symbol: r.symbol, interval, date, fromTs: first.ts, toTs: last.ts });
        const rows = dayBars.map((b) => canonicalBar(r.series.instrument, interval, b, ingestedAt));
        await deps.store.put(key, toNdjson(rows), { contentType: 'application/x-ndjson' });
        state = await advanceIngestionState(deps.store, state, {
          schemaVersion: 1,
          symbol: r.symbol,
          interval,
          lastTs: last.ts,
          lastObjectKey: key,
          updatedAt: ingestedAt,
        });
        objects.push({ key, rows: rows.length });
        bars += rows.length;
        if (from === undefined || first.ts < from) from = first.ts;
        if (to === undefined || last.ts > to) to = last.ts;
        report(r.symbol);
      }
      if (state && isInSession(r.series.instrument, r.series.exchangeTimezone, deps.clock.now().getTime()))
        latestBarTs[r.symbol] = state.lastTs;
      done++;
      report(r.symbol);
    }
  }

  deps.logger.info('ingestion request done', {
    ...log,
    objects: objects.length,
    bars,
    failed: failed.length,
  });
  const completed: IngestionBatchCompletedDetail | undefined =
    okSymbols.length > 0
      ? {
          schemaVersion: SCHEMA_VERSION,
          correlationId: detail.correlationId,
          requestId: detail.requestId,
          symbols: okSymbols,
          interval: detail.interval,
          objects,
          bars,
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
        }
      : undefined;
  return { ...(completed ? { completed } : {}), failed, latestBarTs };
}
