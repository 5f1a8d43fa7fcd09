/** The HTML pages: one layout, the overview (health + charts) and the health fragment. */
import type { RuntimeStatus } from '@ohlcv/local';
import { type CandleMark, candlestickChart, lineChart, type Mark } from './charts.ts';
import { fmtAge, fmtCompact, fmtDuration, fmtInteger, fmtNumber, fmtPct } from './format.ts';
import { esc, join } from './html.ts';
import {
  type Candle,
  INTERVALS,
  type Interval,
  type PerformanceLine,
  WINDOW_DATES,
  type Window,
} from './market.ts';
import type { ColorOf } from './palette.ts';
import { dataTable, PANELS } from './panels.ts';
import { DASHBOARD_SERIES, MAX_SELECTED, type Selection, type SeriesName } from './series.ts';
import type { AlertView } from './source.ts';

export function layout(title: string, body: string, opts: { charts?: boolean } = {}): string {
  // Every script from our own origin (CSP script-src 'self'); the chart library only where charts are.
  const lib = opts.charts ? '<script src="/assets/lightweight-charts.js" defer></script>\n' : '';
  return `<!doctype html>
<html lang="en" class="no-js">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
${lib}<script src="/assets/app.js" defer></script>
</head>
<body>
<header class="top"><a class="brand" href="/">OHLCV dashboard</a><nav aria-label="Pages"><a href="/">Overview</a> <a href="/symbol">Symbol</a> <a href="/api/status">status JSON</a> <a href="/api/queries">queries JSON</a></nav></header>
<main>
${body}
</main>
${opts.charts ? '<footer class="foot muted small">Interactive charts: TradingView Lightweight Charts™, Copyright (c) 2026 TradingView, Inc. — <a href="https://www.tradingview.com/" rel="noreferrer">tradingview.com</a> (Apache-2.0). Without JavaScript the charts are SVG drawn by this server.</footer>' : ''}
</body>
</html>
`;
}

/** An ISO time as `HH:MM:SS` (today) or `MM-DD HH:MM`, UTC; the full time on hover. */
function utcTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const t = iso.replace('T', ' ').replace(/\.\d+Z?$|Z$/, '');
  return `<time datetime="${esc(iso)}" title="${esc(iso)}">${esc(t.slice(5, 16))}</time>`;
}

export interface HealthInput {
  status: RuntimeStatus;
  alerts: AlertView[] | undefined;
  now: Date;
}

/** Ids longer than this are shortened on screen; the full id is the tooltip and what Copy copies. */
const ID_SHOWN = 12;

/** A shortened id with its full value on hover (title) and a copy button (script only). */
export function shortId(id: string): string {
  if (id.length <= ID_SHOWN + 2) return `<code class="id">${esc(id)}</code>`;
  const shown = `${id.slice(0, 8)}…${id.slice(-4)}`;
  return `<span class="id-wrap"><code class="id" title="${esc(id)}">${esc(shown)}</code><button type="button" class="copy" data-copy="${esc(id)}" title="Copy the full id" aria-label="Copy ${esc(id)}">copy</button></span>`;
}

/** Free text (alert titles, errors) with long id-like tokens (run ids, hashes) shortened. */
export function withShortIds(text: string): string {
  return text
    .split(/([A-Za-z0-9_:.-]{24,})/)
    .map((part, i) => (i % 2 === 1 ? shortId(part) : esc(part)))
    .join('');
}

const badge = (kind: 'ok' | 'warn' | 'bad' | 'idle', text: string): string =>
  `<span class="badge ${kind}">${esc(text)}</span>`;

