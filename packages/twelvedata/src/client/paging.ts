/**
 * Paging a long range: which wall-clock window to ask for (the exchange's zone once it is
 * known, a window wide enough for any zone before), and walking one symbol backwards by
 * `end_date` until the start of the range is covered. No I/O: the next page is fetched by
 * the caller's `fetchOlder`.
 */
import type { FetchBarsRequest, InstrumentSeries, SourceBar } from '@ohlcv/core';
import { instrumentFromMeta, toSourceBars } from '../normalize.ts';
import { formatWallTime } from '../time.ts';
import type { Interval, OkSeries } from './schemas.ts';

const WIDEN_MS = 14 * 3_600_000;

export type RangeParams = Record<'interval' | 'start_date' | 'end_date' | 'outputsize', string>;

/** `/time_series` parameters for [start, end) of `symbols`, given the zones learnt so far. */
export function rangeParams(
  zones: ReadonlyMap<string, string>,
  outputsize: number,
  symbols: readonly string[],
  interval: Interval,
  start: number,
  end: number,
): RangeParams {
  const known = symbols.map((s) => zones.get(s));
  const zone = known[0];
  if (zone !== undefined && known.every((z) => z === zone)) {
    return {
      interval,
      start_date: formatWallTime(start, zone),
      end_date: formatWallTime(end, zone),
      outputsize: String(outputsize),
    };
  }
  // Zone not known yet: no exchange is more than 14 h off UTC, so this window, read in
  // any zone, covers the range; the bars are filtered in UTC afterwards.
  return {
    interval,
    start_date: formatWallTime(start - WIDEN_MS, 'UTC'),
    end_date: formatWallTime(end + WIDEN_MS, 'UTC'),
    outputsize: String(outputsize),
  };
}

/**
 * Pages one symbol backwards by end_date (overlapping one bar) until `start` is covered;
 * answers the bars within [start, end), ascending and unique.
 */
export async function pageBack(
  symbol: string,
  first: OkSeries,
  req: FetchBarsRequest,
  outputsize: number,
  /** The page ending at `oldestLocal` (the oldest wall time seen), or undefined when none. */
  fetchOlder: (oldestLocal: string) => Promise<OkSeries | undefined>,
): Promise<InstrumentSeries> {
  const start = req.start.getTime();
  const byTs = new Map<string, SourceBar>();
  let page: OkSeries | undefined = first;
  const instrument = instrumentFromMeta(first.meta, symbol);
  let pages = 0;
  while (page) {
    pages++;
    const bars = toSourceBars(page, req.interval);
    let added = 0;
    for (const b of bars) {
      if (!byTs.has(b.ts)) {
        byTs.set(b.ts, b);
        added++;
      }
    }
    const oldest = bars[0];
    if (page.values.length < outputsize || !oldest || added === 0 || Date.parse(oldest.ts) <= start) break;
    if (pages > 10_000) break;
    // The API prints wall times zero-padded, so the smallest string is the oldest bar.
    const oldestLocal: string = page.values.map((v) => v.datetime).sort()[0]!;
    page = await fetchOlder(oldestLocal);
  }
  const end = req.end.getTime();
  const bars = [...byTs.values()]
    .filter((b) => {
      const t = Date.parse(b.ts);
      return t >= start && t < end;
    })
    .sort((a, b) => (a.ts < b.ts ? -1 : 1));
  return { instrument, exchangeTimezone: first.meta.exchange_timezone, interval: req.interval, bars };
}
