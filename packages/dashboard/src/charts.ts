/**
 * Server-side SVG charts: a line chart over dates, grouped bars over categories and a
 * scatter plot. Plain strings, no DOM: every mark carries an SVG <title> as its tooltip,
 * every text is escaped, and each chart says how many marks it drew (`data-marks`), so
 * the page works without JavaScript and tests can count what was plotted.
 */
import { esc, join } from './html.ts';
import type { ColorOf } from './palette.ts';

export const WIDTH = 760;
export const HEIGHT = 320;
const M = { top: 16, right: 20, bottom: 56, left: 72 };
const PLOT_W = WIDTH - M.left - M.right;
const PLOT_H = HEIGHT - M.top - M.bottom;

export type { ColorOf } from './palette.ts';

export interface ChartFrame {
  /** Unique per page; used for aria ids. */
  id: string;
  title: string;
  /** One sentence for screen readers (<desc>). */
  description: string;
  xLabel: string;
  yLabel: string;
  color: ColorOf;
}

export interface Mark {
  series: string;
  /** Category (date or month) for line and bar charts. */
  x: string;
  y: number;
  tooltip: string;
}

export interface ScatterMark {
  series: string;
  x: number;
  y: number;
  tooltip: string;
}

/** "Nice" tick values (1, 2, 5 × 10^k) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return [0];
  if (min === max) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return niceTicks(min - pad, max + pad, count);
  }
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((f) => f * mag >= raw) ?? 10) * mag;
  const first = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = first; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if ((ticks.at(-1) ?? max) < max) ticks.push(Number(((ticks.at(-1) ?? 0) + step).toPrecision(12)));
  return ticks;
}

/**
 * Volumes of equities, crypto and forex differ by orders of magnitude: past this ratio a
 * linear axis would flatten all but the largest series, so the axis turns logarithmic.
 */
export const LOG_SCALE_RATIO = 1000;

interface Scale {
  ticks: number[];
  map: (v: number) => number;
  log: boolean;
}

/** A zero-based linear scale, or a log10 scale when positive values span >= LOG_SCALE_RATIO. */
function magnitudeScale(values: readonly number[], rangeMin: number, rangeMax: number): Scale {
  const positive = values.filter((v) => v > 0);
  const lo = Math.min(...positive);
  const hi = Math.max(...positive, 0);
  if (positive.length > 1 && hi / lo >= LOG_SCALE_RATIO) {
    const e0 = Math.floor(Math.log10(lo));
    const e1 = Math.ceil(Math.log10(hi));
    const ticks = Array.from({ length: e1 - e0 + 1 }, (_, i) => 10 ** (e0 + i));
    const f = linear(e0, e1, rangeMin, rangeMax);
    return { ticks, log: true, map: (v) => (v > 0 ? f(Math.log10(v)) : rangeMin) };
  }
  const ticks = niceTicks(0, hi);
  return { ticks, log: false, map: linear(0, ticks.at(-1) ?? 1, rangeMin, rangeMax) };
}

const logLabel = (label: string, s: Scale): string => (s.log ? `${label}, log scale` : label);

const r2 = (n: number): string => (Math.round(n * 100) / 100).toString();

function linear(domainMin: number, domainMax: number, rangeMin: number, rangeMax: number) {
  const span = domainMax - domainMin || 1;
  return (v: number) => rangeMin + ((v - domainMin) / span) * (rangeMax - rangeMin);
}

function yAxis(ticks: number[], y: (v: number) => number, fmt: (v: number) => string, label: string): string {
  const lines = ticks.map(
    (t) =>
      `<g class="tick"><line x1="${M.left}" x2="${M.left + PLOT_W}" y1="${r2(y(t))}" y2="${r2(y(t))}" class="grid"/>` +
      `<text x="${M.left - 8}" y="${r2(y(t))}" dy="0.32em" text-anchor="end">${esc(fmt(t))}</text></g>`,
  );
  const mid = M.top + PLOT_H / 2;
  return `<g class="axis y-axis">${lines.join('')}<text class="axis-label" transform="translate(16 ${r2(mid)}) rotate(-90)" text-anchor="middle">${esc(label)}</text></g>`;
}

