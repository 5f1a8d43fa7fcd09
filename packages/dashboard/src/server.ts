/**
 * The dashboard's HTTP server: node:http on loopback only, read-only, no dependencies.
 * Routes are a fixed table; request input only ever selects among known names or
 * becomes bound query parameters, never a file path or SQL text.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppError, type Clock, systemClock } from '@ohlcv/core';
import type { LocalRuntime } from '@ohlcv/local';
import { queryRegistry } from '@ohlcv/sql/queries';
import { APP_CSS, APP_JS } from './assets.ts';
import { type ChartResult, renderError, renderHealth, renderOverview } from './pages.ts';
import {
  BadRequest,
  DASHBOARD_SERIES,
  isSeriesName,
  parseSelection,
  runSeries,
  type SeriesName,
  selectionParams,
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
}

export interface DashboardServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

type Reply = { status: number; type: string; body: string };

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

  const healthHtml = async (): Promise<string> => {
    const [status, alerts] = await Promise.all([source.status(), source.alerts?.(10)]);
    return renderHealth({ status, alerts, now: clock.now() });
  };

  const overview = async (query: URLSearchParams): Promise<Reply> => {
    const selection = parseSelection(query);
    const charts: ChartResult[] = [];
    // One at a time: each query opens its own DuckDB session; a laptop has few cores.
    for (const name of DASHBOARD_SERIES) {
      try {
        charts.push({ name, rows: (await runSeries(source, name, selectionParams(name, selection))).rows });
      } catch (err) {
        if (err instanceof BadRequest) throw err;
        charts.push({ name, rows: null, error: messageOf(err) });
      }
    }
    const known = (await source.symbols?.()) ?? [];
    const seen = charts.flatMap((c) => (c.rows ?? []).map((r) => String(r.symbol ?? '')));
    const symbols = [...new Set([...known, ...seen, ...(selection.symbol ? [selection.symbol] : [])])]
      .filter(Boolean)
      .sort();
    return html(200, renderOverview({ health: await healthHtml(), selection, symbols, charts }));
  };

  const series = async (name: SeriesName, query: URLSearchParams): Promise<Reply> => {
    const page = new URLSearchParams();
    const native: Record<string, string> = {};
    for (const [k, v] of query) {
      if (k === 'symbol' || k === 'start' || k === 'end') page.append(k, v);
      else if (k in native) throw new BadRequest(k, `parameter ${k} is given more than once`);
      else native[k] = v;
    }
    const given = { ...selectionParams(name, parseSelection(page)), ...native };
    const { def, params, rows } = await runSeries(source, name, given);
    return json(200, { name, description: def.description, params, rowCount: rows.length, rows });
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
      if (p === '/fragment/health') return html(200, await healthHtml());
      if (p === '/assets/app.css') return { status: 200, type: 'text/css; charset=utf-8', body: APP_CSS };
      if (p === '/assets/app.js')
        return { status: 200, type: 'text/javascript; charset=utf-8', body: APP_JS };
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
