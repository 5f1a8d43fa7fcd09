/** The HTML pages: one layout, the overview (health + charts) and the health fragment. */
import type { RuntimeStatus } from '@ohlcv/local';
import { palette } from './charts.ts';
import { fmtAge, fmtDuration, fmtInteger } from './format.ts';
import { esc, join } from './html.ts';
import { dataTable, PANELS } from './panels.ts';
import { DASHBOARD_SERIES, type Selection, type SeriesName } from './series.ts';
import type { AlertView } from './source.ts';

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<header class="top"><a class="brand" href="/">OHLCV dashboard</a><nav aria-label="Pages"><a href="/">Overview</a> <a href="/api/status">status JSON</a> <a href="/api/queries">queries JSON</a></nav></header>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface HealthInput {
  status: RuntimeStatus;
  alerts: AlertView[] | undefined;
  now: Date;
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
<li class="card"><h3>Pipeline</h3><p>${status.engine ? badge('ok', 'running') : badge('idle', 'not running')}</p><p class="sub">${status.engine ? `pid ${esc(status.engine.pid)} since ${esc(status.engine.since)}` : 'start it with <code>ohlcv start</code>'}</p></li>
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
        `<tr><td><code title="${esc(r.jobRunId)}">${esc(r.jobRunId.slice(0, 14))}</code></td><td>${badge(r.state === 'SUCCEEDED' ? 'ok' : r.state === 'FAILED' || r.state === 'TIMEOUT' ? 'bad' : 'idle', r.state)}</td><td>${esc(r.submittedAt)}</td><td>${esc(fmtDuration(r.startedAt, r.finishedAt))}</td><td>${esc(r.error ?? '')}</td></tr>`,
    )
    .join('');
  const runs = `<section class="panel" aria-labelledby="h-runs"><h3 id="h-runs">Latest ETL job runs</h3>${
    runRows
      ? `<div class="table-wrap"><table><thead><tr><th scope="col">Run</th><th scope="col">State</th><th scope="col">Submitted (UTC)</th><th scope="col">Took</th><th scope="col">Error</th></tr></thead><tbody>${runRows}</tbody></table></div>`
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
                    `<li class="alert ${a.severity === 'critical' ? 'bad' : a.severity === 'warning' ? 'warn' : 'idle'}">${badge(a.severity === 'critical' ? 'bad' : a.severity === 'warning' ? 'warn' : 'idle', a.severity)} <strong>${esc(a.title)}</strong> <span class="muted">${esc(a.at)} · ${esc(a.kind)}</span><p>${esc(a.message)}</p></li>`,
                )
                .join('')}</ul>`
        }</section>`;

  const events = `<section class="panel" aria-labelledby="h-events"><h3 id="h-events">Latest events</h3>${
    status.recentEvents.length === 0
      ? '<p class="muted">No events yet.</p>'
      : `<div class="table-wrap"><table><thead><tr><th scope="col">#</th><th scope="col">At (UTC)</th><th scope="col">Source</th><th scope="col">Detail type</th><th scope="col">Routed to</th></tr></thead><tbody>${[
          ...status.recentEvents,
        ]
          .reverse()
          .map(
            (e) =>
              `<tr><td>${esc(e.seq)}</td><td>${esc(e.at)}</td><td>${esc(e.source)}</td><td>${esc(e.detailType)}</td><td>${esc(e.routedTo.join(', ') || '–')}</td></tr>`,
          )
          .join('')}</tbody></table></div>`
  }</section>`;

  return `<div id="health" data-refreshed="${esc(now.toISOString())}">${summary}<div class="grid">${join([alertList, queues, runs, catalog, events])}</div><p class="muted small">Data folder ${esc(status.home)} · updated ${esc(now.toISOString().slice(11, 19))} UTC</p></div>`;
}

export interface ChartResult {
  name: SeriesName;
  rows: Record<string, unknown>[] | null;
  error?: string;
}

function selectionForm(sel: Selection, symbols: readonly string[]): string {
  const options = [`<option value=""${sel.symbol === '' ? ' selected' : ''}>All symbols</option>`]
    .concat(
      symbols.map(
        (s) => `<option value="${esc(s)}"${s === sel.symbol ? ' selected' : ''}>${esc(s)}</option>`,
      ),
    )
    .join('');
  return `<form class="selection" method="get" action="/" role="search" aria-label="Chart selection">
<label>Symbol <select name="symbol">${options}</select></label>
<label>From <input type="date" name="start" value="${esc(sel.start)}"></label>
<label>To <input type="date" name="end" value="${esc(sel.end)}"></label>
<button type="submit">Apply</button> <a href="/">Reset</a>
</form>`;
}

export function renderOverview(opts: {
  health: string;
  selection: Selection;
  symbols: readonly string[];
  charts: ChartResult[];
}): string {
  const color = palette(opts.symbols);
  const figures = DASHBOARD_SERIES.map((name) => {
    const c = opts.charts.find((x) => x.name === name);
    const spec = PANELS[name];
    const inner =
      !c || c.rows === null
        ? `<p class="error" role="alert">Could not load ${esc(spec.title.toLowerCase())}: ${esc(c?.error ?? 'no result')}</p>`
        : `${spec.chart(c.rows, color)}${dataTable(spec, c.rows)}`;
    const api = `/api/series/${name}?${new URLSearchParams(
      Object.entries(opts.selection).filter(([, v]) => v !== ''),
    ).toString()}`;
    return `<figure class="panel chart" id="chart-${name}"><figcaption><h3>${esc(spec.title)}</h3><p class="muted">${esc(spec.caption)} <a href="${esc(api)}">JSON</a></p></figcaption>${inner}</figure>`;
  }).join('\n');
  const body = `<section aria-labelledby="h-health"><h2 id="h-health">Pipeline health</h2>${opts.health}</section>
<section aria-labelledby="h-charts"><h2 id="h-charts">Market data</h2>${selectionForm(opts.selection, opts.symbols)}<div class="charts">${figures}</div></section>`;
  return layout('OHLCV dashboard', body);
}

export function renderError(status: number, message: string): string {
  return layout(
    `${status} · OHLCV dashboard`,
    `<section class="panel"><h2>${status === 404 ? 'Not found' : status === 400 ? 'Bad request' : 'Error'}</h2><p role="alert">${esc(message)}</p><p><a href="/">Back to the overview</a></p></section>`,
  );
}