/** Category labels along x, thinned so they never overlap or run off the edge. */
function xCategoryAxis(cats: readonly string[], x: (c: string) => number, label: string): string {
  const every = Math.max(1, Math.ceil(cats.length / 7));
  const labels = cats
    .filter((_, i) => i % every === 0)
    .map((c) => {
      const cx = x(c);
      const anchor = cx > WIDTH - M.right - 40 ? 'end' : 'middle';
      return `<text x="${r2(anchor === 'end' ? WIDTH - M.right : cx)}" y="${M.top + PLOT_H + 18}" text-anchor="${anchor}">${esc(c)}</text>`;
    });
  return xAxisFrame(labels.join(''), label);
}

function xAxisFrame(inner: string, label: string): string {
  const base = M.top + PLOT_H;
  return `<g class="axis x-axis"><line x1="${M.left}" x2="${M.left + PLOT_W}" y1="${base}" y2="${base}" class="baseline"/>${inner}<text class="axis-label" x="${M.left + PLOT_W / 2}" y="${HEIGHT - 10}" text-anchor="middle">${esc(label)}</text></g>`;
}

function svgOpen(frame: ChartFrame, kind: string, marks: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" ` +
    `aria-labelledby="${esc(frame.id)}-title ${esc(frame.id)}-desc" data-chart="${esc(frame.id)}" data-kind="${kind}" data-marks="${marks}">` +
    `<title id="${esc(frame.id)}-title">${esc(frame.title)}</title><desc id="${esc(frame.id)}-desc">${esc(frame.description)}</desc>`
  );
}

function legend(series: readonly string[], color: ColorOf): string {
  if (series.length === 0) return '';
  return `<ul class="legend">${series
    .map(
      (s) =>
        `<li><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" fill="${color(s)}"/></svg>${esc(s)}</li>`,
    )
    .join('')}</ul>`;
}

const emptyChart = (frame: ChartFrame, kind: string): string =>
  `${svgOpen(frame, kind, 0)}<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" class="empty-text">No data for this selection</text></svg>`;

const uniqueSorted = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

/**
 * One line per series over sorted categories, with a dot per value. Signed values get a
 * zero line; `magnitude` values (volumes) a zero-based or log axis like the bar chart.
 */
export function lineChart(
  frame: ChartFrame,
  marks: readonly Mark[],
  fmtY: (v: number) => string,
  opts: { magnitude?: boolean; baseline?: number } = {},
): string {
  if (marks.length === 0) return emptyChart(frame, 'line');
  const base = opts.baseline ?? 0;
  const cats = uniqueSorted(marks.map((m) => m.x));
  const step = PLOT_W / cats.length;
  const pos = new Map(cats.map((c, i) => [c, M.left + step * (i + 0.5)]));
  const x = (c: string) => pos.get(c) ?? M.left;
  const ys = marks.map((m) => m.y);
  let scale: Scale;
  if (opts.magnitude) scale = magnitudeScale(ys, M.top + PLOT_H, M.top);
  else {
    const ticks = niceTicks(Math.min(base, ...ys), Math.max(base, ...ys));
    scale = { ticks, log: false, map: linear(ticks[0] ?? 0, ticks.at(-1) ?? 1, M.top + PLOT_H, M.top) };
  }
  const y = scale.map;
  const radius = cats.length > 60 ? 2 : cats.length > 25 ? 3 : 4;
  const series = uniqueSorted(marks.map((m) => m.series));
  const body = series.map((s) => {
    const pts = marks.filter((m) => m.series === s).sort((a, b) => (a.x < b.x ? -1 : 1));
    const path = pts.map((p) => `${r2(x(p.x))},${r2(y(p.y))}`).join(' ');
    const dots = pts.map(
      (p) =>
        `<circle class="pt" cx="${r2(x(p.x))}" cy="${r2(y(p.y))}" r="${radius}" fill="${frame.color(s)}"><title>${esc(p.tooltip)}</title></circle>`,
    );
    return `<g class="series" data-series="${esc(s)}"><polyline points="${path}" fill="none" stroke="${frame.color(s)}" stroke-width="2"/>${dots.join('')}</g>`;
  });
  const zero = opts.magnitude
    ? ''
    : `<line class="zero" x1="${M.left}" x2="${M.left + PLOT_W}" y1="${r2(y(base))}" y2="${r2(y(base))}"/>`;
  return join([
    svgOpen(frame, 'line', marks.length),
    yAxis(scale.ticks, y, fmtY, logLabel(frame.yLabel, scale)),
    xCategoryAxis(cats, x, frame.xLabel),
    zero,
    body.join(''),
    '</svg>',
    legend(series, frame.color),
  ]);
}

