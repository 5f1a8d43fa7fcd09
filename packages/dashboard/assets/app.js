// The dashboard's one script (progressive enhancement: every page works without it).
// - refreshes the health section every 5 s;
// - copy buttons next to shortened ids;
// - mounts the interactive charts (lightweight-charts, served from our origin) over the
//   server-rendered SVG fallback: each [data-lw] element names its JSON source; once drawn,
//   it records what it drew in data attributes (series length, series count), which is
//   what the browser tests read, since canvas pixels cannot be counted.
(() => {
  document.documentElement.classList.remove('no-js');

  // --- health refresh -------------------------------------------------------------------
  const every = 5000;
  async function refresh() {
    const el = document.getElementById('health');
    if (!el || document.hidden) return;
    try {
      const res = await fetch('/fragment/health', { headers: { accept: 'text/html' } });
      if (res.ok) el.outerHTML = await res.text();
    } catch {}
  }
  if (document.getElementById('health')) setInterval(refresh, every);

  // --- copy buttons -----------------------------------------------------------------------
  document.addEventListener('click', async (ev) => {
    const button = ev.target instanceof Element ? ev.target.closest('button[data-copy]') : null;
    if (!button) return;
    const text = button.getAttribute('data-copy') || '';
    try {
      await navigator.clipboard.writeText(text);
      button.setAttribute('data-copied', 'true');
      button.title = 'Copied';
    } catch {
      // No clipboard (insecure context, permission): select the id so Ctrl-C copies it.
      const code = button.previousElementSibling;
      if (code) {
        code.textContent = text;
        window.getSelection()?.selectAllChildren(code);
      }
    }
  });

  // --- charts -------------------------------------------------------------------------------
  const LW = window.LightweightCharts;
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  function baseOptions(intraday) {
    return {
      autoSize: true,
      layout: {
        background: { type: 'solid', color: 'transparent' },
        textColor: css('--muted') || '#59636e',
        fontFamily: 'system-ui, sans-serif',
        fontSize: 12,
        // The logo injects an inline <style> (refused by our CSP); the page footer carries
        // the attribution notice and the link to tradingview.com that the licence asks for.
        attributionLogo: false,
      },
      grid: {
        vertLines: { color: css('--grid') || '#e8ecf0' },
        horzLines: { color: css('--grid') || '#e8ecf0' },
      },
      crosshair: { mode: LW.CrosshairMode.Normal },
      rightPriceScale: { borderColor: css('--line') || '#d8dee4' },
      timeScale: {
        borderColor: css('--line') || '#d8dee4',
        timeVisible: intraday,
        secondsVisible: false,
        rightOffset: 2,
      },
      localization: { timeFormatter: intraday ? utcTime : undefined },
    };
  }

  const pad = (n) => String(n).padStart(2, '0');
  function utcTime(t) {
    if (typeof t !== 'number') return String(t);
    const d = new Date(t * 1000);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
  }
  const fmtVol = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 });

  async function load(el) {
    const res = await fetch(el.getAttribute('data-src'), { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    return res.json();
  }

  function mountCandles(el, data) {
    const up = css('--up') || '#1a7f37';
    const down = css('--down') || '#cf222e';
    const intraday = data.interval !== '1day';
    const chart = LW.createChart(el.querySelector('.lw-canvas'), baseOptions(intraday));
    // Price decimals from the price level (EUR/USD 1.08 needs 5, BTC 60,000 needs 2).
    const level = Math.abs(data.bars.at(-1)?.close ?? 1) || 1;
    const precision = Math.min(6, Math.max(2, 5 - Math.round(Math.log10(level))));
    const priceFormat = { type: 'price', precision, minMove: 10 ** -precision };
    const candles = chart.addSeries(LW.CandlestickSeries, {
      upColor: up,
      downColor: down,
      borderUpColor: up,
      borderDownColor: down,
      wickUpColor: up,
      wickDownColor: down,
      priceLineVisible: false,
      priceFormat,
    });
    const vwap = chart.addSeries(LW.LineSeries, {
      color: css('--vwap') || '#E69F00',
      lineWidth: 2,
      priceLineVisible: false,
      lastValueVisible: false,
      crosshairMarkerVisible: false,
      priceFormat,
    });
    const bars = data.bars;
    candles.setData(
      bars.map((b) => ({ time: b.time, open: b.open, high: b.high, low: b.low, close: b.close })),
    );
    vwap.setData(bars.filter((b) => b.vwap !== null).map((b) => ({ time: b.time, value: b.vwap })));
    // Instruments without volume (forex) get no volume pane rather than an empty one.
    const withVolume = bars.filter((b) => b.volume !== null);
    let volume = null;
    if (withVolume.length > 0) {
      volume = chart.addSeries(
        LW.HistogramSeries,
        { priceFormat: { type: 'volume' }, priceLineVisible: false, lastValueVisible: false },
        1,
      );
      volume.setData(
        withVolume.map((b) => ({
          time: b.time,
          value: b.volume,
          color: b.close >= b.open ? `${up}99` : `${down}99`,
        })),
      );
      const panes = chart.panes();
      if (panes[0]) panes[0].setStretchFactor(3);
      if (panes[1]) panes[1].setStretchFactor(1);
    }
    chart.timeScale().fitContent();
    const fmt = new Intl.NumberFormat('en', {
      minimumFractionDigits: precision,
      maximumFractionDigits: precision,
    });

    const legend = el.querySelector('.lw-legend');
    const show = (b) => {
      if (!legend) return;
      if (!b) {
        legend.textContent = '';
        return;
      }
      const t = intraday ? utcTime(b.time) : b.time;
      const vol = b.volume === null ? '–' : fmtVol.format(b.volume);
      const vw = b.vwap === null ? '–' : fmt.format(b.vwap);
      legend.textContent = `${t}  O ${fmt.format(b.open)}  H ${fmt.format(b.high)}  L ${fmt.format(b.low)}  C ${fmt.format(b.close)}  V ${vol}  VWAP ${vw}`;
    };
    const byTime = new Map(bars.map((b) => [String(b.time), b]));
    const timeKey = (t) =>
      typeof t === 'object' && t ? `${t.year}-${pad(t.month)}-${pad(t.day)}` : String(t);
    chart.subscribeCrosshairMove((p) =>
      show(p.time === undefined ? bars.at(-1) : byTime.get(timeKey(p.time))),
    );
    show(bars.at(-1));
    el.setAttribute('data-series-length', String(candles.data().length));
    el.setAttribute('data-volume-length', String(volume ? volume.data().length : 0));
    el.setAttribute('data-vwap-length', String(vwap.data().length));
    return chart;
  }

  function mountPerformance(el, data) {
    const chart = LW.createChart(el.querySelector('.lw-canvas'), baseOptions(false));
    let points = 0;
    for (const s of data.series) {
      const line = chart.addSeries(LW.LineSeries, {
        color: s.color,
        lineWidth: 2,
        title: s.symbol,
        priceLineVisible: false,
        priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
      });
      line.setData(s.points);
      points += line.data().length;
      if (s === data.series[0]) {
        line.createPriceLine({
          price: data.base,
          color: css('--muted') || '#59636e',
          lineWidth: 1,
          lineStyle: LW.LineStyle.Dashed,
          axisLabelVisible: true,
          title: 'start',
        });
      }
    }
    chart.timeScale().fitContent();
    el.setAttribute('data-series-count', String(data.series.length));
    el.setAttribute('data-series-length', String(points));
    return chart;
  }

  async function mount(el) {
    const kind = el.getAttribute('data-lw');
    const fallback = el.parentElement?.querySelector('.fallback');
    try {
      const data = await load(el);
      // Shown before drawing, so the chart measures its real size.
      el.hidden = false;
      if (kind === 'candles') mountCandles(el, data);
      else if (kind === 'performance') mountPerformance(el, data);
      // The interactive chart replaces the SVG fallback.
      if (fallback) fallback.hidden = true;
      el.setAttribute('data-rendered', 'true');
    } catch (err) {
      el.hidden = true;
      if (fallback) fallback.hidden = false;
      el.setAttribute('data-rendered', 'error');
      // Stays on the SVG fallback; say why for whoever looks at the console.
      console.warn(`chart ${kind}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  if (LW) for (const el of document.querySelectorAll('[data-lw]')) mount(el);
})();