/** Pipeline health: process, queues and DLQs, job runs, catalog, alerts, latest events. */
export function renderHealth({ status, alerts, now }: HealthInput): string {
  const dlqDepth = status.queues
    .filter((q) => q.queue.endsWith('-dlq'))
    .reduce((n, q) => n + q.visible + q.inFlight + q.delayed, 0);
  const backlog = status.queues
    .filter((q) => !q.queue.endsWith('-dlq'))
    .reduce((n, q) => n + q.visible + q.inFlight + q.delayed, 0);
  const failedJobs = (status.jobs.FAILED ?? 0) + (status.jobs.TIMEOUT ?? 0);

  const summary = `<ul class="cards">
<li class="card"><h3>Pipeline</h3><p>${status.engine ? badge('ok', 'running') : badge('idle', 'not running')}</p><p class="sub">${status.engine ? `pid ${esc(status.engine.pid)} since ${utcTime(status.engine.since)}` : 'start it with <code>ohlcv start</code>'}</p></li>
<li class="card"><h3>Queued</h3><p class="big" data-metric="backlog">${fmtInteger(backlog)}</p><p class="sub">messages waiting or in flight</p></li>
<li class="card"><h3>Dead letters</h3><p class="big" data-metric="dlq">${dlqDepth > 0 ? badge('bad', fmtInteger(dlqDepth)) : fmtInteger(0)}</p><p class="sub">${dlqDepth > 0 ? 'see <code>ohlcv dlq list</code>' : 'all DLQs empty'}</p></li>
<li class="card"><h3>ETL job runs</h3><p class="big">${fmtInteger(status.jobs.SUCCEEDED ?? 0)}</p><p class="sub">succeeded; ${failedJobs > 0 ? badge('bad', `${failedJobs} failed`) : '0 failed'}, ${esc(status.jobs.RUNNING ?? 0)} running, ${esc(status.jobs.WAITING ?? 0)} waiting</p></li>
<li class="card"><h3>Raw objects</h3><p class="big">${fmtInteger(status.rawObjectsAnnounced)}</p><p class="sub">announced from raw/</p></li>
</ul>`;

  const queueRows = status.queues
    .map((q) => {
      const isDlq = q.queue.endsWith('-dlq');
      const depth = q.visible + q.inFlight + q.delayed;
      const cls = isDlq && depth > 0 ? ' class="alarm"' : '';
      return `<tr${cls}><th scope="row">${esc(q.queue)}</th><td>${fmtInteger(q.visible)}</td><td>${fmtInteger(q.inFlight)}</td><td>${fmtInteger(q.delayed)}</td><td>${q.oldestAgeSeconds > 0 ? esc(fmtAge(q.oldestAgeSeconds)) : '–'}</td></tr>`;
    })
    .join('');
  const queues = `<section class="panel" aria-labelledby="h-queues"><h3 id="h-queues">Queues and DLQs</h3><div class="table-wrap"><table><thead><tr><th scope="col">Queue</th><th scope="col">Visible</th><th scope="col">In flight</th><th scope="col">Delayed</th><th scope="col">Oldest</th></tr></thead><tbody>${queueRows}</tbody></table></div></section>`;

  const runRows = status.recentRuns
    .map(
      (r) =>
        `<tr><td>${shortId(r.jobRunId)}</td><td>${badge(r.state === 'SUCCEEDED' ? 'ok' : r.state === 'FAILED' || r.state === 'TIMEOUT' ? 'bad' : 'idle', r.state)}</td><td>${utcTime(r.submittedAt)}</td><td class="num">${esc(fmtDuration(r.startedAt, r.finishedAt))}</td><td class="wrap">${withShortIds(r.error ?? '')}</td></tr>`,
    )
    .join('');
  const runs = `<section class="panel" aria-labelledby="h-runs"><h3 id="h-runs">Latest ETL job runs</h3>${
    runRows
      ? `<div class="table-wrap"><table><thead><tr><th scope="col">Run</th><th scope="col">State</th><th scope="col">Submitted</th><th scope="col">Took</th><th scope="col">Error</th></tr></thead><tbody>${runRows}</tbody></table></div>`
      : '<p class="muted">No job runs yet.</p>'
  }</section>`;

  const catalogEntries = Object.entries(
    (status.catalog ?? {}) as Record<string, { partitions?: number; schemaVersion?: number | null }>,
  );
  const catalog = `<section class="panel" aria-labelledby="h-catalog"><h3 id="h-catalog">Catalog (${esc(status.database)})</h3><div class="table-wrap"><table><thead><tr><th scope="col">Table</th><th scope="col">Partitions</th><th scope="col">Schema version</th></tr></thead><tbody>${catalogEntries
    .map(
      ([t, c]) =>
        `<tr><th scope="row">${esc(t)}</th><td>${fmtInteger(c.partitions ?? 0)}</td><td>${esc(c.schemaVersion ?? '–')}</td></tr>`,
    )
    .join('')}</tbody></table></div></section>`;

  const alertList =
    alerts === undefined
      ? ''
      : `<section class="panel" aria-labelledby="h-alerts"><h3 id="h-alerts">Alerts</h3>${
          alerts.length === 0
            ? '<p class="muted">No alerts raised.</p>'
            : `<ul class="alerts">${alerts
                .map(
                  (a) =>
                    `<li class="alert ${a.severity === 'critical' ? 'bad' : a.severity === 'warning' ? 'warn' : 'idle'}">${badge(a.severity === 'critical' ? 'bad' : a.severity === 'warning' ? 'warn' : 'idle', a.severity)} <strong class="alert-title">${withShortIds(a.title)}</strong> <span class="muted">${utcTime(a.at)} · ${esc(a.kind)}</span><p>${withShortIds(a.message)}</p></li>`,
                )
                .join('')}</ul>`
        }</section>`;

  const events = `<section class="panel events" aria-labelledby="h-events"><h3 id="h-events">Latest events</h3>${
    status.recentEvents.length === 0
      ? '<p class="muted">No events yet.</p>'
      : `<div class="table-wrap"><table><thead><tr><th scope="col">#</th><th scope="col">At</th><th scope="col">Detail type</th><th scope="col">Source</th><th scope="col">Routed to</th></tr></thead><tbody>${[
          ...status.recentEvents,
        ]
          .reverse()
          .map(
            (e) =>
              `<tr><td class="num">${esc(e.seq)}</td><td>${utcTime(e.at)}</td><td class="detail-type">${esc(e.detailType)}</td><td>${esc(e.source)}</td><td class="wrap">${esc(e.routedTo.join(', ') || '–')}</td></tr>`,
          )
          .join('')}</tbody></table></div>`
  }</section>`;

  return `<div id="health" data-refreshed="${esc(now.toISOString())}">${summary}<div class="grid">${join([alertList, queues, runs, catalog, events])}</div><p class="muted small wrap">Data folder ${esc(status.home)} · updated ${esc(now.toISOString().slice(11, 19))} UTC</p></div>`;
}