/** Past this many bar slots, bars are thinner than a pixel or two: draw lines instead. */
export const MAX_BAR_SLOTS = 160;

/** Bars grouped by category, one bar per series; y starts at zero. */
export function groupedBarChart(
  frame: ChartFrame,
  marks: readonly Mark[],
  fmtY: (v: number) => string,
  opts: { alwaysBars?: boolean } = {},
): string {
  if (marks.length === 0) return emptyChart(frame, 'bar');
  const cats = uniqueSorted(marks.map((m) => m.x));
  const series = uniqueSorted(marks.map((m) => m.series));
  if (!opts.alwaysBars && cats.length * series.length > MAX_BAR_SLOTS) {
    return lineChart(frame, marks, fmtY, { magnitude: true });
  }
  const band = PLOT_W / cats.length;
  const inner = band * 0.8;
  const barW = inner / series.length;
  const ys = magnitudeScale(
    marks.map((m) => m.y),
    M.top + PLOT_H,
    M.top,
  );
  const y = ys.map;
  const catIndex = new Map(cats.map((c, i) => [c, i]));
  const seriesIndex = new Map(series.map((s, i) => [s, i]));
  const bars = marks.map((m) => {
    const bx =
      M.left + (catIndex.get(m.x) ?? 0) * band + band * 0.1 + (seriesIndex.get(m.series) ?? 0) * barW;
    const h = m.y > 0 ? Math.max(M.top + PLOT_H - y(m.y), 1) : 0;
    return `<rect class="bar" x="${r2(bx)}" y="${r2(M.top + PLOT_H - h)}" width="${r2(Math.max(barW - 1, 1))}" height="${r2(h)}" fill="${frame.color(m.series)}" data-series="${esc(m.series)}"><title>${esc(m.tooltip)}</title></rect>`;
  });
  return join([
    svgOpen(frame, 'bar', marks.length),
    yAxis(ys.ticks, y, fmtY, logLabel(frame.yLabel, ys)),
    xCategoryAxis(cats, (c) => M.left + ((catIndex.get(c) ?? 0) + 0.5) * band, frame.xLabel),
    bars.join(''),
    '</svg>',
    legend(series, frame.color),
  ]);
}

/** A dot per observation on two linear axes starting at zero. */
export function scatterChart(
  frame: ChartFrame,
  marks: readonly ScatterMark[],
  fmtX: (v: number) => string,
  fmtY: (v: number) => string,
): string {
  if (marks.length === 0) return emptyChart(frame, 'scatter');
  const xs = magnitudeScale(
    marks.map((m) => m.x),
    M.left,
    M.left + PLOT_W,
  );
  const xt = xs.ticks;
  const x = xs.map;
  const yt = niceTicks(0, Math.max(...marks.map((m) => m.y), 0));
  const y = linear(0, yt.at(-1) ?? 1, M.top + PLOT_H, M.top);
  const series = uniqueSorted(marks.map((m) => m.series));
  const dots = marks.map(
    (m) =>
      `<circle class="pt" cx="${r2(x(m.x))}" cy="${r2(y(m.y))}" r="5" fill="${frame.color(m.series)}" fill-opacity="0.8" data-series="${esc(m.series)}"><title>${esc(m.tooltip)}</title></circle>`,
  );
  const xLabels = xt
    .map(
      (t) =>
        `<line class="grid" x1="${r2(x(t))}" x2="${r2(x(t))}" y1="${M.top}" y2="${M.top + PLOT_H}"/><text x="${r2(x(t))}" y="${M.top + PLOT_H + 18}" text-anchor="middle">${esc(fmtX(t))}</text>`,
    )
    .join('');
  return join([
    svgOpen(frame, 'scatter', marks.length),
    yAxis(yt, y, fmtY, frame.yLabel),
    xAxisFrame(xLabels, logLabel(frame.xLabel, xs)),
    dots.join(''),
    '</svg>',
    legend(series, frame.color),
  ]);
}

