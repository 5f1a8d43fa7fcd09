/** The two static assets, served from memory (never from a path built from a request). */
export const APP_CSS = `:root{color-scheme:light dark;--bg:#f6f7f9;--fg:#1b1f24;--muted:#59636e;--panel:#fff;--line:#d8dee4;--grid:#e8ecf0;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--panel:#161b22;--line:#30363d;--grid:#262c33;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--accent:#4493f8}}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--accent)}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.top{display:flex;gap:1.5rem;align-items:center;padding:.75rem 1.5rem;background:var(--panel);border-bottom:1px solid var(--line)}
.top nav a{margin-right:1rem}
.brand{font-weight:700;font-size:1.1rem;text-decoration:none;color:var(--fg)}
main{max-width:1600px;margin:0 auto;padding:1rem 1.5rem 3rem}
h2{font-size:1.25rem;margin:1.5rem 0 .75rem}
h3{font-size:1rem;margin:0 0 .5rem}
.cards{list-style:none;padding:0;margin:0 0 1rem;display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:.75rem}
.card,.panel{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:.9rem 1rem}
.card p{margin:.2rem 0}
.big{font-size:1.6rem;font-weight:650}
.sub,.muted{color:var(--muted)}
.small{font-size:.85rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:.75rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:.75rem}
figure.chart{margin:0}
figcaption p{margin:0 0 .5rem;font-size:.9rem}
.table-wrap{overflow:auto;max-height:22rem}
table{border-collapse:collapse;width:100%;font-size:.88rem;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);white-space:nowrap}
thead th{position:sticky;top:0;background:var(--panel)}
tr.alarm th,tr.alarm td{color:var(--bad);font-weight:600}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.85rem;font-weight:600;border:1px solid currentColor}
.badge.ok{color:var(--ok)}.badge.warn{color:var(--warn)}.badge.bad{color:var(--bad)}.badge.idle{color:var(--muted)}
.alerts{list-style:none;padding:0;margin:0}
.alerts li{padding:.4rem 0;border-bottom:1px solid var(--line)}
.alerts p{margin:.2rem 0 0}
.selection{display:flex;flex-wrap:wrap;gap:.75rem;align-items:end;margin-bottom:.75rem;background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:.6rem 1rem}
.selection label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}
select,input,button{font:inherit;padding:.3rem .5rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.chart-svg{width:100%;height:auto;display:block}
.chart-svg text{font:12px system-ui,sans-serif;fill:var(--muted)}
.chart-svg .axis-label{fill:var(--fg);font-size:12.5px}
.chart-svg .grid{stroke:var(--grid)}
.chart-svg .baseline,.chart-svg .zero{stroke:var(--muted)}
.chart-svg .zero{stroke-dasharray:4 3}
.chart-svg circle.pt:hover,.chart-svg rect.bar:hover{stroke:var(--fg);stroke-width:2}
.chart-svg .empty-text{font-size:15px}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:.3rem 1rem;padding:0;margin:.4rem 0;font-size:.88rem}
.legend li{display:flex;align-items:center;gap:.35rem}
.swatch{width:.8rem;height:.8rem}
details.data summary{cursor:pointer;color:var(--accent);font-size:.9rem;margin-top:.4rem}
.error{color:var(--bad)}
`;

/** Progressive enhancement: refreshes the health section every few seconds. */
export const APP_JS = `(() => {
  const every = 5000;
  async function refresh() {
    const el = document.getElementById('health');
    if (!el || document.hidden) return;
    try {
      const res = await fetch('/fragment/health', { headers: { accept: 'text/html' } });
      if (res.ok) el.outerHTML = await res.text();
    } catch {}
  }
  setInterval(refresh, every);
})();
`;
