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
import { localMaxRunBytes, localServices } from './local-services.ts';
import { csvBars } from './testing/pipeline-fixtures.ts';

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

  it('a bulk drop of 150 objects becomes one job run (the topology batch, sized by bytes), or runs by OHLCV_ETL_RUN_BYTES', async () => {
    const runsFor = async (env: NodeJS.ProcessEnv): Promise<number[]> => {
      const root = tempDir('ohlcv-bulk-home-');
      cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
      const rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: root }, '/') });
      const unused: MarketDataSource = {
        fetchBars: async () => {
          throw new Error('not used');
        },
      };
      rt.attachServices(localServices({ marketData: unused, env }));
      try {
        for (let i = 0; i < 150; i++) {
          const sym = `B${String(i).padStart(3, '0')}`;
          await rt.store.put(`raw/bulk/${sym}.csv`, csvBars(sym, '2024-05-06', 2, i));
        }
        expect((await rt.drain()).failed).toBe(0);
        const sizes: number[] = [];
        for await (const o of rt.store.list('_manifests/')) {
          if (o.key.endsWith('.run.json')) continue;
          const m = JSON.parse(Buffer.from(await rt.store.get(o.key)).toString('utf8')) as {
            objects: unknown[];
          };
          sizes.push(m.objects.length);
        }
        const [{ n }] = (await rt.catalog.queryEngine.query('SELECT COUNT(*) AS n FROM ohlcv.bars')) as [
          { n: unknown },
        ];
        expect(Number(n)).toBe(300);
        return sizes.sort((a, b) => b - a);
      } finally {
        await rt.close();
      }
    };
    expect(await runsFor({})).toEqual([150]);
    // Each file is ~250 bytes: a 20 kB cap makes runs of whole files, none over the cap.
    const split = await runsFor({ OHLCV_ETL_RUN_BYTES: '20000' });
    expect(split.length).toBeGreaterThan(1);
    expect(split.reduce((a, b) => a + b, 0)).toBe(150);
  });

  it('OHLCV_ETL_RUN_BYTES must be a positive whole number, named in the error', () => {
    expect(localMaxRunBytes({})).toBeGreaterThan(2 ** 30);
    expect(localMaxRunBytes({ OHLCV_ETL_RUN_BYTES: '1048576' })).toBe(1_048_576);
    expect(() => localMaxRunBytes({ OHLCV_ETL_RUN_BYTES: '1e' })).toThrow(/OHLCV_ETL_RUN_BYTES: "1e"/);
    expect(() => localMaxRunBytes({ OHLCV_ETL_RUN_BYTES: '0' })).toThrow(/positive whole number/);
  });
});
