// The dashboard in Debian's Chromium, as a user sees it: a real lake built by the real
// pipeline, the real server on a free loopback port, one browser per file. What canvas
// draws cannot be counted in pixels, so the chart script records what it handed to
// lightweight-charts (data-series-length, data-series-count); the counts are checked
// against DuckDB queries written here, not the dashboard's own SQL.
import fs from 'node:fs';
import path from 'node:path';
import { chromiumBinary, requireToolchain } from '@ohlcv/core/testing/toolchain';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboard } from '../src/index.ts';
import { ARTIFACTS, type BrowserSession, launchChromium, openPage } from './browser.ts';
import { buildLake, EVIL, type Lake } from './lake-fixture.ts';

const run = requireToolchain(
  "Debian's Chromium",
  chromiumBinary() !== undefined,
  'run `bash .ci/prepare.d/20-chromium.sh` (apt-get install chromium) or set OHLCV_CHROMIUM',
);

const SHOTS = path.join(ARTIFACTS, 'browser');

let lake: Lake;
let dash: DashboardServer;
let browser: BrowserSession;

beforeAll(async () => {
  if (!run) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  [lake, browser] = await Promise.all([buildLake(), launchChromium()]);
  dash = await startDashboard({ runtime: lake.rt, port: 0 });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await dash?.close();
  await lake?.close();
});

async function count(sql: string, params: Record<string, string> = {}): Promise<number> {
  const rows = await lake.rt.catalog.queryEngine.query(sql, params);
  return Number(rows[0]?.n);
}