export interface ChartResult {
  name: SeriesName;
  rows: Record<string, unknown>[] | null;
  error?: string;
}

function windowNote(w: Window, what: string, latest: string): string {
  if (!w.start && !w.end) return '<p class="muted window-note">No data for this selection yet.</p>';
  const range = `${esc(w.start || '…')} – ${esc(w.end || '…')}`;
  return w.auto
    ? `<p class="muted window-note">Showing ${esc(what)} with data for this selection: <strong data-window-start="${esc(w.start)}" data-window-end="${esc(w.end)}">${range}</strong> (UTC). Pick dates to change it.</p>`
    : `<p class="muted window-note">Range <strong data-window-start="${esc(w.start)}" data-window-end="${esc(w.end)}">${range}</strong> (UTC). <a href="${esc(latest)}">Latest data</a></p>`;
}

function symbolOptions(symbols: readonly string[], selected: readonly string[]): string {
  return symbols
    .map((s) => `<option value="${esc(s)}"${selected.includes(s) ? ' selected' : ''}>${esc(s)}</option>`)
    .join('');
}

function selectionForm(sel: Selection, w: Window, symbols: readonly string[]): string {
  return `<form class="selection" method="get" action="/" role="search" aria-label="Chart selection">
<label>Symbols <select name="symbol" multiple size="${Math.min(Math.max(symbols.length, 2), 6)}" aria-describedby="sym-help">${symbolOptions(symbols, sel.symbols)}</select><span id="sym-help" class="hint">none = all; Ctrl/⌘-click for several (at most ${MAX_SELECTED})</span></label>
<label>From <input type="date" name="start" value="${esc(w.start)}"></label>
<label>To <input type="date" name="end" value="${esc(w.end)}"></label>
<button type="submit">Apply</button> <a href="/">Reset</a>
</form>`;
}

