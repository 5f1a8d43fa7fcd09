/**
 * The four dashboard series: registry queries only, parameters checked by the registry's
 * `resolveParams` and bound by the query engine — a request never adds SQL text.
 */
import { getQuery, type ParamValue, type QueryDef, QueryParamError, resolveParams } from '@ohlcv/sql/queries';
import type { DashboardSource } from './source.ts';

export const DASHBOARD_SERIES = [
  'daily_price_change',
  'daily_volume',
  'monthly_volume',
  'price_vs_volume',
] as const;
export type SeriesName = (typeof DASHBOARD_SERIES)[number];

export const isSeriesName = (name: string): name is SeriesName =>
  (DASHBOARD_SERIES as readonly string[]).includes(name);

/** The selection shared by every chart on a page: `?symbol=&start=&end=`. */
export interface Selection {
  symbol: string;
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

/** A YYYY-MM-DD string naming a real calendar day. */
export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const PAGE_PARAMS = ['symbol', 'start', 'end'] as const;

/** Reads and checks the page selection; unknown parameters are an error too. */
export function parseSelection(query: URLSearchParams, allowExtra: readonly string[] = []): Selection {
  for (const key of query.keys()) {
    if (!(PAGE_PARAMS as readonly string[]).includes(key) && !allowExtra.includes(key)) {
      throw new BadRequest(
        key,
        `unknown parameter ${key}; accepted: ${[...PAGE_PARAMS, ...allowExtra].join(', ')}`,
      );
    }
  }
  const one = (k: string): string => {
    const all = query.getAll(k);
    if (all.length > 1) throw new BadRequest(k, `parameter ${k} is given ${all.length} times`);
    return (all[0] ?? '').trim();
  };
  const sel = { symbol: one('symbol'), start: one('start'), end: one('end') };
  if (sel.symbol.length > MAX_SYMBOL) {
    throw new BadRequest('symbol', `parameter symbol is longer than ${MAX_SYMBOL} characters`);
  }
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

/** The registry parameters a selection means for one series (empty fields keep the defaults). */
export function selectionParams(name: SeriesName, sel: Selection): Record<string, ParamValue> {
  const given: Record<string, ParamValue> = {};
  if (sel.symbol) given.symbol = sel.symbol;
  if (name === 'monthly_volume') {
    if (sel.start) given.start_month = sel.start.slice(0, 7);
    if (sel.end) given.end_month = sel.end.slice(0, 7);
  } else {
    if (sel.start) given.start_date = sel.start;
    if (sel.end) given.end_date = sel.end;
  }
  return given;
}

/** Resolves through the registry; its errors name the parameter and become 400s. */
export function resolveSeries(
  name: SeriesName,
  given: Record<string, ParamValue>,
): { def: QueryDef; params: Record<string, ParamValue> } {
  const def = getQuery(name);
  try {
    const params = resolveParams(def, given);
    for (const p of def.params) {
      const v = params[p.name];
      if (p.type === 'date' && typeof v === 'string' && v !== '' && !isCalendarDate(v)) {
        throw new BadRequest(p.name, `parameter ${p.name} must be a real calendar date, got "${v}"`);
      }
    }
    return { def, params };
  } catch (err) {
    if (err instanceof QueryParamError) {
      const unknown = Object.keys(given).find((k) => !def.params.some((p) => p.name === k));
      const named = unknown ?? def.params.find((p) => err.message.includes(`parameter ${p.name}`))?.name;
      throw new BadRequest(named ?? '', err.message);
    }
    throw err;
  }
}

export async function runSeries(
  source: DashboardSource,
  name: SeriesName,
  given: Record<string, ParamValue>,
): Promise<{ def: QueryDef; params: Record<string, ParamValue>; rows: Record<string, unknown>[] }> {
  const { def, params } = resolveSeries(name, given);
  const rows = await source.queryEngine.query(def.sql, params);
  return { def, params, rows };
}
