/**
 * Deterministic synthetic bars. Prices follow a seeded random walk that does not depend on
 * the range asked (a bar is the same in every page and every run): one anchor per UTC day
 * from a daily walk, a per-minute Brownian bridge between consecutive anchors.
 */
import type { Interval } from '../client/schemas.ts';
import { formatWallTime, zoneOffsetMs } from '../time.ts';
import { hash32, type SyntheticInstrument } from './instruments.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const EPOCH_DAY = Date.UTC(2015, 0, 1) / DAY;
const NY = 'America/New_York';

/** Deterministic standard normal from integer coordinates (Box-Muller on a hash). */
function gauss(a: number, b: number, c: number): number {
  let x =
    (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x27d4eb2f, 0xc2b2ae35) ^ (c * 0x165667b1)) >>> 0;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return (x + 1) / 4_294_967_297;
  };
  next();
  return Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
}

export interface MinuteBar {
  t: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export class SyntheticMarket {
  private readonly anchors = new Map<string, number[]>();
  private readonly paths = new Map<string, Float64Array>();
  private readonly offsetCache = new Map<number, number>();
  private readonly keys = new Map<string, number>();
  private last: { symbol: string; day: number; path: Float64Array } | undefined;

  constructor(private readonly seed: number) {}

  private key(inst: SyntheticInstrument): number {
    let k = this.keys.get(inst.meta.symbol);
    if (k === undefined) {
      k = hash32(`${this.seed}:${inst.meta.symbol}`);
      this.keys.set(inst.meta.symbol, k);
    }
    return k;
  }

  /** Log price at 00:00Z of `day` (days since 1970). */
  private anchor(inst: SyntheticInstrument, day: number): number {
    const k = this.key(inst);
    let list = this.anchors.get(inst.meta.symbol);
    if (!list) {
      list = [Math.log(inst.basePrice)];
      this.anchors.set(inst.meta.symbol, list);
    }
    const idx = Math.max(0, day - EPOCH_DAY);
    while (list.length <= idx) {
      const i = list.length;
      // Mean-reverting in log space so prices stay plausible over decades.
      const prev = list[i - 1]!;
      const pull = 0.002 * (Math.log(inst.basePrice) - prev);
      list.push(prev + pull + inst.dailyVol * gauss(k, i, 1));
    }
    return list[idx]!;
  }

  private path(inst: SyntheticInstrument, day: number): Float64Array {
    const last = this.last;
    if (last && last.day === day && last.symbol === inst.meta.symbol) return last.path;
    const id = `${inst.meta.symbol}|${day}`;
    let p = this.paths.get(id);
    if (p) {
      this.last = { symbol: inst.meta.symbol, day, path: p };
      return p;
    }
    if (this.paths.size > 20_000) this.paths.clear();
    const k = this.key(inst);
    const a0 = this.anchor(inst, day);
    const a1 = this.anchor(inst, day + 1);
    const sigma = inst.dailyVol / Math.sqrt(1440);
    p = new Float64Array(1441);
    p[0] = a0;
    for (let i = 1; i <= 1440; i++) p[i] = p[i - 1]! + sigma * gauss(k, day, 1000 + i);
    const miss = a1 - p[1440]!;
    for (let i = 1; i <= 1440; i++) p[i] = p[i]! + (miss * i) / 1440;
    this.paths.set(id, p);
    this.last = { symbol: inst.meta.symbol, day, path: p };
    return p;
  }

  private nyOffset(t: number): number {
    const hour = Math.floor(t / 3_600_000);
    let o = this.offsetCache.get(hour);
    if (o === undefined) {
      o = zoneOffsetMs(hour * 3_600_000, NY);
      this.offsetCache.set(hour, o);
    }
    return o;
  }

  /** Is the market open for the minute starting at `t`? */
  isOpen(inst: SyntheticInstrument, t: number): boolean {
    if (inst.assetClass === 'crypto') return true;
    const wall = t + this.nyOffset(t);
    const dow = new Date(wall).getUTCDay();
    const minuteOfDay = Math.floor((wall % DAY) / MIN);
    if (inst.assetClass === 'forex') {
      // Sunday 17:00 to Friday 17:00 New York time.
      if (dow === 6) return false;
      if (dow === 5) return minuteOfDay < 17 * 60;
      if (dow === 0) return minuteOfDay >= 17 * 60;
      return true;
    }
    if (dow === 0 || dow === 6) return false;
    return minuteOfDay >= 9 * 60 + 30 && minuteOfDay < 16 * 60;
  }

  minuteBar(inst: SyntheticInstrument, t: number): MinuteBar {
    const day = Math.floor(t / DAY);
    const i = Math.floor((t - day * DAY) / MIN);
    const p = this.path(inst, day);
    const open = Math.exp(p[i]!);
    const close = Math.exp(p[i + 1]!);
    const k = this.key(inst);
    const wiggle = (inst.dailyVol / Math.sqrt(1440)) * 0.6;
    const high = Math.max(open, close) * Math.exp(Math.abs(gauss(k, day, 5000 + i)) * wiggle);
    const low = Math.min(open, close) * Math.exp(-Math.abs(gauss(k, day, 9000 + i)) * wiggle);
    let volume = 0;
    if (inst.minuteVolume > 0) {
      let shape = 1;
      if (inst.assetClass === 'equity') {
        // U-shaped: heavy at the open and into the close, quiet at lunch.
        const wall = t + this.nyOffset(t);
        const x = ((wall % DAY) / MIN - 570) / 390;
        shape = 0.45 + 2.6 * (x - 0.5) ** 2 * 4 * 0.5 + (x > 0.97 ? 1.5 : 0);
      } else {
        shape = 0.7 + 0.5 * Math.sin((2 * Math.PI * i) / 1440 - 1);
      }
      volume = Math.round(inst.minuteVolume * shape * Math.exp(0.35 * gauss(k, day, 13000 + i)));
    }
    return { t, open, high, low, close, volume };
  }

  /** Start of the bar holding minute `t`, aligned like the exchange aligns it. */
  bucketStart(inst: SyntheticInstrument, t: number, interval: Interval): number {
    const n = intervalMinutes(interval);
    if (n === undefined) throw new Error('bucketStart is for intraday intervals');
    if (inst.assetClass === 'equity') {
      // Intraday equity bars start at the 09:30 open (10:30, 11:30 ... for 1h).
      const off = this.nyOffset(t);
      const wall = t + off;
      const open = Math.floor(wall / DAY) * DAY + 570 * MIN;
      return open + Math.floor((wall - open) / (n * MIN)) * n * MIN - off;
    }
    return Math.floor(t / (n * MIN)) * n * MIN;
  }

  /** Wall-clock label of the bar in the series' zone, the way the API prints it. */
  label(t: number, interval: Interval, timeZone: string): string {
    if (intervalMinutes(interval) === undefined) return new Date(t).toISOString().slice(0, 10);
    return formatWallTime(t, timeZone);
  }
}

export function intervalMinutes(interval: Interval): number | undefined {
  const m: Partial<Record<Interval, number>> = {
    '1min': 1,
    '5min': 5,
    '15min': 15,
    '30min': 30,
    '45min': 45,
    '1h': 60,
    '2h': 120,
    '4h': 240,
    '8h': 480,
  };
  return m[interval];
}