/** Query string of a selection (repeated symbol), for links and JSON sources. */
function selectionQuery(
  sel: { symbols: readonly string[]; start?: string; end?: string },
  extra: Record<string, string> = {},
): string {
  const q = new URLSearchParams();
  for (const s of sel.symbols) q.append('symbol', s);
  if (sel.start) q.set('start', sel.start);
  if (sel.end) q.set('end', sel.end);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}

// Colours as SVG fill attributes: the CSP (style-src 'self') forbids inline style attributes.
const swatch = (c: string): string =>
  `<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="${c}"/></svg>`;

/** Symbol legend linking to each symbol's candles; with the change over the range when given. */
function legend(
  symbols: readonly string[],
  color: ColorOf,
  link = false,
  lines: PerformanceLine[] = [],
): string {
  const change = new Map(lines.map((l) => [l.symbol, l.points.at(-1)?.value]));
  return `<ul class="legend">${symbols
    .map((s) => {
      const last = change.get(s);
      const pct =
        last === undefined
          ? ''
          : ` <span class="${last >= 100 ? 'up' : 'down'}">${esc(fmtPct(last / 100 - 1))}</span>`;
      return `<li>${swatch(color(s))}${link ? `<a href="/symbol?${esc(selectionQuery({ symbols: [s] }))}">${esc(s)}</a>` : esc(s)}${pct}</li>`;
    })
    .join('')}</ul>`;
}

function performancePanel(
  lines: PerformanceLine[] | string,
  sel: Selection,
  w: Window,
  color: ColorOf,
): string {
  const src = `/api/performance?${selectionQuery({ symbols: sel.symbols, start: w.start, end: w.end })}`;
  if (typeof lines === 'string') {
    return `<figure class="panel chart wide" id="chart-performance"><figcaption><h3>Performance</h3></figcaption><p class="error" role="alert">Could not load performance: ${esc(lines)}</p></figure>`;
  }
  const marks: Mark[] = lines.flatMap((l) =>
    l.points.map((p) => ({
      series: l.symbol,
      x: p.time,
      y: p.value,
      tooltip: `${l.symbol} ${p.time}: ${fmtNumber(Number(p.value.toFixed(2)))} (${fmtPct(p.value / 100 - 1)} since the start)`,
    })),
  );
  const svg = lineChart(
    {
      id: 'performance',
      title: 'Performance, rebased to 100',
      description: `Close of each symbol as a multiple of its first close in the range, times 100; ${lines.length} symbols.`,
      xLabel: 'Trade date (UTC)',
      yLabel: 'Close, first day = 100',
      color,
    },
    marks,
    (v) => fmtNumber(Number(v.toFixed(2))),
    { baseline: 100 },
  );
  const symbols = lines.map((l) => l.symbol);
  return `<figure class="panel chart wide" id="chart-performance"><figcaption><h3>Performance (rebased to 100)</h3><p class="muted">Each symbol’s close divided by its first close in the range, × 100 — so symbols at any price compare on one axis. From the <code>daily_returns</code> query’s cumulative return. <a href="${esc(src)}">JSON</a></p></figcaption>
<div class="lw" data-lw="performance" data-src="${esc(src)}" data-symbols="${esc(symbols.join(','))}" hidden><div class="lw-canvas"></div></div>
<div class="fallback">${svg}</div>${legend(symbols, color, true, lines)}</figure>`;
}

/** The overview: the market section (cacheable per selection) and the live health section. */
export function renderOverview(market: string, health: string): string {
  const body = `${market}
<section aria-labelledby="h-health"><h2 id="h-health">Pipeline health</h2>${health}</section>`;
  return layout('OHLCV dashboard', body, { charts: true });
}

