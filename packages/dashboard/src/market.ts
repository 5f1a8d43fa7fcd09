/**
 * What the charts show, read through the result cache: the four registry series, the
 * candles of one symbol (1-minute, hourly, daily bars with VWAP), the rebased performance
 * of several symbols, and the default window — the latest dates that have data for the
 * current selection. Every statement is a registry query (`sql/queries/`) or one of the
 * dashboard's own (`packages/dashboard/sql/`, same header grammar, same binding): a
 * request only ever selects a query and binds parameters.
 */
import { fileURLToPath } from 'node:url';
import {
  getQuery,
  loadQueries,
  type ParamValue,
  type QueryDef,
  QueryParamError,
  resolveParams,
} from '@ohlcv/sql/queries';
import { type Limiter, limiter, ResultCache } from './cache.ts';
import { num } from './format.ts';
import { BadRequest, isCalendarDate, type Selection, selectionParams } from './series.ts';
import type { DashboardSource, QuerySession } from './source.ts';

export type Row = Readonly<Record<string, unknown>>;

export const INTERVALS = ['1min', '1h', '1day'] as const;
export type Interval = (typeof INTERVALS)[number];
export const isInterval = (s: string): s is Interval => (INTERVALS as readonly string[]).includes(s);

/** Dates in the default window per bar kind: enough candles to read, few enough to draw. */
export const WINDOW_DATES: Record<Interval, number> = { '1min': 2, '1h': 10, '1day': 120 };
/** The overview's daily charts and the performance chart: the last ten trading days. */
export const OVERVIEW_DATES = 10;

export const DASHBOARD_SQL_DIR = fileURLToPath(new URL('../sql/', import.meta.url));
export const dashboardQueries: ReadonlyMap<string, QueryDef> = new Map(
  loadQueries(DASHBOARD_SQL_DIR).map((q) => [q.name, q]),
);
const own = (name: string): QueryDef => {
  const q = dashboardQueries.get(name);
  if (!q) throw new Error(`dashboard query ${name} is missing from ${DASHBOARD_SQL_DIR}`);
  return q;
};

export interface Candle {
  /** UTC seconds for intraday bars, YYYY-MM-DD for daily ones (what lightweight-charts takes). */
  time: number | string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number | null;
  vwap: number | null;
}

export interface PerformanceLine {
  symbol: string;
  points: { time: string; value: number }[];
}

export interface Window {
  start: string;
  end: string;
  /** Whether the window was chosen from the data (no start/end given). */
  auto: boolean;
}

/**
 * Queries at once: a burst of distinct misses queues instead of opening a DuckDB session
 * each and thrashing a laptop's cores. One when queries share the kept session (one DuckDB
 * connection runs one statement at a time; each uses all cores itself), two otherwise.
 */
export const QUERY_CONCURRENCY = 2;

export class Market {
  private readonly limit: Limiter;

  constructor(
    private readonly source: DashboardSource,
    readonly cache: ResultCache = new ResultCache(),
    concurrency = source.openSession ? 1 : QUERY_CONCURRENCY,
  ) {
    this.limit = limiter(concurrency);
  }

  /**
   * One statement: in the session of the current catalog version when the source offers
   * sessions, else (or when the session fails: a file replaced under it, a schema that
   * differs) as a one-off query, which lists the partitions afresh and retries.
   */
  private async query(sql: string, params: Record<string, ParamValue>): Promise<Record<string, unknown>[]> {
    const version = this.source.catalogVersion?.();
    if (!this.source.openSession || version === undefined) return this.source.queryEngine.query(sql, params);
    const current = this.sessionFor(version);
    current.users += 1;
    try {
      return await (await current.session).query(sql, params);
    } catch {
      if (this.current === current) this.retire(current);
      return this.source.queryEngine.query(sql, params);
    } finally {
      current.users -= 1;
      if (current.retired && current.users === 0) closeQuietly(current.session);
    }
  }

  private current: SessionSlot | undefined;

  private sessionFor(version: string): SessionSlot {
    if (this.current && this.current.version === version) return this.current;
    if (this.current) this.retire(this.current);
    const opened = this.source.openSession?.() ?? Promise.reject(new Error('no sessions'));
    // A failed open is retried by the next query (the slot is retired), not cached.
    opened.catch(() => {
      if (this.current?.session === opened) this.current = undefined;
    });
    this.current = { version, session: opened, users: 0, retired: false };
    return this.current;
  }

  private retire(slot: SessionSlot): void {
    slot.retired = true;
    if (this.current === slot) this.current = undefined;
    if (slot.users === 0) closeQuietly(slot.session);
  }

  /** Closes the kept session (server shutdown). */
  close(): void {
    if (this.current) this.retire(this.current);
  }

