/** Twelve Data series -> the canonical bar of the raw zone (DESIGN.md, "Data contracts"). */
import type { Instrument, SourceBar } from '@ohlcv/core';
import type { Interval, OkSeries, TimeSeriesMeta } from './client/schemas.ts';
import { isIntraday } from './client/schemas.ts';
import { parseWallTime, wallSeriesToUtc } from './time.ts';

export interface CanonicalBar extends Instrument, SourceBar {
  interval: string;
  source: 'twelvedata';
  ingested_at: string;
}

const quoteCurrency = (symbol: string): string | null => {
  const pair = symbol.split(':')[0]!.split('/');
  return pair.length === 2 && pair[1] ? pair[1] : null;
};

export function instrumentFromMeta(meta: TimeSeriesMeta, requestedSymbol: string): Instrument {
  return {
    // The requested spelling is the identity we key on; meta may drop an `:EXCHANGE` suffix.
    symbol: requestedSymbol,
    exchange: meta.exchange ?? '',
    mic_code: meta.mic_code ?? null,
    currency: meta.currency ?? quoteCurrency(meta.symbol) ?? null,
    instrument_type: meta.type ?? null,
  };
}

/** Forex and crypto come in UTC; others in `exchange_timezone` (default UTC when absent). */
export const seriesTimeZone = (meta: TimeSeriesMeta): string => meta.exchange_timezone || 'UTC';

/**
 * Values (either order) -> ascending, de-duplicated bars in UTC. Intraday wall times are
 * converted with the exchange's zone; daily and longer bars keep their trading date at
 * 00:00Z, since they label a session rather than an instant.
 */
export function toSourceBars(series: OkSeries, interval: Interval): SourceBar[] {
  const values = [...series.values].sort((a, b) =>
    a.datetime < b.datetime ? -1 : a.datetime > b.datetime ? 1 : 0,
  );
  let times: number[];
  if (isIntraday(interval)) {
    times = wallSeriesToUtc(
      values.map((v) => v.datetime),
      seriesTimeZone(series.meta),
    );
  } else {
    times = values.map((v) => {
      const ms = parseWallTime(v.datetime.slice(0, 10));
      if (ms === undefined) throw new Error(`malformed datetime: ${v.datetime}`);
      return ms;
    });
  }
  const out: SourceBar[] = [];
  let prev = Number.NEGATIVE_INFINITY;
  values.forEach((v, i) => {
    const t = times[i]!;
    if (t <= prev) return;
    prev = t;
    out.push({
      ts: new Date(t).toISOString(),
      open: Number(v.open),
      high: Number(v.high),
      low: Number(v.low),
      close: Number(v.close),
      volume: v.volume === undefined ? null : Number(v.volume),
    });
  });
  return out;
}

export function canonicalBar(
  instrument: Instrument,
  interval: string,
  bar: SourceBar,
  ingestedAt: string,
): CanonicalBar {
  return {
    symbol: instrument.symbol,
    exchange: instrument.exchange,
    mic_code: instrument.mic_code,
    currency: instrument.currency,
    instrument_type: instrument.instrument_type,
    interval,
    ts: bar.ts,
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
    source: 'twelvedata',
    ingested_at: ingestedAt,
  };
}

export const toNdjson = (rows: readonly object[]): string =>
  rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