/** The overview's market section: selection, performance and the four charts. */
export function renderMarket(opts: {
  selection: Selection;
  window: Window;
  symbols: readonly string[];
  color: ColorOf;
  charts: ChartResult[];
  performance: PerformanceLine[] | string;
}): string {
  const { color, window: w } = opts;
  const sel = opts.selection;
  const figures = DASHBOARD_SERIES.map((name) => {
    const c = opts.charts.find((x) => x.name === name);
    const spec = PANELS[name];
    const inner =
      !c || c.rows === null
        ? `<p class="error" role="alert">Could not load ${esc(spec.title.toLowerCase())}: ${esc(c?.error ?? 'no result')}</p>`
        : `${spec.chart(c.rows, color)}${dataTable(spec, c.rows)}`;
    const api = `/api/series/${name}?${selectionQuery({ symbols: sel.symbols, start: w.start, end: w.end })}`;
    return `<figure class="panel chart" id="chart-${name}"><figcaption><h3>${esc(spec.title)}</h3><p class="muted">${esc(spec.caption)} <a href="${esc(api)}">JSON</a></p></figcaption>${inner}</figure>`;
  }).join('\n');
  const picked = sel.symbols.length > 0 ? sel.symbols : opts.symbols;
  const symbolLinks = `<p class="symbol-links">Candles: ${picked
    .map(
      (s) =>
        `<a href="/symbol?${esc(selectionQuery({ symbols: [s] }))}" class="sym">${swatch(color(s))}${esc(s)}</a>`,
    )
    .join(' ')}</p>`;
  const body = `<section aria-labelledby="h-charts"><h2 id="h-charts">Market data</h2>${selectionForm(sel, w, opts.symbols)}${windowNote(w, 'the last 10 trading days', `/?${selectionQuery({ symbols: sel.symbols })}`)}${symbolLinks}
<div class="charts">${performancePanel(opts.performance, sel, w, color)}
${figures}</div></section>`;
  return body;
}

const INTERVAL_LABEL: Record<Interval, string> = { '1min': '1 minute', '1h': '1 hour', '1day': '1 day' };
const VWAP_LABEL: Record<Interval, string> = {
  '1min': 'session VWAP (resets each UTC day)',
  '1h': 'VWAP of each hour',
  '1day': 'VWAP of each day',
};

function label(c: Candle, interval: Interval): string {
  if (typeof c.time === 'string') return c.time;
  const iso = new Date(c.time * 1000).toISOString();
  return interval === '1h' || interval === '1min'
    ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}`
    : iso.slice(0, 10);
}

function stats(candles: readonly Candle[]): string {
  const first = candles[0];
  const last = candles.at(-1);
  if (!first || !last) return '';
  const high = Math.max(...candles.map((c) => c.high));
  const low = Math.min(...candles.map((c) => c.low));
  const vols = candles.map((c) => c.volume).filter((v): v is number => v !== null);
  const volume = vols.reduce((a, b) => a + b, 0);
  const pv = candles.reduce((a, c) => a + (c.vwap !== null && c.volume !== null ? c.vwap * c.volume : 0), 0);
  const change = last.close / first.open - 1;
  const item = (k: string, v: string, cls = '') =>
    `<div class="stat${cls}"><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`;
  return `<dl class="stats">${join([
    item('Last close', fmtNumber(last.close)),
    item('Change over range', fmtPct(change), change >= 0 ? ' up' : ' down'),
    item('High', fmtNumber(high)),
    item('Low', fmtNumber(low)),
    vols.length > 0 ? item('Volume', fmtCompact(volume)) : item('Volume', 'none (no volume)'),
    vols.length > 0 && volume > 0
      ? item('VWAP over range', fmtNumber(Number((pv / volume).toPrecision(8))))
      : '',
    item('Bars', fmtInteger(candles.length)),
  ])}</dl>`;
}

export function renderSymbolPage(opts: {
  symbol: string;
  interval: Interval;
  window: Window;
  symbols: readonly string[];
  color: ColorOf;
  candles: Candle[];
}): string {
  const { symbol, interval, window: w, candles } = opts;
  const explicit = w.auto ? {} : { start: w.start, end: w.end };
  const tabs = INTERVALS.map((i) =>
    i === interval
      ? `<a aria-current="page" class="tab on" href="/symbol?${esc(selectionQuery({ symbols: [symbol], ...explicit }, { interval: i }))}">${esc(INTERVAL_LABEL[i])}</a>`
      : `<a class="tab" href="/symbol?${esc(selectionQuery({ symbols: [symbol], ...explicit }, { interval: i }))}">${esc(INTERVAL_LABEL[i])}</a>`,
  ).join('');
  const form = `<form class="selection" method="get" action="/symbol" role="search" aria-label="Symbol and range">
