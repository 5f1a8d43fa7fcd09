/**
 * Finding 9 of issue 13: a drain that waits for a webhook's retry logged
 * "MaxListenersExceededWarning: 11 abort listeners added to [AbortSignal]". The alert
 * webhook is a real HTTP server on loopback that fails the first deliveries.
 */
import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalRuntime, resolveHome } from '@ohlcv/local';
import { createTwelveDataClient } from '@ohlcv/twelvedata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localServices } from './local-services.ts';
import { tempHome } from './testing/pipeline-fixtures.ts';

let server: http.Server;
let url: string;
let requests = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      // postJson makes 3 attempts per delivery: the first delivery fails, the retry lands.
      res.statusCode = requests <= 3 ? 503 : 200;
      res.end(requests <= 3 ? 'busy' : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('a drain waiting for a webhook retry', () => {
  it('delivers the alert on the retry without leaking abort listeners', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const home = tempHome();
    const rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: home.root }, '/') });
    rt.attachServices(
      localServices({
        marketData: createTwelveDataClient({ apiKey: 'unused', baseUrl: 'http://127.0.0.1:9' }),
        env: { ALERT_WEBHOOK_URL: url },
      }),
    );
    const ctrl = new AbortController();
    try {
      // Every row quarantined (high below low): a quality alert.
      await rt.store.put(
        'raw/drops/bad.csv',
        'symbol,interval,timestamp,open,high,low,close,volume\nAAPL,1min,2024-03-08T14:30:00Z,10,9,11,10,5\n',
      );
      const d = await rt.drain({ signal: ctrl.signal });
      expect(requests).toBe(4);
      expect(d.failed).toBe(1);
      expect(getEventListeners(ctrl.signal, 'abort')).toHaveLength(0);
      // Warnings are emitted on a later tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await rt.close();
      home.cleanup();
    }
  }, 30_000);
});