export interface CandleMark {
  /** Axis label of the bar (date or UTC time). */
  label: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number | null;
  vwap: number | null;
  tooltip: string;
}

/** Past this many candles the SVG fallback draws the latest ones only (and says so). */
export const MAX_SVG_CANDLES = 400;

/**
 * The no-JavaScript candlestick chart: candles (wick and body) with the VWAP line in the
 * price pane, volume bars in a pane below. `data-marks` counts the candles drawn.
 */
export function candlestickChart(
  frame: Omit<ChartFrame, 'color'> & { up: string; down: string; vwap: string },
  all: readonly CandleMark[],
  fmtPrice: (v: number) => string,
  fmtVolume: (v: number) => string,
): string {
  if (all.length === 0) return emptyChart({ ...frame, color: () => '' }, 'candles');
  const candles = all.slice(-MAX_SVG_CANDLES);
  const volH = Math.round(PLOT_H * 0.25);
  const priceH = PLOT_H - volH - 12;
  const lows = candles.map((c) => Math.min(c.low, c.vwap ?? c.low));
  const highs = candles.map((c) => Math.max(c.high, c.vwap ?? c.high));
  const ticks = niceTicks(Math.min(...lows), Math.max(...highs));
  const y = linear(ticks[0] ?? 0, ticks.at(-1) ?? 1, M.top + priceH, M.top);
  const volumes = candles.map((c) => c.volume ?? 0);
  const vMax = Math.max(...volumes, 0) || 1;
  const vBase = M.top + PLOT_H;
  const vy = (v: number) => vBase - (v / vMax) * volH;
  const step = PLOT_W / candles.length;
  const bodyW = Math.max(step * 0.7, 1);
  const cx = (i: number) => M.left + step * (i + 0.5);
  const marks = candles.map((c, i) => {
    const color = c.close >= c.open ? frame.up : frame.down;
    const top = y(Math.max(c.open, c.close));
    const h = Math.max(Math.abs(y(c.open) - y(c.close)), 1);
    const vol =
      c.volume === null
        ? ''
        : `<rect class="vol" x="${r2(cx(i) - bodyW / 2)}" y="${r2(vy(c.volume))}" width="${r2(bodyW)}" height="${r2(vBase - vy(c.volume))}" fill="${color}" fill-opacity="0.45"/>`;
    return `<g class="candle"><title>${esc(c.tooltip)}</title><line x1="${r2(cx(i))}" x2="${r2(cx(i))}" y1="${r2(y(c.high))}" y2="${r2(y(c.low))}" stroke="${color}"/><rect class="body" x="${r2(cx(i) - bodyW / 2)}" y="${r2(top)}" width="${r2(bodyW)}" height="${r2(h)}" fill="${color}"/>${vol}</g>`;
  });
  const vwapPts = candles
    .map((c, i) => (c.vwap === null ? null : `${r2(cx(i))},${r2(y(c.vwap))}`))
    .filter((p): p is string => p !== null);
  const vwap =
    vwapPts.length > 1
      ? `<polyline class="vwap" points="${vwapPts.join(' ')}" fill="none" stroke="${frame.vwap}" stroke-width="1.5"/>`
      : '';
  const labels = candles.map((c) => c.label);
  const xPos = new Map(labels.map((l, i) => [l, cx(i)]));
  const volLabel = `<text x="${M.left - 8}" y="${r2(vBase - volH)}" dy="0.32em" text-anchor="end">${esc(fmtVolume(vMax))}</text><line class="grid" x1="${M.left}" x2="${M.left + PLOT_W}" y1="${r2(vBase - volH - 6)}" y2="${r2(vBase - volH - 6)}"/>`;
  const note =
    all.length > candles.length
      ? `<text class="note" x="${M.left + 4}" y="${M.top + 12}">latest ${candles.length} of ${all.length} bars</text>`
      : '';
  return join([
    svgOpen({ ...frame, color: () => '' }, 'candles', candles.length),
    yAxis(ticks, y, fmtPrice, frame.yLabel),
    xCategoryAxis(labels, (l) => xPos.get(l) ?? M.left, frame.xLabel),
    volLabel,
    marks.join(''),
    vwap,
    note,
    '</svg>',
  ]);
}
