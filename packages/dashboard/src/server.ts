/**
 * The dashboard's HTTP server: node:http on loopback only, read-only, no dependencies.
 * Routes are a fixed table; request input only ever selects among known names or
 * becomes bound query parameters, never a file path or SQL text.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, type Clock, systemClock } from '@ohlcv/core';
import type { LocalRuntime } from '@ohlcv/local';
import { getQuery, queryRegistry, resolveParams } from '@ohlcv/sql/queries';
import { ASSETS, type AssetName, isAssetName } from './assets.ts';
import { ResultCache } from './cache.ts';
import {
  INTERVALS,
  type Interval,
  isInterval,
  Market,
  OVERVIEW_DATES,
  WINDOW_DATES,
  type Window,
} from './market.ts';
import {
  type ChartResult,
  renderError,
  renderHealth,
  renderMarket,
  renderOverview,
  renderSymbolPage,
} from './pages.ts';
import { symbolColors } from './palette.ts';
import {
  BadRequest,
  DASHBOARD_SERIES,
  isSeriesName,
  parseSelection,
  type Selection,
  selectionParams,
  single,
} from './series.ts';
import { type DashboardSource, sourceFromRuntime } from './source.ts';

export const DEFAULT_PORT = 8787;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export interface DashboardOptions {
  /** A local runtime (read only), or any source with a query engine and a status. */
  runtime?: LocalRuntime;
  source?: DashboardSource;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Loopback only: 127.0.0.1 (default), localhost or ::1. */
  host?: string;
  clock?: Clock;
  /** Result cache (per query, parameters and catalog version); one per server by default. */
  cache?: ResultCache;
}

