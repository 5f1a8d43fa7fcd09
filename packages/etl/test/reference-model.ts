/**
 * An independent TypeScript model of the derived values (no SQL): dedupe, pct_change,
 * session vwap, hourly and daily rollups, daily and log returns. Tests compare the job
 * against it.
 */
export interface ModelBar {
  symbol: string;
  exchange: string;
  interval: string;
  ts: string; // 'YYYY-MM-DD HH:MM:SS' UTC
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number | null;
  ingested_at: string;
  raw_object: string;
  line: number;
}

const key = (b: ModelBar) => `${b.symbol}|${b.exchange}|${b.interval}|${b.ts}`;
const revision = (b: ModelBar) => [b.ingested_at, b.raw_object, String(b.line).padStart(9, '0')].join('|');
const groupBy = <T>(xs: T[], f: (x: T) => string): Map<string, T[]> => {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(f(x), [...(m.get(f(x)) ?? []), x]);
  return m;
};
const tp = (b: { high: number; low: number; close: number }) => (b.high + b.low + b.close) / 3;

export function modelBars(input: ModelBar[]) {
  const winners = [...groupBy(input, key).values()].map(
    (revs) => revs.sort((a, b) => (revision(a) < revision(b) ? 1 : -1))[0]!,
  );
  const out: Array<ModelBar & { pct_change: number | null; vwap: number | null; date: string }> = [];
  for (const series of groupBy(winners, (b) => `${b.symbol}|${b.exchange}|${b.interval}`).values()) {
    series.sort((a, b) => (a.ts < b.ts ? -1 : 1));
    let day = '';
    let pv = 0;
    let v = 0;
    series.forEach((b, i) => {
      const date = b.ts.slice(0, 10);
      if (date !== day) [day, pv, v] = [date, 0, 0];
      if (b.volume) [pv, v] = [pv + tp(b) * b.volume, v + b.volume];
      out.push({
        ...b,
        date,
        pct_change: i === 0 ? null : b.close / series[i - 1]!.close - 1,
        vwap: !b.volume ? null : pv / v,
      });
    });
  }
  return out;
}

export function modelRollup(bars: ModelBar[], period: (b: ModelBar) => string) {
  return [...groupBy(bars, (b) => `${b.symbol}|${b.exchange}|${b.interval}|${period(b)}`).values()].map(
    (g) => {
      g.sort((a, b) => (a.ts < b.ts ? -1 : 1));
      const withVol = g.filter((b) => b.volume);
      const volumes = g.filter((b) => b.volume !== null);
      const sv = withVol.reduce((s, b) => s + b.volume!, 0);
      return {
        symbol: g[0]!.symbol,
        period: period(g[0]!),
        open: g[0]!.open,
        high: Math.max(...g.map((b) => b.high)),
        low: Math.min(...g.map((b) => b.low)),
        close: g[g.length - 1]!.close,
        volume: volumes.length ? volumes.reduce((s, b) => s + b.volume!, 0) : null,
        vwap: sv ? withVol.reduce((s, b) => s + tp(b) * b.volume!, 0) / sv : null,
        bar_count: g.length,
      };
    },
  );
}

export function modelDaily(bars: ModelBar[]) {
  const days = modelRollup(bars, (b) => b.ts.slice(0, 10));
  const out: Array<(typeof days)[number] & { daily_return: number | null; log_return: number | null }> = [];
  for (const series of groupBy(days, (d) => d.symbol).values()) {
    series.sort((a, b) => (a.period < b.period ? -1 : 1));
    series.forEach((d, i) => {
      const prev = series[i - 1];
      out.push({
        ...d,
        daily_return: prev ? d.close / prev.close - 1 : null,
        log_return: prev ? Math.log(d.close / prev.close) : null,
      });
    });
  }
  return out;
}
