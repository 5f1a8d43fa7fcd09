/** Builds `/time_series` answers from the synthetic market, the way the API shapes them. */
import type { Interval, TimeSeriesValue } from '../client/schemas.ts';
import type { SyntheticInstrument } from './instruments.ts';
import { intervalMinutes, type MinuteBar, type SyntheticMarket } from './synthetic.ts';

const MIN = 60_000;
const DAY = 86_400_000;

export interface SeriesQuery {
  interval: Interval;
  /** UTC epoch ms, inclusive bounds. */
  start?: number;
  end: number;
  outputsize: number;
  timeZone: string;
  order: 'asc' | 'desc';
  /** The server's clock: minutes that have not happened yet do not exist. */
  now: number;
}

const price = (x: number, forex: boolean) => x.toFixed(forex ? 5 : 5);

function merge(acc: MinuteBar | undefined, m: MinuteBar, label: number): MinuteBar {
  // Walking backwards: the earlier minute's open wins, the later minute's close stays.
  if (!acc) return { ...m, t: label };
  return {
    t: label,
    open: m.open,
    close: acc.close,
    high: Math.max(acc.high, m.high),
    low: Math.min(acc.low, m.low),
    volume: acc.volume + m.volume,
  };
}

function toValue(
  market: SyntheticMarket,
  inst: SyntheticInstrument,
  bar: MinuteBar,
  q: SeriesQuery,
): TimeSeriesValue {
  const fx = inst.assetClass === 'forex';
  const v: TimeSeriesValue = {
    datetime: market.label(bar.t, q.interval, q.timeZone),
    open: price(bar.open, fx),
    high: price(bar.high, fx),
    low: price(bar.low, fx),
    close: price(bar.close, fx),
  };
  if (inst.minuteVolume > 0) v.volume = String(bar.volume);
  return v;
}

/** Newest-first bars in [start, end], at most `outputsize`. */
export function buildSeries(
  market: SyntheticMarket,
  inst: SyntheticInstrument,
  q: SeriesQuery,
): TimeSeriesValue[] {
  const n = intervalMinutes(q.interval);
  const start = q.start ?? Number.NEGATIVE_INFINITY;
  const bars: MinuteBar[] = [];
  // Give up after a long closed stretch so a query over a closed period ends quickly.
  const floor = Math.max(start, q.end - 400 * DAY);
  if (n !== undefined) {
    let m = Math.floor(market.bucketStart(inst, Math.floor(q.end / MIN) * MIN, q.interval) / MIN) * MIN;
    m += n * MIN - MIN;
    let acc: MinuteBar | undefined;
    let label = Number.NaN;
    for (; m >= floor - n * MIN && bars.length < q.outputsize; m -= MIN) {
      if (m + MIN > q.now || !market.isOpen(inst, m)) continue;
      const bs = market.bucketStart(inst, m, q.interval);
      if (bs !== label) {
        if (acc && label <= q.end && label >= start) bars.push(acc);
        acc = undefined;
        label = bs;
        if (bs < start) break;
      }
      acc = merge(acc, market.minuteBar(inst, m), bs);
    }
    if (acc && bars.length < q.outputsize && label <= q.end && label >= start) bars.push(acc);
  } else {
    let acc: MinuteBar | undefined;
    let label = Number.NaN;
    for (
      let day = Math.floor(q.end / DAY);
      day * DAY >= floor - 31 * DAY && bars.length < q.outputsize;
      day--
    ) {
      const d = dailyBar(market, inst, day);
      if (!d) continue;
      const bs = periodStart(day * DAY, q.interval);
      if (bs !== label) {
        if (acc && label <= q.end && label >= start) bars.push(acc);
        acc = undefined;
        label = bs;
        if (bs < start) break;
      }
      acc = merge(acc, d, bs);
    }
    if (acc && bars.length < q.outputsize && label <= q.end && label >= start) bars.push(acc);
  }
  const values = bars.map((b) => toValue(market, inst, b, q));
  return q.order === 'asc' ? values.reverse() : values;
}

function periodStart(dayMs: number, interval: Interval): number {
  const d = new Date(dayMs);
  if (interval === '1week') return dayMs - ((d.getUTCDay() + 6) % 7) * DAY;
  if (interval === '1month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return dayMs;
}

const dailyCache = new WeakMap<SyntheticMarket, Map<string, MinuteBar | null>>();

/** One session's bar, labelled with its trading date at 00:00Z; undefined when closed. */
function dailyBar(market: SyntheticMarket, inst: SyntheticInstrument, day: number): MinuteBar | undefined {
  let cache = dailyCache.get(market);
  if (!cache) {
    cache = new Map();
    dailyCache.set(market, cache);
  }
  const id = `${inst.meta.symbol}|${day}`;
  const hit = cache.get(id);
  if (hit !== undefined) return hit ?? undefined;
  // Equities trade 13:30-21:00Z (09:30-16:00 New York): the UTC day is the trading date.
  let acc: MinuteBar | undefined;
  for (let m = day * DAY + DAY - MIN; m >= day * DAY; m -= MIN) {
    if (market.isOpen(inst, m)) acc = merge(acc, market.minuteBar(inst, m), day * DAY);
  }
  cache.set(id, acc ?? null);
  return acc;
}