export interface DashboardServer {
  url: string;
  port: number;
  /** Hits and misses of the result cache (bench, tests). */
  cacheStats(): ReturnType<ResultCache['stats']>;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

type Reply = { status: number; type: string; body: string; cache?: string };

const html = (status: number, body: string): Reply => ({ status, type: 'text/html; charset=utf-8', body });
const json = (status: number, value: unknown): Reply => ({
  status,
  type: 'application/json; charset=utf-8',
  body: `${JSON.stringify(value, null, 2)}\n`,
});
const errorReply = (wantsJson: boolean, status: number, message: string, param?: string): Reply =>
  wantsJson
    ? json(status, param ? { error: message, parameter: param } : { error: message })
    : html(status, renderError(status, message));

/** A body already serialized (and cached as such). */
const jsonBody = (body: string): Reply => ({ status: 200, type: 'application/json; charset=utf-8', body });
const stringify = (value: unknown): string => `${JSON.stringify(value)}\n`;

const asset = (name: AssetName): Reply => ({
  status: 200,
  type: ASSETS[name].type,
  body: ASSETS[name].body,
  // Same URL, same bytes for the life of the process.
  cache: 'public, max-age=300',
});

/** The first day of the month eleven months before `day`: with it, twelve months. '' stays ''. */
export function yearBefore(day: string): string {
  if (!day) return '';
  const t = Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1 - 11;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}-01`;
}

/** A page section rendered with an error in it: shown once, not cached. */
class NotKept extends Error {
  constructor(readonly html: string) {
    super('rendered with errors');
  }
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export async function startDashboard(opts: DashboardOptions): Promise<DashboardServer> {
  const source = opts.source ?? (opts.runtime ? sourceFromRuntime(opts.runtime) : undefined);
  if (!source) throw new AppError('InvalidArgument', 'startDashboard needs a runtime or a source');
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    throw new AppError(
      'InvalidArgument',
      `the dashboard binds to loopback only (127.0.0.1, localhost, ::1), not ${host}`,
    );
  }
  const port = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AppError('InvalidArgument', `port must be an integer 0..65535, got ${port}`);
  }
  const clock = opts.clock ?? systemClock;
  const market = new Market(source, opts.cache ?? new ResultCache());

  const healthHtml = async (): Promise<string> => {
    const [status, alerts] = await Promise.all([source.status(), source.alerts?.(10)]);
    return renderHealth({ status, alerts, now: clock.now() });
  };

  const knownSymbols = async (extra: readonly string[] = []): Promise<string[]> => {
    const known = await market.memo('symbols', async () => (await source.symbols?.()) ?? []);
    return [...new Set([...known, ...extra])].filter(Boolean).sort();
  };

  /** The given range, or the latest dates with data for the selection (start and end empty). */
  const windowFor = async (sel: Selection, kind: Interval, count: number): Promise<Window> => {
    if (sel.start || sel.end) return { start: sel.start, end: sel.end, auto: false };
    return (await market.defaultWindow(sel.symbols, kind, count)) ?? { start: '', end: '', auto: true };
  };

  /** The market section of the overview, rendered once per selection and catalog version. */
  const marketSection = async (asked: Selection): Promise<string> => {
    const window = await windowFor(asked, '1day', OVERVIEW_DATES);
    const sel: Selection = { ...asked, start: window.start, end: window.end };
    const charts: ChartResult[] = [];
    for (const name of DASHBOARD_SERIES) {
      try {
        // Monthly volume: the trailing year up to the window's end, not the window's one month.
        const s = name === 'monthly_volume' && window.auto ? { ...sel, start: yearBefore(sel.end) } : sel;
        charts.push({ name, rows: await market.series(name, s) });
      } catch (err) {
        if (err instanceof BadRequest) throw err;
        charts.push({ name, rows: null, error: messageOf(err) });
      }
    }
    const performance = await market.performance(sel).catch((err: unknown) => messageOf(err));
    const symbols = await knownSymbols(asked.symbols);
    const section = renderMarket({
      selection: asked,
      window,
      symbols,
      color: symbolColors(symbols),
      charts,
      performance,
    });
    // A chart that failed is shown with its error but not kept: the next request tries again.
    if (charts.some((c) => c.rows === null) || typeof performance === 'string') throw new NotKept(section);
    return section;
  };

  const overview = async (query: URLSearchParams): Promise<Reply> => {
    const asked = parseSelection(query);
    const section = await market
      .memo(`overview:${JSON.stringify(asked)}`, () => marketSection(asked))
      .catch((err: unknown) => {
        if (err instanceof NotKept) return err.html;
        throw err;
      });
    return html(200, renderOverview(section, await healthHtml()));
  };

  const symbolSelection = async (
    query: URLSearchParams,
  ): Promise<{ symbol: string; interval: Interval; window: Window; symbols: string[] }> => {
    const sel = parseSelection(query, { allowExtra: ['interval'], singleSymbol: true });
    const interval = single(query, 'interval') || '1h';
    if (!isInterval(interval)) {
      throw new BadRequest(
        'interval',
        `parameter interval must be one of ${INTERVALS.join(', ')}, got "${interval}"`,
      );
    }
    const symbols = await knownSymbols(sel.symbols);
    const symbol = sel.symbols[0] ?? symbols[0] ?? '';
    const window = await windowFor({ ...sel, symbols: [symbol] }, interval, WINDOW_DATES[interval]);
    return { symbol, interval, window, symbols };
  };

  const symbolPage = async (query: URLSearchParams): Promise<Reply> => {
    const { symbol, interval, window, symbols } = await symbolSelection(query);
    const candles =
      symbol && window.start ? await market.candles(symbol, interval, window.start, window.end) : [];
    return html(
      200,
      renderSymbolPage({ symbol, interval, window, symbols, color: symbolColors(symbols), candles }),
    );
  };

  const candlesApi = async (query: URLSearchParams): Promise<Reply> => {
    const { symbol, interval, window } = await symbolSelection(query);
    if (!symbol) throw new BadRequest('symbol', 'parameter symbol is required (no symbol has data yet)');
    return jsonBody(
      await market.memo(`candles:${JSON.stringify([symbol, interval, window])}`, async () => {
        const bars = window.start ? await market.candles(symbol, interval, window.start, window.end) : [];
        return stringify({
          symbol,
          interval,
          start: window.start,
          end: window.end,
          auto: window.auto,
          count: bars.length,
          bars,
        });
      }),
    );
  };

  const performanceApi = async (query: URLSearchParams): Promise<Reply> => {
    const asked = parseSelection(query);
    const window = await windowFor(asked, '1day', OVERVIEW_DATES);
    const sel = { ...asked, start: window.start, end: window.end };
    const symbols = await knownSymbols(asked.symbols);
    const color = symbolColors(symbols);
    return jsonBody(
      await market.memo(`performance:${JSON.stringify(sel)}:${symbols.join(',')}`, async () => {
        const lines = await market.performance(sel);
        return stringify({
          start: sel.start,
          end: sel.end,
          auto: window.auto,
          base: 100,
          series: lines.map((l) => ({ ...l, color: color(l.symbol) })),
        });
      }),
    );
  };

  const series = async (name: string, query: URLSearchParams): Promise<Reply> => {
    const page = new URLSearchParams();
    const native: Record<string, string> = {};
    for (const [k, v] of query) {
      if (k === 'symbol' || k === 'start' || k === 'end') page.append(k, v);
      else if (k in native) throw new BadRequest(k, `parameter ${k} is given more than once`);
      else native[k] = v;
    }
    const sel = parseSelection(page);
    return jsonBody(
      await market.memo(`series:${name}:${JSON.stringify([sel, native])}`, async () => {
        const rows = await market.series(name, sel, native);
        const def = getQuery(name);
        // One symbol (or all): the registry parameters the query ran with; several: one query each.
        const params = (sel.symbols.length > 1 ? sel.symbols : [sel.symbols[0] ?? '']).map((s) =>
          resolveParams(def, { ...selectionParams(name, { ...sel, symbols: s ? [s] : [] }), ...native }),
        );
        return stringify({
          name,
          description: def.description,
          params: params.length === 1 ? params[0] : params,
          rowCount: rows.length,
          rows,
        });
      }),
    );
  };

  const queries = (): Reply =>
    json(
      200,
      [...queryRegistry().values()].map((q) => ({
        name: q.name,
        description: q.description,
        dashboard: isSeriesName(q.name),
        params: q.params.map((p) => ({
          name: p.name,
          type: p.type,
          required: p.default === undefined,
          default: p.default ?? null,
          description: p.description,
        })),
      })),
    );

  const route = async (method: string, url: URL): Promise<Reply> => {
    const p = url.pathname;
    const wantsJson = p.startsWith('/api/');
    if (method !== 'GET' && method !== 'HEAD') {
      return errorReply(wantsJson, 405, `method ${method} not allowed; the dashboard is read-only`);
    }
    try {
      if (p === '/') return await overview(url.searchParams);
      if (p === '/symbol') return await symbolPage(url.searchParams);
      if (p === '/fragment/health') return html(200, await healthHtml());
      if (p.startsWith('/assets/')) {
        const name = p.slice('/assets/'.length);
        if (isAssetName(name)) return asset(name);
      }
      if (p === '/api/candles') return await candlesApi(url.searchParams);
      if (p === '/api/performance') return await performanceApi(url.searchParams);
      if (p === '/api/status') return json(200, await source.status());
      if (p === '/api/alerts') return json(200, (await source.alerts?.(50)) ?? []);
      if (p === '/api/queries') return queries();
      if (p.startsWith('/api/series/')) {
        const name = p.slice('/api/series/'.length);
        if (!isSeriesName(name)) {
          return errorReply(
            true,
            404,
            `unknown series "${name}"; dashboard series: ${DASHBOARD_SERIES.join(', ')}`,
          );
        }
        return await series(name, url.searchParams);
      }
      return errorReply(wantsJson, 404, `no page at ${p}`);
    } catch (err) {
      if (err instanceof BadRequest) return errorReply(wantsJson, 400, err.message, err.param || undefined);
      return errorReply(wantsJson, 500, messageOf(err));
    }
  };

  const server = http.createServer((req, res) => {
    const send = (r: Reply): void => {
      res.writeHead(r.status, {
        ...SECURITY_HEADERS,
        'content-type': r.type,
        'cache-control': r.cache ?? 'no-store',
        'content-length': Buffer.byteLength(r.body),
      });
      res.end(req.method === 'HEAD' ? undefined : r.body);
    };
    // DNS rebinding: a page on another origin resolving its name to 127.0.0.1 sends its own Host.
    const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (!LOOPBACK.has(hostHeader)) {
      send(errorReply(false, 421, 'this dashboard answers to localhost only'));
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      send(errorReply(false, 400, 'malformed request URL'));
      return;
    }
    route(req.method ?? 'GET', url).then(send, (err: unknown) =>
      send(errorReply(false, 500, messageOf(err))),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new AppError(
              'PortInUse',
              `port ${port} on ${host} is in use; pass another with --port (0 = any free port)`,
              {
                cause: err,
              },
            )
          : err,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host === '::1' ? '[::1]' : host;
  return {
    url: `http://${urlHost}:${bound}/`,
    port: bound,
    cacheStats: () => market.cache.stats(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          market.close();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
