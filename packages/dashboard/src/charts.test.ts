import { describe, expect, it } from 'vitest';
import { groupedBarChart, lineChart, niceTicks, scatterChart } from './charts.ts';
import { esc } from './html.ts';
import { symbolColors } from './palette.ts';

const frame = (id: string) => ({
  id,
  title: `T ${id}`,
  description: 'd',
  xLabel: 'x unit',
  yLabel: 'y unit',
  color: symbolColors(['A', 'B', '<i>']),
});

describe('charts', () => {
  it('niceTicks covers the range with 1-2-5 steps', () => {
    expect(niceTicks(0, 27)).toEqual([0, 10, 20, 30]);
    expect(niceTicks(0, 20)).toEqual([0, 5, 10, 15, 20]);
    expect(niceTicks(-0.3, 0.8)).toEqual([-0.5, 0, 0.5, 1]);
    expect(niceTicks(5, 5)[0]).toBeLessThan(5);
  });

  it('escapes series names and tooltips, and counts its marks', () => {
    const svg = lineChart(
      frame('l'),
      [
        { series: '<i>', x: '2024-01-01', y: 1, tooltip: '"a" & <b>' },
        { series: 'A', x: '2024-01-02', y: -2, tooltip: 't' },
      ],
      String,
    );
    expect(svg).not.toContain('<i>');
    expect(svg).toContain('data-series="&lt;i&gt;"');
    expect(svg).toContain('<title>&quot;a&quot; &amp; &lt;b&gt;</title>');
    expect(svg).toContain('data-marks="2"');
    expect(svg.match(/<circle class="pt"/g)).toHaveLength(2);
  });

  it('switches volume axes to log scale when magnitudes differ by 1000x or more', () => {
    const marks = [
      { series: 'A', x: 'd1', y: 50, tooltip: '' },
      { series: 'B', x: 'd1', y: 5_000_000, tooltip: '' },
    ];
    const log = groupedBarChart(frame('b'), marks, String);
    expect(log).toContain('y unit, log scale');
    expect(log.match(/<rect class="bar"/g)).toHaveLength(2);
    // Every decade from 10 to 10 000 000 is a tick.
    for (const t of [10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000])
      expect(log).toContain(`>${t}</text>`);
    const lin = groupedBarChart(frame('b'), [{ series: 'A', x: 'd1', y: 50, tooltip: '' }], String);
    expect(lin).not.toContain('log scale');
  });

  it('turns bars into lines when there are too many to see', () => {
    const marks = Array.from({ length: 200 }, (_, i) => ({
      series: i % 2 ? 'A' : 'B',
      x: `d${String(Math.floor(i / 2)).padStart(3, '0')}`,
      y: 10 + i,
      tooltip: '',
    }));
    const svg = groupedBarChart(frame('dense'), marks, String);
    expect(svg).toContain('data-kind="line"');
    expect(svg.match(/<circle class="pt"/g)).toHaveLength(200);
    expect(svg).not.toContain('<rect class="bar"');
    expect(svg).not.toContain('class="zero"');
  });

  it('draws an empty chart with a message rather than nothing', () => {
    const svg = scatterChart(frame('s'), [], String, String);
    expect(svg).toContain('data-marks="0"');
    expect(svg).toContain('No data for this selection');
  });

  it('esc covers the five HTML specials and tolerates null', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(esc(null)).toBe('');
  });
});

describe('candlesticks and monthly bars', () => {
  it('draws one candle per bar with wick, body, volume and the VWAP line', async () => {
    const { candlestickChart } = await import('./charts.ts');
    const bar = (i: number, up: boolean) => ({
      label: `2024-03-0${i}`,
      open: up ? 10 : 12,
      high: 13,
      low: 9,
      close: up ? 12 : 10,
      volume: 100 * i,
      vwap: 11,
      tooltip: `<b>${i}</b>`,
    });
    const svg = candlestickChart(
      {
        id: 'c',
        title: 'C',
        description: 'd',
        xLabel: 'x',
        yLabel: 'Price',
        up: '#0a0',
        down: '#a00',
        vwap: '#fa0',
      },
      [bar(1, true), bar(2, false), bar(3, true)],
      String,
      String,
    );
    expect(svg).toContain('data-kind="candles" data-marks="3"');
    expect(svg.match(/<g class="candle">/g)).toHaveLength(3);
    expect(svg.match(/<rect class="vol"/g)).toHaveLength(3);
    expect(svg.match(/fill="#a00"/g)).toHaveLength(2); // the down bar's body and volume
    expect(svg).toContain('<polyline class="vwap"');
    expect(svg).toContain('&lt;b&gt;2&lt;/b&gt;');
  });

  it('keeps monthly volume as grouped bars however many symbols and months', async () => {
    const { PANELS } = await import('./panels.ts');
    const rows = [];
    for (let s = 0; s < 14; s++) {
      for (let m = 1; m <= 13; m++) {
        rows.push({
          symbol: `S${s}`,
          month: `20${m > 12 ? 25 : 24}-${String(((m - 1) % 12) + 1).padStart(2, '0')}`,
          total_volume: 1000 + s * m,
          avg_daily_volume: 50,
          trading_days: 20,
        });
      }
    }
    const svg = PANELS.monthly_volume.chart(rows, symbolColors(rows.map((r) => r.symbol)));
    expect(svg).toContain('data-kind="bar"');
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(14 * 13);
  });
});