/** Every interactive chart on the page drew (or failed: then the test says which). */
async function chartsDrawn(page: Page): Promise<Record<string, string>[]> {
  // Polled with page.evaluate (CDP, outside the page's CSP): waitForFunction with a string
  // evaluates it inside the page, which our CSP (no 'unsafe-eval') rightly refuses.
  const read = `[...document.querySelectorAll('[data-lw]')].map((e) => ({ ...e.dataset }))`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const charts = (await page.evaluate(read)) as Record<string, string>[];
    if (charts.every((c) => c.rendered)) return charts;
    if (Date.now() > deadline) throw new Error(`charts not drawn after 20 s: ${JSON.stringify(charts)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function visit(url: string, shot: string): Promise<{ page: Page; charts: Record<string, string>[] }> {
  const { page, problems } = await openPage(browser.context);
  const res = await page.goto(new URL(url, dash.url).toString());
  expect(res?.status(), url).toBe(200);
  const charts = await chartsDrawn(page);
  await page.screenshot({ path: path.join(SHOTS, `${shot}.png`), fullPage: true });
  expect(problems, url).toEqual([]);
  for (const c of charts) expect(c.rendered, `${url} ${c.lw}`).toBe('true');
  return { page, charts };
}

const candles = (charts: Record<string, string>[]) => charts.find((c) => c.lw === 'candles');
const performance = (charts: Record<string, string>[]) => charts.find((c) => c.lw === 'performance');

describe.runIf(run)('the dashboard in Chromium', () => {
  it('renders every page with no console error and no CSP violation', async () => {
    const pages: [string, string][] = [
      ['/', 'overview'],
      ['/?symbol=AAPL&symbol=BTC%2FUSD', 'overview-two-symbols'],
      ['/symbol', 'symbol-default'],
      ['/symbol?symbol=AAPL&interval=1min', 'symbol-aapl-1min'],
      ['/symbol?symbol=BTC%2FUSD&interval=1h', 'symbol-btc-1h'],
      ['/symbol?symbol=AAPL&interval=1day', 'symbol-aapl-1day'],
      ['/symbol?symbol=EUR%2FUSD&interval=1h', 'symbol-eurusd-no-volume'],
      [`/symbol?symbol=${encodeURIComponent(EVIL)}&interval=1min`, 'symbol-markup'],
    ];
    for (const [url, shot] of pages) {
      const { page, charts } = await visit(url, shot);
      expect(charts.length, url).toBeGreaterThan(0);
      // The markup symbol stays text: no script of its own ran, the heading shows it.
      if (shot === 'symbol-markup') expect(await page.textContent('h2')).toContain(EVIL);
      // Forex has no volume: no volume pane is drawn.
      if (shot === 'symbol-eurusd-no-volume') expect(candles(charts)?.volumeLength).toBe('0');
      await page.close();
    }
  });

  it('draws the expected number of candles for the fixture, per interval', async () => {
    // 2024-03-06..08, BTC/USD trades around the clock: 3 days x 24 hours.
    const hourly = await count(
      `SELECT count(DISTINCT ts) AS n FROM ohlcv.bars_hourly WHERE symbol = 'BTC/USD'`,
    );
    expect(hourly).toBe(72);
    const h = await visit('/symbol?symbol=BTC%2FUSD&interval=1h', 'count-btc-1h');
    expect(candles(h.charts)).toMatchObject({
      symbol: 'BTC/USD',
      interval: '1h',
      bars: String(hourly),
      seriesLength: String(hourly),
      volumeLength: String(hourly),
    });
    await h.page.close();

    const d = await visit('/symbol?symbol=AAPL&interval=1day', 'count-aapl-1day');
    expect(candles(d.charts)).toMatchObject({ seriesLength: '3', vwapLength: '3' });
    await d.page.close();

    // One-minute bars: the default window is the symbol's last two dates with such bars.
    const minutes = await count(
      `SELECT count(*) AS n FROM ohlcv.bars WHERE symbol = 'AAPL' AND "interval" = '1min' AND "date" IN ('2024-03-07', '2024-03-08')`,
    );
    const m = await visit('/symbol?symbol=AAPL&interval=1min', 'count-aapl-1min');
    expect(minutes).toBeGreaterThan(100);
    expect(candles(m.charts)?.seriesLength).toBe(String(minutes));
    expect(await m.page.getAttribute('[data-window-start]', 'data-window-start')).toBe('2024-03-07');
    await m.page.close();
  });

  it('without JavaScript shows the server-drawn SVG charts instead', async () => {
    const { page, problems } = await openPage(browser.context);
    // The app script answers empty: the page is what a browser without JavaScript gets.
    await page.route('**/assets/app.js', (route) =>
      route.fulfill({ contentType: 'text/javascript', body: '' }),
    );
    await page.goto(new URL('/symbol?symbol=BTC%2FUSD&interval=1h', dash.url).toString());
    await page.screenshot({ path: path.join(SHOTS, 'no-js-symbol.png'), fullPage: true });
    expect(await page.isVisible('svg[data-chart="candles"]')).toBe(true);
    expect(await page.isVisible('[data-lw="candles"]')).toBe(false);
    expect(await page.getAttribute('svg[data-chart="candles"]', 'data-marks')).toBe('72');
    expect(await page.locator('svg[data-chart="candles"] g.candle').count()).toBe(72);
    await page.goto(new URL('/', dash.url).toString());
    expect(await page.isVisible('svg[data-chart="performance"]')).toBe(true);
    expect(await page.isVisible('button.copy')).toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('updates the charts when the symbol and the range change', async () => {
    const { page } = await visit('/symbol?symbol=AAPL&interval=1h', 'change-before');
    await page.selectOption('form.selection select[name="symbol"]', 'BTC/USD');
    await page.fill('form.selection input[name="start"]', '2024-03-07');
    await page.fill('form.selection input[name="end"]', '2024-03-07');
    await Promise.all([
      page.waitForURL(/symbol=BTC%2FUSD/),
      page.click('form.selection button[type="submit"]'),
    ]);
    const after = candles(await chartsDrawn(page));
    await page.screenshot({ path: path.join(SHOTS, 'change-after.png'), fullPage: true });
    expect(after).toMatchObject({ symbol: 'BTC/USD', rendered: 'true', seriesLength: '24' });

    // Overview: two symbols compared, each rebased to 100 on the range's first day.
    await page.goto(new URL('/', dash.url).toString());
    await chartsDrawn(page);
    expect(Number(performance(await chartsDrawn(page))?.seriesCount)).toBeGreaterThanOrEqual(3);
    await page.selectOption('form.selection select[name="symbol"]', ['AAPL', 'BTC/USD']);
    await page.fill('form.selection input[name="start"]', '2024-03-07');
    await page.fill('form.selection input[name="end"]', '2024-03-08');
    await Promise.all([
      page.waitForURL(/symbol=AAPL&symbol=BTC/),
      page.click('form.selection button[type="submit"]'),
    ]);
    const perf = performance(await chartsDrawn(page));
    await page.screenshot({ path: path.join(SHOTS, 'compare-two.png'), fullPage: true });
    expect(perf).toMatchObject({ seriesCount: '2', symbols: 'AAPL,BTC/USD', seriesLength: '4' });
    const api = (await (await fetch(new URL(perf?.src ?? '', dash.url))).json()) as {
      series: { symbol: string; color: string; points: { time: string; value: number }[] }[];
    };
    expect(api.series.map((s) => [s.symbol, s.points[0]?.time, s.points[0]?.value])).toEqual([
      ['AAPL', '2024-03-07', 100],
      ['BTC/USD', '2024-03-07', 100],
    ]);
    // Each symbol has its own colour, the same in the SVG legend as in the chart.
    expect(new Set(api.series.map((s) => s.color)).size).toBe(2);
    // The daily charts follow the same selection.
    const drawn = await page.evaluate(
      `[...document.querySelectorAll('#chart-daily_price_change .series')].map((g) => g.dataset.series)`,
    );
    expect(drawn).toEqual(['AAPL', 'BTC/USD']);
    await page.close();
  });

  it('fits the health panel into 1280 px (and 1400, 1920): no horizontal overflow, ids shortened with the full id at hand', async () => {
    const { page } = await visit('/', 'health-1280');
    const overflowAt = async (width: number): Promise<string[]> => {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: path.join(SHOTS, `health-${width}.png`), fullPage: true });
      return page.evaluate(`(() => {
        const out = [];
        if (document.documentElement.scrollWidth > window.innerWidth) out.push('page ' + document.documentElement.scrollWidth);
        for (const el of document.querySelectorAll('#health *')) {
          if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') out.push(el.className + ' ' + el.scrollWidth + '>' + el.clientWidth);
          const r = el.getBoundingClientRect(), p = el.closest('.panel, .card')?.getBoundingClientRect();
          if (p && r.width > 0 && (r.right > p.right + 1 || r.left < p.left - 1)) out.push((el.tagName + '.' + el.className + ' ' + (el.textContent || '').slice(0, 40)) + ' sticks out');
        }
        return out;
      })()`);
    };
    for (const width of [1920, 1400, 1280]) expect(await overflowAt(width), `at ${width} px`).toEqual([]);
    // The detail-type column is on screen.
    const detail = await page.locator('#h-events ~ .table-wrap th', { hasText: 'Detail type' }).boundingBox();
    expect(detail && detail.x + detail.width).toBeLessThanOrEqual(1280);
    // Run ids: shortened on screen, the whole id in the tooltip and on the copy button.
    const runId = lake.rt.status().recentRuns[0]?.jobRunId ?? '';
    expect(runId.length).toBeGreaterThan(14);
    const code = page.locator(`code.id[title="${runId}"]`).first();
    expect((await code.textContent())?.length).toBeLessThan(runId.length);
    const copy = page.locator(`button.copy[data-copy="${runId}"]`).first();
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dash.url });
    await copy.click();
    // Polled, not awaited on the button's state: the 5-second health refresh may replace it.
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()'), { timeout: 10_000 }).toBe(runId);
    await page.close();
  });
});
