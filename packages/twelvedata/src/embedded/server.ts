/**
 * The embedded market-data source: a loopback HTTP server speaking the parts of the
 * Twelve Data API the client uses (same path, parameters, JSON shapes, string values,
 * error bodies, batch shape, credit headers and per-minute limit), serving synthetic bars.
 * It is the demo's default source and the client's test double (`faults`).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { redactUrl } from '../client/redact.ts';
import { intervalSchema } from '../client/schemas.ts';
import { isValidTimeZone, parseWallTime, wallTimeToUtc } from '../time.ts';
import { isUnknownSymbol, resolveInstrument } from './instruments.ts';
import { buildSeries } from './series.ts';
import { SyntheticMarket } from './synthetic.ts';

export type FaultKind =
  | 'minute-limit'
  | 'day-limit'
  | 'server-error'
  | 'hang'
  | 'reset'
  | 'truncated'
  | 'html'
  | 'unauthorized'
  | 'forbidden'
  | 'no-data';

export interface Fault {
  kind: FaultKind;
  /** HTTP status to send with an error body; Twelve Data often says 200 and means error. */
  httpStatus?: number;
  /** Only requests naming this symbol trigger the fault (default: the next request). */
  symbol?: string;
}

export interface FaultQueue {
  /** Queues faults; each request consumes the first one that matches it. */
  push(...faults: (Fault | FaultKind)[]): void;
  clear(): void;
  pending(): number;
}

export interface EmbeddedStats {
  requests: number;
  /** Credits charged (1 per symbol of each answered request). */
  credits: number;
  /** Requests refused for credits (429). */
  rateLimited: number;
  barsServed: number;
  faultsInjected: number;
  /** Highest credit count reached within one window. */
  peakCreditsPerWindow: number;
}

export interface EmbeddedTwelveDataOptions {
  port?: number;
  host?: string;
  seed?: number;
  /** Per-minute credit limit; unset = unlimited (the demo default). */
  creditsPerMinute?: number;
  creditsPerDay?: number;
  /** Length of the credit window; tests use 1000. */
  minuteMs?: number;
  /** Server clock (bars after it do not exist yet). */
  now?: () => number;
  /** When set, requests must carry this `apikey`. */
  apiKey?: string;
  /** Symbols to list besides the built-in instrument list (`embeddedSymbols()`). */
  extraSymbols?: readonly string[];
}

export interface EmbeddedTwelveData {
  url: string;
  close(): Promise<void>;
  faults: FaultQueue;
  stats(): EmbeddedStats;
  /** The latest request URLs (path and query, `apikey` redacted), oldest first. */
  requestLog(): string[];
}

const json = (
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
};

const errorBody = (code: number, message: string) => ({ code, message, status: 'error' });

const MESSAGES = {
  minute: (used: number, limit: number) =>
    `You have run out of API credits for the current minute. ${used} API credits were used, with the current limit being ${limit}. Wait for the next minute or consider switching to a higher tier plan at https://twelvedata.com/pricing`,
  day: (limit: number) =>
    `You have run out of API credits for the day. ${limit} API credits were used, with the current limit being ${limit}. Wait for the next day or consider switching to a higher tier plan at https://twelvedata.com/pricing`,
  apikey:
    '**apikey** parameter is incorrect or not specified. You can get your free API key instantly following this link: https://twelvedata.com/pricing.',
  forbidden: '/time_series is not available with your plan. Consider upgrading your API Key.',
  noData: 'No data is available on the specified dates. Try setting different start/end dates.',
  notFound: (s: string) =>
    `**symbol** not found: ${s}. Please specify it correctly according to API Documentation.`,
};

