/** The four chart panels: query rows in, a <figure> with an SVG chart and its data table out. */
import {
  type ColorOf,
  groupedBarChart,
  lineChart,
  type Mark,
  type ScatterMark,
  scatterChart,
} from './charts.ts';
import { fmtCompact, fmtInteger, fmtNumber, fmtPct, num } from './format.ts';
import { esc } from './html.ts';
import type { SeriesName } from './series.ts';

type Row = Record<string, unknown>;

export interface PanelSpec {
  title: string;
  caption: string;
  /** Row columns shown in the data table, with their heading. */
  columns: [string, string][];
  chart(rows: readonly Row[], color: ColorOf): string;
}

const s = (v: unknown): string => String(v ?? '');

export const PANELS: Record<SeriesName, PanelSpec> = {
  daily_price_change: {
    title: 'Daily price change',
    caption: 'Close vs open of each trade day, in percent, per symbol (UTC days).',
    columns: [
      ['symbol', 'Symbol'],
      ['trade_date', 'Date'],
      ['open', 'Open'],
      ['close', 'Close'],
      ['price_change', 'Change'],
      ['price_change_pct', 'Change %'],
    ],
    chart(rows, color) {
      const marks: Mark[] = [];
      for (const r of rows) {
        const pct = num(r.price_change_pct);
        if (pct === null) continue;
        marks.push({
          series: s(r.symbol),
          x: s(r.trade_date),
          y: pct * 100,
          tooltip: `${s(r.symbol)} ${s(r.trade_date)}: ${fmtPct(pct)} (open ${fmtNumber(num(r.open))}, close ${fmtNumber(num(r.close))})`,
        });
      }
      return lineChart(
        {
          id: 'daily_price_change',
          title: 'Daily price change (%)',
          description: `Line chart of the daily close-vs-open change in percent, ${marks.length} points.`,
          xLabel: 'Trade date (UTC)',
          yLabel: 'Change, close vs open (%)',
          color,
        },
        marks,
        (v) => `${fmtNumber(Number(v.toFixed(4)))}%`,
      );
    },
  },
  daily_volume: {
    title: 'Daily volume',
    caption: 'Traded volume per symbol and trade day (instruments without volume, like forex, are left out).',
    columns: [
      ['symbol', 'Symbol'],
      ['trade_date', 'Date'],
      ['volume', 'Volume'],
      ['vwap', 'VWAP'],
      ['bar_count', 'Bars'],
    ],
    chart(rows, color) {
      const marks: Mark[] = [];
      for (const r of rows) {
        const v = num(r.volume);
        if (v === null) continue;
        marks.push({
          series: s(r.symbol),
          x: s(r.trade_date),
          y: v,
          tooltip: `${s(r.symbol)} ${s(r.trade_date)}: volume ${fmtInteger(v)} (VWAP ${fmtNumber(num(r.vwap))}, ${fmtInteger(num(r.bar_count))} bars)`,
        });
      }
      return groupedBarChart(
        {
          id: 'daily_volume',
          title: 'Daily volume',
          description: `Volume per trade day and symbol (grouped bars, or lines when there are many days), ${marks.length} values.`,
          xLabel: 'Trade date (UTC)',
          yLabel: 'Volume (units traded)',
          color,
        },
        marks,
        fmtCompact,
      );
    },
  },
  monthly_volume: {
    title: 'Monthly volume',
    caption: 'Total volume per symbol and month; the tooltip adds the average daily volume.',
    columns: [
      ['symbol', 'Symbol'],
      ['month', 'Month'],
      ['total_volume', 'Total volume'],
      ['avg_daily_volume', 'Avg daily volume'],
      ['trading_days', 'Days'],
    ],
    chart(rows, color) {
      const marks: Mark[] = [];
      for (const r of rows) {
        const v = num(r.total_volume);
        if (v === null) continue;
        marks.push({
          series: s(r.symbol),
          x: s(r.month),
          y: v,
          tooltip: `${s(r.symbol)} ${s(r.month)}: total ${fmtInteger(v)}, average ${fmtInteger(num(r.avg_daily_volume))} a day over ${fmtInteger(num(r.trading_days))} days`,
        });
      }
      return groupedBarChart(
        {
          id: 'monthly_volume',
          title: 'Monthly volume',
          description: `Total volume per month and symbol, ${marks.length} values.`,
          xLabel: 'Month',
          yLabel: 'Total volume (units traded)',
          color,
        },
        marks,
        fmtCompact,
        // Months are few: bars stay readable where daily slots would not.
        { alwaysBars: true },
      );
    },
  },
  price_vs_volume: {
    title: 'Price move vs volume',
    caption:
      'Each dot is one symbol-day: volume against the size of the daily return (close vs previous close). A symbol’s first day has no return and is left out.',
    columns: [
      ['symbol', 'Symbol'],
      ['trade_date', 'Date'],
      ['close', 'Close'],
      ['volume', 'Volume'],
      ['daily_return', 'Daily return'],
    ],
    chart(rows, color) {
      const marks: ScatterMark[] = [];
      for (const r of rows) {
        const v = num(r.volume);
        const ret = num(r.abs_return);
        if (v === null || ret === null) continue;
        marks.push({
          series: s(r.symbol),
          x: v,
          y: ret * 100,
          tooltip: `${s(r.symbol)} ${s(r.trade_date)}: return ${fmtPct(num(r.daily_return))} on volume ${fmtInteger(v)} (close ${fmtNumber(num(r.close))})`,
        });
      }
      return scatterChart(
        {
          id: 'price_vs_volume',
          title: 'Price move vs volume',
          description: `Scatter plot of absolute daily return against volume, ${marks.length} points.`,
          xLabel: 'Volume (units traded)',
          yLabel: '|Daily return| (%)',
          color,
        },
        marks,
        fmtCompact,
        (v) => `${fmtNumber(Number(v.toFixed(4)))}%`,
      );
    },
  },
};

const PCT_COLUMNS = new Set(['price_change_pct', 'daily_return']);

function cell(col: string, v: unknown): string {
  if (PCT_COLUMNS.has(col)) return fmtPct(num(v));
  if (typeof v === 'number' || (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) && col !== 'trade_date')) {
    return fmtNumber(num(v));
  }
  return s(v);
}

export function dataTable(spec: PanelSpec, rows: readonly Row[]): string {
  const head = spec.columns.map(([, h]) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${spec.columns.map(([c]) => `<td>${esc(cell(c, r[c]))}</td>`).join('')}</tr>`)
    .join('');
  return `<details class="data"><summary>Data table (${rows.length} rows)</summary><div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div></details>`;
}