  /** A value computed from query results, cached like them (e.g. a serialized answer). */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const version = this.source.catalogVersion?.();
    // Without a catalog version nothing can tell when a result went stale: no caching.
    return version === undefined ? compute() : this.cache.get(key, version, compute);
  }

  /** Rows of a query, resolved by the registry; bad values become 400s naming the parameter. */
  rows(def: QueryDef, given: Record<string, ParamValue>): Promise<readonly Row[]> {
    let params: Record<string, ParamValue>;
    try {
      params = resolveParams(def, given);
    } catch (err) {
      if (err instanceof QueryParamError) {
        const named = def.params.find((p) => err.message.includes(`parameter ${p.name}`))?.name;
        const unknown = Object.keys(given).find((k) => !def.params.some((p) => p.name === k));
        throw new BadRequest(unknown ?? named ?? '', err.message);
      }
      throw err;
    }
    for (const p of def.params) {
      const v = params[p.name];
      if (p.type === 'date' && typeof v === 'string' && v !== '' && !isCalendarDate(v)) {
        throw new BadRequest(p.name, `parameter ${p.name} must be a real calendar date, got "${v}"`);
      }
    }
    return this.memo(`q:${def.name}:${JSON.stringify(params)}`, () =>
      this.limit(() => this.query(def.sql, params)),
    );
  }

  /** One registry series for a selection: one query per selected symbol (or one for all). */
  async series(name: string, sel: Selection, extra: Record<string, ParamValue> = {}): Promise<Row[]> {
    const def = getQuery(name);
    const symbols = sel.symbols.length > 0 ? sel.symbols : [''];
    const parts = await Promise.all(
      symbols.map((s) =>
        this.rows(def, { ...selectionParams(name, { ...sel, symbols: s ? [s] : [] }), ...extra }),
      ),
    );
    return parts.flat();
  }

  /** Dates with data per bar kind for one symbol, or for all symbols (''). */
  async dataDates(symbol: string): Promise<Map<Interval, Map<string, Set<string>>>> {
    const rows = await this.rows(own('data_dates'), { symbol });
    const out = new Map<Interval, Map<string, Set<string>>>();
    for (const r of rows) {
      const kind = String(r.kind) as Interval;
      const day = String(r.day);
      const byDay = out.get(kind) ?? new Map<string, Set<string>>();
      const who = byDay.get(day) ?? new Set<string>();
      who.add(String(r.symbol ?? symbol));
      byDay.set(day, who);
      out.set(kind, byDay);
    }
    return out;
  }

  /**
   * The default window: the last `count` dates on which more than half of the selected
   * symbols have bars of that kind (all symbols when none is selected). So one symbol whose
   * file reaches a year further does not push everyone else off the chart; when no date
   * has a majority (symbols with disjoint histories), the last dates of any of them.
   */
  async defaultWindow(symbols: readonly string[], kind: Interval, count: number): Promise<Window | null> {
    const perSymbol =
      symbols.length === 0
        ? [await this.dataDatesAll()]
        : await Promise.all(symbols.map((s) => this.dataDates(s)));
    const counts = new Map<string, Set<string>>();
    for (const dates of perSymbol) {
      for (const [day, who] of dates.get(kind) ?? []) {
        const set = counts.get(day) ?? new Set<string>();
        for (const w of who) set.add(w);
        counts.set(day, set);
      }
    }
    if (counts.size === 0) return null;
    const population = new Set([...counts.values()].flatMap((s) => [...s])).size;
    const days = [...counts.keys()].sort();
    const majority = days.filter((d) => (counts.get(d)?.size ?? 0) * 2 > population);
    const chosen = (majority.length > 0 ? majority : days).slice(-count);
    return { start: chosen[0] ?? '', end: chosen.at(-1) ?? '', auto: true };
  }

  /** All symbols' dates in one query (the symbol column tells whose). */
  private async dataDatesAll(): Promise<Map<Interval, Map<string, Set<string>>>> {
    const rows = await this.rows(own('data_dates_all'), {});
    const out = new Map<Interval, Map<string, Set<string>>>();
    for (const r of rows) {
      const kind = String(r.kind) as Interval;
      const byDay = out.get(kind) ?? new Map<string, Set<string>>();
      const who = byDay.get(String(r.day)) ?? new Set<string>();
      who.add(String(r.symbol));
      byDay.set(String(r.day), who);
      out.set(kind, byDay);
    }
    return out;
  }

  /** The candles of one symbol, oldest first, one per time. */
  async candles(symbol: string, interval: Interval, start: string, end: string): Promise<Candle[]> {
    const rows = await this.rows(own(`candles_${interval}`), { symbol, start_date: start, end_date: end });
    const out: Candle[] = [];
    let last: number | string | undefined;
    for (const r of rows) {
      const time = interval === '1day' ? String(r.ts).slice(0, 10) : utcSeconds(String(r.ts));
      // Two roll-ups of one hour or day (bars of two intervals): the first, finer one wins.
      if (time === last) continue;
      const open = num(r.open);
      const high = num(r.high);
      const low = num(r.low);
      const close = num(r.close);
      if (open === null || high === null || low === null || close === null) continue;
      out.push({ time, open, high, low, close, volume: num(r.volume), vwap: num(r.vwap) });
      last = time;
    }
    return out;
  }

  /** Closes rebased to 100 at each symbol's first day in the range (registry `daily_returns`). */
  async performance(sel: Selection): Promise<PerformanceLine[]> {
    const rows = await this.series('daily_returns', sel);
    const lines = new Map<string, PerformanceLine>();
    for (const r of rows) {
      const cum = num(r.cumulative_return);
      if (cum === null) continue;
      const symbol = String(r.symbol);
      const line = lines.get(symbol) ?? { symbol, points: [] };
      line.points.push({ time: String(r.trade_date).slice(0, 10), value: 100 * (1 + cum) });
      lines.set(symbol, line);
    }
    return [...lines.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
  }
}

interface SessionSlot {
  version: string;
  session: Promise<QuerySession>;
  /** Queries running in it; a retired session closes when the last one ends. */
  users: number;
  retired: boolean;
}

function closeQuietly(session: Promise<QuerySession>): void {
  session.then(
    (s) => s.close(),
    () => {},
  );
}

/** DuckDB's `2024-03-06 14:30:00` (UTC) as epoch seconds. */
export function utcSeconds(ts: string): number {
  const iso = ts.includes('T') ? ts : ts.replace(' ', 'T');
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (!Number.isFinite(ms)) throw new Error(`not a timestamp: ${ts}`);
  return Math.round(ms / 1000);
}
