/**
 * The four dashboard series: registry queries only, parameters checked by the registry's
 * `resolveParams` and bound by the query engine — a request never adds SQL text.
 */
import type { ParamValue } from '@ohlcv/sql/queries';

export const DASHBOARD_SERIES = [
  'daily_price_change',
  'daily_volume',
  'monthly_volume',
  'price_vs_volume',
] as const;
export type SeriesName = (typeof DASHBOARD_SERIES)[number];

export const isSeriesName = (name: string): name is SeriesName =>
  (DASHBOARD_SERIES as readonly string[]).includes(name);

/** The selection shared by every chart on a page: `?symbol=A&symbol=B&start=&end=`. */
export interface Selection {
  /** Empty means every symbol. */
  symbols: string[];
  start: string;
  end: string;
}

export class BadRequest extends Error {
  override name = 'BadRequest';
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_SYMBOL = 64;
/** Symbols compared at once: each costs a query when not cached, and a line on the chart. */
export const MAX_SELECTED = 20;

/** A YYYY-MM-DD string naming a real calendar day. */
export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const PAGE_PARAMS = ['symbol', 'start', 'end'] as const;

/** The one value of a parameter that may be given once; more is a 400 naming it. */
export function single(query: URLSearchParams, k: string): string {
  const all = query.getAll(k);
  if (all.length > 1) throw new BadRequest(k, `parameter ${k} is given ${all.length} times`);
  return (all[0] ?? '').trim();
}

/**
 * Reads and checks the page selection; unknown parameters are an error too. `symbol` may
 * repeat (up to MAX_SELECTED, duplicates dropped, order kept); `single` allows one only.
 */
export function parseSelection(
  query: URLSearchParams,
  opts: { allowExtra?: readonly string[]; singleSymbol?: boolean } = {},
): Selection {
  const allowExtra = opts.allowExtra ?? [];
  for (const key of query.keys()) {
    if (!(PAGE_PARAMS as readonly string[]).includes(key) && !allowExtra.includes(key)) {
      throw new BadRequest(
        key,
        `unknown parameter ${key}; accepted: ${[...PAGE_PARAMS, ...allowExtra].join(', ')}`,
      );
    }
  }
  const given = query.getAll('symbol').map((s) => s.trim());
  if (opts.singleSymbol && given.length > 1) {
    throw new BadRequest('symbol', `parameter symbol is given ${given.length} times; this page shows one`);
  }
  const symbols = [...new Set(given.filter((s) => s !== ''))];
  if (symbols.some((s) => s.length > MAX_SYMBOL)) {
    throw new BadRequest('symbol', `parameter symbol is longer than ${MAX_SYMBOL} characters`);
  }
  if (symbols.length > MAX_SELECTED) {
    throw new BadRequest(
      'symbol',
      `parameter symbol is given ${symbols.length} times; at most ${MAX_SELECTED}`,
    );
  }
  const sel = { symbols, start: single(query, 'start'), end: single(query, 'end') };
  for (const k of ['start', 'end'] as const) {
    if (sel[k] !== '' && !isCalendarDate(sel[k])) {
      throw new BadRequest(k, `parameter ${k} must be a YYYY-MM-DD date, got "${sel[k]}"`);
    }
  }
  if (sel.start && sel.end && sel.start > sel.end) {
    throw new BadRequest('end', `parameter end (${sel.end}) is before start (${sel.start})`);
  }
  return sel;
}

/**
 * The registry parameters a selection of at most one symbol means for one query (empty
 * fields keep the defaults); several symbols are one query each (see Market.series).
 */
export function selectionParams(name: string, sel: Selection): Record<string, ParamValue> {
  const given: Record<string, ParamValue> = {};
  if (sel.symbols.length > 1) throw new Error(`selectionParams takes one symbol, got ${sel.symbols.length}`);
  if (sel.symbols[0]) given.symbol = sel.symbols[0];
  if (name === 'monthly_volume') {
    if (sel.start) given.start_month = sel.start.slice(0, 7);
    if (sel.end) given.end_month = sel.end.slice(0, 7);
  } else {
    if (sel.start) given.start_date = sel.start;
    if (sel.end) given.end_date = sel.end;
  }
  return given;
}