<label>Symbol <select name="symbol">${symbolOptions(opts.symbols, [symbol])}</select></label>
<label>Bars <select name="interval">${INTERVALS.map((i) => `<option value="${i}"${i === interval ? ' selected' : ''}>${esc(INTERVAL_LABEL[i])}</option>`).join('')}</select></label>
<label>From <input type="date" name="start" value="${esc(w.start)}"></label>
<label>To <input type="date" name="end" value="${esc(w.end)}"></label>
<button type="submit">Apply</button> <a href="/symbol?${esc(selectionQuery({ symbols: [symbol] }, { interval }))}">Latest data</a>
</form>`;
  const src = `/api/candles?${selectionQuery({ symbols: [symbol], start: w.start, end: w.end }, { interval })}`;
  const marks: CandleMark[] = candles.map((c) => ({
    label: label(c, interval),
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    vwap: c.vwap,
    tooltip: `${symbol} ${label(c, interval)}: O ${fmtNumber(c.open)} H ${fmtNumber(c.high)} L ${fmtNumber(c.low)} C ${fmtNumber(c.close)} V ${c.volume === null ? '–' : fmtInteger(c.volume)} VWAP ${fmtNumber(c.vwap)}`,
  }));
  const svg = candlestickChart(
    {
      id: 'candles',
      title: `${symbol} ${INTERVAL_LABEL[interval]} bars`,
      description: `Candlestick chart of ${symbol}, ${candles.length} bars of ${INTERVAL_LABEL[interval]} from ${w.start} to ${w.end} (UTC), with ${VWAP_LABEL[interval]} and volume below.`,
      xLabel: interval === '1day' ? 'Trade date (UTC)' : 'Time (UTC)',
      yLabel: 'Price',
      up: '#1a7f37',
      down: '#cf222e',
      vwap: '#E69F00',
    },
    marks,
    (v) => fmtNumber(Number(v.toPrecision(8))),
    fmtCompact,
  );
  const body = `<section aria-labelledby="h-symbol"><h2 id="h-symbol">${swatch(opts.color(symbol))}${esc(symbol || 'No symbol')} <span class="muted">· ${esc(INTERVAL_LABEL[interval])} bars</span></h2>
<nav class="tabs" aria-label="Bar interval">${tabs}</nav>
${form}${windowNote(w, `the latest ${WINDOW_DATES[interval]} dates`, `/symbol?${selectionQuery({ symbols: [symbol] }, { interval })}`)}
${stats(candles)}
<figure class="panel chart wide candles-panel" id="chart-candles"><figcaption><h3>${esc(symbol)} candles, volume and VWAP</h3><p class="muted">Open-high-low-close per ${esc(INTERVAL_LABEL[interval])} (green up, red down), ${esc(VWAP_LABEL[interval])} as the orange line, volume in the lower pane. Drag to pan, scroll to zoom, hover for values. <a href="${esc(src)}">JSON</a></p></figcaption>
<div class="lw lw-candles" data-lw="candles" data-src="${esc(src)}" data-symbol="${esc(symbol)}" data-interval="${esc(interval)}" data-bars="${candles.length}" hidden><div class="lw-legend" aria-live="off"></div><div class="lw-canvas"></div></div>
<div class="fallback">${svg}</div>
<p class="muted small">${fmtInteger(candles.length)} bars. Without JavaScript this is an SVG chart of the latest 400.</p>
</figure></section>`;
  return layout(`${symbol} · OHLCV dashboard`, body, { charts: true });
}

export function renderError(status: number, message: string): string {
  return layout(
    `${status} · OHLCV dashboard`,
    `<section class="panel"><h2>${status === 404 ? 'Not found' : status === 400 ? 'Bad request' : 'Error'}</h2><p role="alert">${esc(message)}</p><p><a href="/">Back to the overview</a></p></section>`,
  );
}
