import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalRuntime, resolveHome } from '@ohlcv/local';
import { fanOutIngestion } from '@ohlcv/service-ingestion';
import { localServices } from '@ohlcv/stack';
import { createTwelveDataClient, startEmbeddedTwelveData } from '@ohlcv/twelvedata';

export const EVIL = '<script>alert(1)</script>';
export const SYMBOLS = ['AAPL', 'BTC/USD', 'EUR/USD'];
export const RANGE = { start: '2024-03-06', end: '2024-03-08' };
/** Daily bars of one symbol reaching a year past the others (like the demo's SPY file). */
export const FAR = { symbol: 'FAR', days: ['2024-03-07', '2025-04-01', '2025-04-02'] };

export interface Lake {
  root: string;
  rt: LocalRuntime;
  close(): Promise<void>;
}

/**
 * A small real lake: three symbols over three days from the embedded Twelve Data source,
 * plus a dropped CSV whose symbol is markup and which holds one row the quality rules reject,
 * and a dropped CSV of daily bars for FAR, whose history runs into the next year.
 */
export async function buildLake(): Promise<Lake> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-dash-'));
  const embedded = await startEmbeddedTwelveData({ seed: 7 });
  const rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: root }, '/') });
  try {
    rt.attachServices(
      localServices({
        marketData: createTwelveDataClient({ apiKey: 'test', baseUrl: embedded.url }),
        env: {},
        // Any quarantined row raises an alert, so the overview has one to show.
        quarantineThreshold: 0.00001,
      }),
    );
    await fanOutIngestion(
      { watchlist: { symbols: SYMBOLS, interval: '1min', lookbackDays: 5 }, ...RANGE },
      { sender: rt.queueSender, clock: rt.clock, ids: rt.ids },
    );
    const csv = [
      'symbol,interval,timestamp,open,high,low,close,volume',
      `${EVIL},1min,2024-03-07T15:00:00Z,1,2,0.5,1.5,100`,
      `${EVIL},1min,2024-03-07T15:01:00Z,1.5,2,0.5,1.7,300`,
      `${EVIL},1min,2024-03-07T15:02:00Z,-1,2,0.5,1.7,300`,
    ].join('\n');
    await rt.store.put('raw/drops/evil.csv', Buffer.from(`${csv}\n`));
    const far = [
      'symbol,interval,timestamp,open,high,low,close,volume',
      ...FAR.days.map(
        (d, i) => `${FAR.symbol},1day,${d},${50 + i},${52 + i},${49 + i},${51 + i},${1000 + i}`,
      ),
    ].join('\n');
    await rt.store.put('raw/drops/far.csv', Buffer.from(`${far}\n`));
    const d = await rt.drain();
    if (d.failed > 0) throw new Error(`pipeline failed ${d.failed} message(s)`);
  } finally {
    await embedded.close();
  }
  return {
    root,
    rt,
    async close() {
      await rt.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