export async function startEmbeddedTwelveData(
  opts: EmbeddedTwelveDataOptions = {},
): Promise<EmbeddedTwelveData> {
  const market = new SyntheticMarket(opts.seed ?? 42);
  const minuteMs = opts.minuteMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const perMinute = opts.creditsPerMinute;
  const perDay = opts.creditsPerDay;
  const queue: Fault[] = [];
  const extra = new Set((opts.extraSymbols ?? []).map((x) => x.split(':')[0]!.toUpperCase()));
  const sockets = new Set<Socket>();
  const stats: EmbeddedStats = {
    requests: 0,
    credits: 0,
    rateLimited: 0,
    barsServed: 0,
    faultsInjected: 0,
    peakCreditsPerWindow: 0,
  };
  let window = -1;
  let windowCredits = 0;
  let day = '';
  let dayCredits = 0;

  const takeFault = (symbols: string[]): Fault | undefined => {
    const i = queue.findIndex((f) => f.symbol === undefined || symbols.includes(f.symbol));
    return i < 0 ? undefined : queue.splice(i, 1)[0];
  };

  function creditHeaders(): Record<string, string> {
    const h: Record<string, string> = { 'api-credits-used': String(windowCredits) };
    if (perMinute !== undefined) h['api-credits-left'] = String(Math.max(0, perMinute - windowCredits));
    return h;
  }

  const log: string[] = [];

  function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    stats.requests++;
    log.push(redactUrl(req.url ?? '/'));
    if (log.length > 1000) log.shift();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/time_series') {
      json(res, 404, errorBody(404, `Path ${url.pathname} not found`));
      return;
    }
    const p = url.searchParams;
    const symbols = (p.get('symbol') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const fault = takeFault(symbols);
    if (fault) {
      stats.faultsInjected++;
      if (applyFault(fault, req, res)) return;
    }
    if (opts.apiKey !== undefined && p.get('apikey') !== opts.apiKey) {
      json(res, 401, errorBody(401, MESSAGES.apikey));
      return;
    }
    const interval = intervalSchema.safeParse(p.get('interval'));
    if (symbols.length === 0 || !interval.success) {
      json(
        res,
        400,
        errorBody(
          400,
          symbols.length === 0 ? '**symbol** parameter is missing or invalid.' : '**interval** is invalid.',
        ),
      );
      return;
    }

    // Credits: one per symbol, refused whole when they do not fit.
    const t = now();
    const w = Math.floor(t / minuteMs);
    if (w !== window) {
      window = w;
      windowCredits = 0;
    }
    const today = new Date(t).toISOString().slice(0, 10);
    if (today !== day) {
      day = today;
      dayCredits = 0;
    }
    if (perDay !== undefined && dayCredits + symbols.length > perDay) {
      stats.rateLimited++;
      json(res, 429, errorBody(429, MESSAGES.day(perDay)), creditHeaders());
      return;
    }
    if (perMinute !== undefined && windowCredits + symbols.length > perMinute) {
      stats.rateLimited++;
      json(
        res,
        429,
        errorBody(429, MESSAGES.minute(windowCredits + symbols.length, perMinute)),
        creditHeaders(),
      );
      return;
    }
    windowCredits += symbols.length;
    dayCredits += symbols.length;
    stats.credits += symbols.length;
    stats.peakCreditsPerWindow = Math.max(stats.peakCreditsPerWindow, windowCredits);

    const answers: Record<string, unknown> = {};
    for (const symbol of symbols) answers[symbol] = seriesFor(symbol, interval.data, p, t);
    json(res, 200, symbols.length === 1 ? answers[symbols[0]!] : answers, creditHeaders());
  }

  function seriesFor(
    symbol: string,
    interval: (typeof intervalSchema)['_output'],
    p: URLSearchParams,
    t: number,
  ) {
    if (isUnknownSymbol(symbol, extra)) return errorBody(404, MESSAGES.notFound(symbol));
    const inst = resolveInstrument(symbol);
    const exchangeZone = inst.meta.exchange_timezone ?? 'UTC';
    const tzParam = p.get('timezone');
    const zone = !tzParam || tzParam.toLowerCase() === 'exchange' ? exchangeZone : tzParam;
    if (!isValidTimeZone(zone)) return errorBody(400, '**timezone** parameter is invalid.');
    const toUtc = (s: string | null) => {
      if (!s) return undefined;
      const wall = parseWallTime(s.trim());
      return wall === undefined ? Number.NaN : wallTimeToUtc(wall, zone);
    };
    const start = toUtc(p.get('start_date'));
    const end = Math.min(toUtc(p.get('end_date')) ?? t, t);
    if (Number.isNaN(start) || Number.isNaN(end))
      return errorBody(400, '**start_date** or **end_date** is invalid.');
    const outputsize = Math.min(5000, Math.max(1, Number(p.get('outputsize') ?? 30) || 30));
    const order = p.get('order')?.toLowerCase() === 'asc' ? 'asc' : 'desc';
    const values = buildSeries(market, inst, {
      interval,
      start,
      end,
      outputsize,
      timeZone: zone,
      order,
      now: t,
    });
    if (values.length === 0) return errorBody(400, MESSAGES.noData);
    stats.barsServed += values.length;
    return { meta: { ...inst.meta, interval }, values, status: 'ok' };
  }

  /** Returns true when the fault fully answered (or dropped) the request. */
  function applyFault(f: Fault, req: http.IncomingMessage, res: http.ServerResponse): boolean {
    switch (f.kind) {
      case 'minute-limit':
        stats.rateLimited++;
        json(res, f.httpStatus ?? 429, errorBody(429, MESSAGES.minute(perMinute ?? 8, perMinute ?? 8)), {
          'api-credits-left': '0',
        });
        return true;
      case 'day-limit':
        stats.rateLimited++;
        json(res, f.httpStatus ?? 429, errorBody(429, MESSAGES.day(perDay ?? 800)));
        return true;
      case 'server-error':
        json(res, f.httpStatus ?? 500, errorBody(500, 'Internal server error. Please try again later.'));
        return true;
      case 'unauthorized':
        json(res, f.httpStatus ?? 401, errorBody(401, MESSAGES.apikey));
        return true;
      case 'forbidden':
        json(res, f.httpStatus ?? 403, errorBody(403, MESSAGES.forbidden));
        return true;
      case 'no-data':
        json(res, f.httpStatus ?? 400, errorBody(400, MESSAGES.noData));
        return true;
      case 'html': {
        const html = '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>';
        res.writeHead(f.httpStatus ?? 502, { 'content-type': 'text/html' });
        res.end(html);
        return true;
      }
      case 'truncated': {
        res.writeHead(f.httpStatus ?? 200, { 'content-type': 'application/json' });
        res.end(
          '{"meta":{"symbol":"AAPL","interval":"1min"},"values":[{"datetime":"2024-03-08 15:59:00","open":"1',
        );
        return true;
      }
      case 'reset':
        req.socket.destroy();
        return true;
      case 'hang':
        // Never answer; `close()` destroys the socket.
        return true;
    }
  }

  const server = http.createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;

  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${addr.port}`,
    faults: {
      push: (...faults) => {
        for (const f of faults) queue.push(typeof f === 'string' ? { kind: f } : f);
      },
      clear: () => {
        queue.length = 0;
      },
      pending: () => queue.length,
    },
    stats: () => ({ ...stats }),
    requestLog: () => [...log],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
