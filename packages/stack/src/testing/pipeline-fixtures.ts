import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tempHome(prefix = 'ohlcv-rt-'): { root: string; cleanup: () => void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { root, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** A deterministic CSV of 1-minute bars for one symbol and UTC day (a seeded walk). */
export function csvBars(symbol: string, day: string, minutes: number, seed: number): string {
  let x = seed;
  const rand = (): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const rows = ['symbol,interval,timestamp,open,high,low,close,volume'];
  let price = 100 + seed;
  const t0 = Date.parse(`${day}T14:30:00Z`);
  for (let i = 0; i < minutes; i++) {
    const open = price;
    const close = +(open * (1 + (rand() - 0.5) / 100)).toFixed(4);
    const high = +(Math.max(open, close) * (1 + rand() / 500)).toFixed(4);
    const low = +(Math.min(open, close) * (1 - rand() / 500)).toFixed(4);
    const volume = Math.round(1000 + rand() * 5000);
    rows.push(
      `${symbol},1min,${new Date(t0 + i * 60_000).toISOString()},${open},${high},${low},${close},${volume}`,
    );
    price = close;
  }
  return `${rows.join('\n')}\n`;
}
