/**
 * The composition root hands each local port to the service it builds: the market-data
 * source and the runtime's metrics reach the ingestion handler.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MarketDataSource } from '@ohlcv/core';
import { LocalRuntime, resolveHome } from '@ohlcv/local';
import { ingestionRequestBatch } from '@ohlcv/service-ingestion';
import { afterEach, describe, expect, it } from 'vitest';
import { localServices } from './local-services.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const tempDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

describe('localServices', () => {
  it('localServices hands the port to the ingestion handler', async () => {
    const root = tempDir('ohlcv-metrics-home-');
    cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
    const now = new Date('2024-03-11T15:00:30Z');
    const rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: root }, '/'), clock: { now: () => now } });
    const source: MarketDataSource = {
      async fetchBars(req) {
        return req.symbols.map((symbol) => ({
          symbol,
          ok: true as const,
          series: {
            instrument: {
              symbol,
              exchange: 'NASDAQ',
              mic_code: 'XNGS',
              currency: 'USD',
              instrument_type: 'Common Stock',
            },
            interval: '1min' as const,
            bars: [0, 1, 2].map((i) => ({
              ts: new Date(Date.parse('2024-03-11T14:57:00Z') + i * 60_000).toISOString(),
              open: 1,
              high: 1,
              low: 1,
              close: 1,
              volume: 1,
            })),
          },
        }));
      },
    };
    try {
      const ingestion = localServices({ marketData: source, env: {} }).ingestion;
      const handler = ingestion(rt, rt.logger.child('ingestion'), rt.metrics.forService('ingestion'));
      const res = await handler(
        ingestionRequestBatch([
          {
            schemaVersion: 1,
            correlationId: 'c',
            requestId: 'r',
            symbols: ['AAPL'],
            interval: '1min',
            incremental: false,
            start: '2024-03-11',
            end: '2024-03-11',
          },
        ]),
      );
      expect(res.batchItemFailures).toEqual([]);
      const series = rt.status().metrics;
      expect(series.find((s) => s.name === 'BarsIngested')).toMatchObject({ service: 'ingestion', sum: 3 });
      expect(series.find((s) => s.name === 'LatestBarAgeSeconds')).toMatchObject({
        service: 'ingestion',
        dims: { symbol: 'AAPL' },
        last: 90,
        unit: 'Seconds',
      });
    } finally {
      await rt.close();
    }
  });
});
