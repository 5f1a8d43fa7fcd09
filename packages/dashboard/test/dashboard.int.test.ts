import http from 'node:http';
import { getQuery, resolveParams } from '@ohlcv/local/catalog/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboard } from '../src/index.ts';
import { buildLake, EVIL, FAR, type Lake, RANGE } from './lake-fixture.ts';

let lake: Lake;
let dash: DashboardServer;

beforeAll(async () => {
  lake = await buildLake();
  dash = await startDashboard({ runtime: lake.rt, port: 0 });
});
afterAll(async () => {
  await dash?.close();
  await lake?.close();
});

async function get(path: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(new URL(path, dash.url));
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function direct(name: string, given: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
  const q = getQuery(name);
  return lake.rt.catalog.queryEngine.query(q.sql, resolveParams(q, given));
}

/** The chart's <svg> element: its declared mark count and the marks actually drawn. */
function chart(
  html: string,
  name: string,
): { declared: number; drawn: number; series: string[]; body: string } {
  const m = new RegExp(`<svg[^>]*data-chart="${name}"[^>]*data-marks="(\\d+)"[^>]*>([\\s\\S]*?)</svg>`).exec(
    html,
  );
  if (!m) throw new Error(`no chart ${name} in page`);
  const body = m[2] ?? '';
  const drawn = (body.match(/<circle class="pt"|<rect class="bar"/g) ?? []).length;
  const series = [...body.matchAll(/data-series="([^"]*)"/g)].map((x) => x[1] ?? '');
  return { declared: Number(m[1]), drawn, series: [...new Set(series)].sort(), body };
}

const nonNull = (rows: Record<string, unknown>[], col: string) => rows.filter((r) => r[col] !== null);
const escaped = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

describe('the dashboard over a real local lake', () => {
  it('binds to loopback and refuses other interfaces', async () => {
    expect(dash.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await expect(startDashboard({ runtime: lake.rt, host: '0.0.0.0', port: 0 })).rejects.toThrow(/loopback/);
  });

  it('draws the four charts with one mark per query row that has a value, over the default window', async () => {
    const { status, text } = await get('/');
    expect(status).toBe(200);
    const range = { start_date: RANGE.start, end_date: RANGE.end };
    const expected = {
      daily_price_change: nonNull(await direct('daily_price_change', range), 'price_change_pct'),
      daily_volume: nonNull(await direct('daily_volume', range), 'volume'),
      // Monthly: the trailing twelve months up to the window's end.
      monthly_volume: nonNull(
        await direct('monthly_volume', { start_month: '2023-04', end_month: '2024-03' }),
        'total_volume',
      ),
      price_vs_volume: nonNull(await direct('price_vs_volume', range), 'abs_return'),
    };
    // 3 symbols x 3 days, plus the dropped symbols' one day each in the window.
    expect(expected.daily_price_change).toHaveLength(11);
    expect(expected.daily_volume.length).toBeGreaterThanOrEqual(7);
    for (const [name, rows] of Object.entries(expected)) {
      const c = chart(text, name);
      expect(c.drawn, name).toBe(rows.length);
      expect(c.declared, name).toBe(rows.length);
      expect(c.series, name).toEqual([...new Set(rows.map((r) => escaped(String(r.symbol))))].sort());
    }
    // The line chart's dots carry each day's change as a tooltip.
    const aapl = expected.daily_price_change.find(
      (r) => r.symbol === 'AAPL' && r.trade_date === '2024-03-07',
    );
    const pct = ((aapl?.price_change_pct as number) * 100).toFixed(2);
    expect(chart(text, 'daily_price_change').body).toContain(
      `<title>AAPL 2024-03-07: ${Number(pct) >= 0 ? '+' : ''}${pct}%`,
    );
    // Axes have tick labels and units.
    expect(chart(text, 'daily_volume').body).toMatch(/class="axis-label"[^>]*>Volume \(units traded\)/);
    expect(chart(text, 'daily_price_change').body).toContain('2024-03-06</text>');
  });

  it('filters by symbol and date range from the query string', async () => {
    const { text } = await get('/?symbol=AAPL&start=2024-03-07&end=2024-03-08');
    const rows = await direct('daily_price_change', {
      symbol: 'AAPL',
      start_date: '2024-03-07',
      end_date: '2024-03-08',
    });
    expect(rows).toHaveLength(2);
    expect(chart(text, 'daily_price_change').drawn).toBe(2);
    expect(chart(text, 'daily_volume').series).toEqual(['AAPL']);
    expect(text).toContain('<option value="AAPL" selected>AAPL</option>');
    expect(text).toContain('<option value="BTC/USD">BTC/USD</option>');
    expect(text).toContain('name="start" value="2024-03-07"');
  });

  it('escapes every value: a symbol made of markup stays text', async () => {
    const { text, headers } = await get('/');
    expect(text).not.toContain(EVIL);
    expect(text).toContain(escaped(EVIL));
    // Only our own two script tags (chart library, app), both from our origin.
    expect([...text.matchAll(/<script[^>]*>/g)].map((m) => m[0])).toEqual([
      '<script src="/assets/lightweight-charts.js" defer>',
      '<script src="/assets/app.js" defer>',
    ]);
    expect(headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    const selected = await get(`/?symbol=${encodeURIComponent(EVIL)}`);
    expect(selected.status).toBe(200);
    expect(selected.text).not.toContain(EVIL);
    expect(chart(selected.text, 'daily_volume').series).toEqual([escaped(EVIL)]);
  });

  it('shows pipeline health: queues and DLQs, job runs, catalog, alerts, events', async () => {
    const status = lake.rt.status();
    const { text } = await get('/');
    for (const q of status.queues) expect(text).toContain(`<th scope="row">${q.queue}</th>`);
    expect(text).toContain('ingestion-requests-dlq');
    expect(text).toMatch(/<h3>ETL job runs<\/h3><p class="big">(\d+)<\/p>/);
    expect(/<h3>ETL job runs<\/h3><p class="big">(\d+)<\/p>/.exec(text)?.[1]).toBe(
      String(status.jobs.SUCCEEDED),
    );
    expect(text).toContain(
      `<th scope="row">bars_daily</th><td>${status.catalog && (status.catalog as Record<string, { partitions: number }>).bars_daily?.partitions}</td>`,
    );
    const last = status.recentEvents.at(-1);
    expect(text).toContain(`<td class="detail-type">${last?.detailType}</td>`);
    const alerts = lake.rt.eventLog.last(1000).filter((e) => e.detailType === 'Alert Raised');
    expect(alerts.length).toBeGreaterThan(0);
    const title = String((alerts.at(-1)?.envelope.detail as { title?: string } | undefined)?.title);
    // A long run id in the title is shortened; the full id is its tooltip and what Copy copies.
    const id = /jr_[0-9a-f]{20,}/.exec(title)?.[0] ?? '';
    expect(id.length).toBeGreaterThan(20);
    expect(text).toContain(escaped(title.slice(0, title.indexOf(id))));
    expect(text).toContain(`<code class="id" title="${id}">${id.slice(0, 8)}…${id.slice(-4)}</code>`);
    expect(text).toContain(`data-copy="${id}"`);

    const fragment = await get('/fragment/health');
    expect(fragment.status).toBe(200);
    expect(fragment.text.startsWith('<div id="health"')).toBe(true);
    const js = await get('/assets/app.js');
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.text).toContain('/fragment/health');
    const lib = await get('/assets/lightweight-charts.js');
    expect(lib.status).toBe(200);
    expect(lib.text).toContain('TradingView Lightweight Charts');
    expect((await get('/assets/../package.json')).status).toBe(404);
  });

  it('answers the JSON API from the registry', async () => {
    const status = await get('/api/status');
    expect(status.status).toBe(200);
    expect(JSON.parse(status.text).queues).toHaveLength(lake.rt.status().queues.length);

    const queries = JSON.parse((await get('/api/queries')).text) as {
      name: string;
      dashboard: boolean;
      params: { name: string }[];
    }[];
    expect(
      queries
        .filter((q) => q.dashboard)
        .map((q) => q.name)
        .sort(),
    ).toEqual(['daily_price_change', 'daily_volume', 'monthly_volume', 'price_vs_volume']);
    expect(queries.find((q) => q.name === 'monthly_volume')?.params.map((p) => p.name)).toContain(
      'start_month',
    );

    const s = await get(`/api/series/daily_volume?symbol=BTC%2FUSD&start=${RANGE.start}&end=2024-03-07`);
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toContain('application/json');
    const body = JSON.parse(s.text);
    expect(body.params).toEqual({ start_date: RANGE.start, end_date: '2024-03-07', symbol: 'BTC/USD' });
    expect(body.rows).toEqual(
      await direct('daily_volume', { symbol: 'BTC/USD', start_date: RANGE.start, end_date: '2024-03-07' }),
    );
    const monthly = JSON.parse((await get('/api/series/monthly_volume?start=2024-03-01&symbol=AAPL')).text);
    expect(monthly.params.start_month).toBe('2024-03');
    expect(monthly.rows).toHaveLength(1);
    // The registry's own parameter names work too.
    const native = JSON.parse(
      (await get('/api/series/monthly_volume?start_month=2024-04&end_month=2024-12')).text,
    );
    expect(native.rows).toEqual([]);
  });

  it('rejects bad input with 400 naming the parameter, unknown paths with 404', async () => {
    const badDate = await get('/api/series/daily_price_change?start=2024-13-01');
    expect(badDate.status).toBe(400);
    expect(JSON.parse(badDate.text)).toMatchObject({ parameter: 'start' });
    expect(JSON.parse(badDate.text).error).toContain('YYYY-MM-DD');

    const notADay = await get('/api/series/daily_price_change?end=2024-02-30');
    expect(JSON.parse(notADay.text).parameter).toBe('end');

    const badMonth = await get('/api/series/monthly_volume?start_month=2024-3');
    expect(badMonth.status).toBe(400);
    expect(JSON.parse(badMonth.text).parameter).toBe('start_month');

    const unknownParam = await get('/api/series/daily_volume?sql=DROP%20TABLE');
    expect(unknownParam.status).toBe(400);
    expect(JSON.parse(unknownParam.text).parameter).toBe('sql');

    const reversed = await get('/?start=2024-03-08&end=2024-03-01');
    expect(reversed.status).toBe(400);
    expect(reversed.text).toContain('parameter end (2024-03-01) is before start (2024-03-08)');

    const series = await get('/api/series/top_movers');
    expect(series.status).toBe(404);
    expect(JSON.parse(series.text).error).toContain('daily_price_change');
    const traversal = await get('/api/series/..%2F..%2Fetc%2Fpasswd');
    expect(traversal.status).toBe(404);
    const page = await get('/assets/../package.json');
    expect(page.status).toBe(404);
    expect(page.headers.get('content-security-policy')).toBeTruthy();

    const post = await fetch(new URL('/api/status', dash.url), { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('answers only to a loopback Host header (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        new URL('/api/status', dash.url),
        { headers: { host: 'evil.example:80' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('defaults to the latest dates the selection has data for, not the whole history', async () => {
    // FAR's file reaches into 2025: with all dates the other symbols' three days would be a
    // sliver at the left edge. The default window is where most of the selection has data.
    const { text } = await get('/');
    const dates = [
      ...chart(text, 'daily_price_change').body.matchAll(/<title>[^<]* (\d{4}-\d{2}-\d{2}):/g),
    ].map((m) => m[1]);
    expect(dates.length).toBeGreaterThan(0);
    expect(new Set(dates)).toEqual(new Set(['2024-03-06', '2024-03-07', '2024-03-08']));
    expect(text).toContain('data-window-start="2024-03-06" data-window-end="2024-03-08"');
    // FAR alone: its own latest dates.
    const far = await get(`/?symbol=${FAR.symbol}`);
    expect(far.text).toContain('data-window-start="2024-03-07" data-window-end="2025-04-02"');
    const perf = JSON.parse((await get(`/api/performance?symbol=${FAR.symbol}`)).text);
    expect(perf.series[0].points.map((p: { time: string }) => p.time)).toEqual(FAR.days);
    // An explicit range wins.
    const explicit = await get('/?start=2025-04-01&end=2025-04-02');
    expect(chart(explicit.text, 'daily_volume').series).toEqual([FAR.symbol]);
  });

  it('compares several symbols: a repeated symbol parameter, performance rebased to 100', async () => {
    const two = JSON.parse((await get('/api/series/daily_volume?symbol=AAPL&symbol=BTC%2FUSD')).text);
    expect(two.rows).toEqual([
      ...(await direct('daily_volume', { symbol: 'AAPL' })),
      ...(await direct('daily_volume', { symbol: 'BTC/USD' })),
    ]);
    expect(two.params).toHaveLength(2);
    const page = await get('/?symbol=AAPL&symbol=EUR%2FUSD');
    expect(chart(page.text, 'daily_price_change').series).toEqual(['AAPL', 'EUR/USD']);
    expect(page.text).toContain('<option value="AAPL" selected>');
    expect(page.text).toContain('<option value="EUR/USD" selected>');
    expect(page.text).toContain('<option value="BTC/USD">');

    const perf = JSON.parse((await get('/api/performance?symbol=AAPL&symbol=BTC%2FUSD')).text) as {
      base: number;
      series: { symbol: string; color: string; points: { time: string; value: number }[] }[];
    };
    expect(perf.base).toBe(100);
    const closes = await lake.rt.catalog.queryEngine.query(
      `SELECT symbol, CAST(trade_date AS VARCHAR) AS d, close FROM ohlcv.bars_daily WHERE symbol IN ('AAPL', 'BTC/USD') ORDER BY symbol, trade_date`,
    );
    for (const s of perf.series) {
      const mine = closes.filter((r) => r.symbol === s.symbol);
      const first = Number(mine[0]?.close);
      expect(s.points.map((p) => p.time)).toEqual(mine.map((r) => r.d));
      s.points.forEach((p, i) => {
        expect(p.value).toBeCloseTo((100 * Number(mine[i]?.close)) / first, 9);
      });
    }
    expect(perf.series[0]?.points[0]?.value).toBe(100);
  });

  it('gives each symbol one colour, the same in every chart and every selection', async () => {
    const colourOf = (html: string, symbol: string): string[] => [
      ...new Set(
        [...html.matchAll(/<rect[^>]*fill="(#[0-9A-Fa-f]{6})"[^>]*data-series="([^"]*)"/g)]
          .filter((m) => m[2] === escaped(symbol))
          .map((m) => m[1] ?? ''),
      ),
    ];
    const all = await get('/');
    const one = await get('/?symbol=BTC%2FUSD');
    const aapl = colourOf(all.text, 'AAPL');
    const btc = colourOf(all.text, 'BTC/USD');
    expect(aapl).toHaveLength(1);
    expect(btc).toHaveLength(1);
    expect(aapl).not.toEqual(btc);
    expect(colourOf(one.text, 'BTC/USD')).toEqual(btc);
    const perf = JSON.parse((await get('/api/performance?symbol=BTC%2FUSD')).text);
    expect(perf.series[0].color).toBe(btc[0]);
  });

  it('serves candles of one symbol per interval, with VWAP, checked against the tables', async () => {
    for (const [interval, table, time] of [
      ['1h', 'bars_hourly', 'ts'],
      ['1day', 'bars_daily', 'trade_date'],
    ] as const) {
      const body = JSON.parse((await get(`/api/candles?symbol=BTC%2FUSD&interval=${interval}`)).text);
      const rows = await lake.rt.catalog.queryEngine.query(
        `SELECT ${time} AS t, open, high, low, close, volume, vwap FROM ohlcv.${table} WHERE symbol = 'BTC/USD' ORDER BY ${time}`,
      );
      expect(body).toMatchObject({
        symbol: 'BTC/USD',
        interval,
        start: RANGE.start,
        end: RANGE.end,
        auto: true,
      });
      expect(body.count).toBe(rows.length);
      expect(body.bars.map((b: { close: number }) => b.close)).toEqual(rows.map((r) => r.close));
      expect(body.bars.map((b: { vwap: number }) => b.vwap)).toEqual(rows.map((r) => r.vwap));
    }
    const minutes = JSON.parse(
      (await get('/api/candles?symbol=AAPL&interval=1min&start=2024-03-07&end=2024-03-07')).text,
    );
    const first = minutes.bars[0];
    expect(new Date(first.time * 1000).toISOString().slice(0, 10)).toBe('2024-03-07');
    expect(minutes.auto).toBe(false);
    // The symbol page's SVG fallback draws the same bars.
    const page = await get('/symbol?symbol=BTC%2FUSD&interval=1day');
    expect(page.text).toMatch(/data-chart="candles" data-kind="candles" data-marks="3"/);
    expect(page.text).toContain('data-bars="3"');
    // Forex has no volume: candles without a volume pane's values.
    const fx = JSON.parse((await get('/api/candles?symbol=EUR%2FUSD&interval=1h')).text);
    expect(fx.count).toBeGreaterThan(0);
    expect(fx.bars.every((b: { volume: unknown }) => b.volume === null)).toBe(true);

    const bad = await get('/api/candles?symbol=AAPL&interval=5min');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).parameter).toBe('interval');
    const two = await get('/api/candles?symbol=AAPL&symbol=SPY');
    expect(JSON.parse(two.text).parameter).toBe('symbol');
    expect((await get('/symbol?symbol=AAPL&start=2024-02-30')).status).toBe(400);
  });

  it('caches results per catalog version: repeats are hits, new data is seen at once', async () => {
    const url = '/api/series/daily_volume?symbol=LATE';
    const before = dash.cacheStats();
    expect(JSON.parse((await get(url)).text).rows).toEqual([]);
    expect(JSON.parse((await get(url)).text).rows).toEqual([]);
    const mid = dash.cacheStats();
    expect(mid.hits).toBeGreaterThan(before.hits);
    // New data: a partition registered and a job run finished change the catalog version.
    await lake.rt.store.put(
      'raw/drops/late.csv',
      Buffer.from(
        'symbol,interval,timestamp,open,high,low,close,volume\nLATE,1day,2024-03-07,1,2,0.5,1.5,700\n',
      ),
    );
    const d = await lake.rt.drain();
    expect(d.failed).toBe(0);
    const rows = JSON.parse((await get(url)).text).rows;
    expect(rows).toMatchObject([{ symbol: 'LATE', trade_date: '2024-03-07', volume: 700 }]);
  });

  it('answers a burst of concurrent cold requests (bounded query concurrency, no deadlock)', async () => {
    // Distinct keys, each a cached answer built from cached queries: with the query limit
    // wrapped around the outer computation too, two of them held both slots forever.
    const urls = ['AAPL', 'BTC/USD', 'EUR/USD'].flatMap((s) =>
      ['1min', '1h', '1day'].flatMap((i) => [
        `/api/candles?symbol=${encodeURIComponent(s)}&interval=${i}&start=2024-03-06&end=2024-03-07`,
        `/api/candles?symbol=${encodeURIComponent(s)}&interval=${i}&start=2024-03-07&end=2024-03-08`,
      ]),
    );
    const answers = await Promise.all(urls.map((u) => get(u)));
    expect(answers.map((a) => a.status)).toEqual(urls.map(() => 200));
  }, 30_000);
});
