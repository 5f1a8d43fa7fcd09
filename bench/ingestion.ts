/**
 * Ingestion benchmark: bars/s ingested end to end (embedded Twelve Data source over
 * loopback HTTP -> client -> normalisation -> NDJSON -> object store), and a throttled
 * run (credit limit on a compressed 1-second "minute") reporting the share of the
 * credit budget used and the 429s seen.
 */
import { silentLogger } from '@ohlcv/core';
import { memoryObjectStore } from '@ohlcv/core/contracts/in-memory';
import {
  createIngestionHandler,
  DEMO_WATCHLIST,
  ingestionRequestBatch,
  planIngestionRequests,
} from '@ohlcv/service-ingestion';
import { createTwelveDataClient, startEmbeddedTwelveData } from '@ohlcv/twelvedata';
import type { BenchResult } from './run.ts';

const symbols = (n: number) => {
  const base = DEMO_WATCHLIST.symbols;
  const out = [...base];
  for (let i = 0; out.length < n; i++) out.push(`SYM${String(i).padStart(3, '0')}`);
  return out.slice(0, n);
};

async function ingestOnce(opts: {
  symbols: string[];
  interval: '1min' | '1h';
  start: string;
  end: string;
  creditsPerMinute?: number;
  minuteMs?: number;
}) {
  const server = await startEmbeddedTwelveData({
    seed: 1,
    creditsPerMinute: opts.creditsPerMinute,
    minuteMs: opts.minuteMs,
  });
  try {
    const store = memoryObjectStore();
    const client = createTwelveDataClient({
      apiKey: 'bench',
      baseUrl: server.url,
      creditsPerMinute: opts.creditsPerMinute,
      minuteMs: opts.minuteMs,
    });
    const handler = createIngestionHandler({
      store,
      publisher: { publish: async () => {} },
      client,
      clock: { now: () => new Date('2024-04-01T00:00:00Z') },
      logger: silentLogger,
    });
    const details = planIngestionRequests({
      watchlist: { symbols: opts.symbols, interval: opts.interval, lookbackDays: 1 },
      correlationId: 'bench',
      clock: { now: () => new Date() },
      start: opts.start,
      end: opts.end,
    });
    const t0 = performance.now();
    // Messages run concurrently, like several Lambda instances (or local pollers) would.
    const results = await Promise.all(details.map((d) => handler(ingestionRequestBatch([d]))));
    const seconds = (performance.now() - t0) / 1000;
    const failures = results.reduce((s, r) => s + r.batchItemFailures.length, 0);
    let bars = 0;
    for (const [key, o] of store.objects) {
      if (key.startsWith('raw/')) bars += new TextDecoder().decode(o.body).split('\n').length - 1;
    }
    return { seconds, bars, failures, server: server.stats(), client: client.stats() };
  } finally {
    await server.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  const fast = await ingestOnce({
    symbols: symbols(24),
    interval: '1min',
    start: '2024-03-04',
    end: '2024-03-08',
  });
  const minuteMs = 1000;
  const limit = 55;
  // Credit-bound on purpose: 220 cheap requests' worth of symbols against 55 credits a window.
  const throttled = await ingestOnce({
    symbols: symbols(220),
    interval: '1h',
    start: '2024-03-11',
    end: '2024-03-12',
    creditsPerMinute: limit,
    minuteMs,
  });
  const windows = (throttled.seconds * 1000) / minuteMs;
  return [
    {
      name: 'ingestion.embedded.bars_per_second',
      value: Math.round(fast.bars / fast.seconds),
      unit: 'bars/s',
      note: `${fast.bars} 1-min bars, 24 symbols x 5 days, ${fast.server.requests} requests, ${fast.failures} failed records`,
    },
    {
      name: 'ingestion.throttled.credit_budget_used',
      value: Math.round((throttled.server.credits / (limit * windows)) * 1000) / 10,
      unit: '%',
      note: `${throttled.server.credits} credits over ${windows.toFixed(2)} windows of ${minuteMs} ms at ${limit}/window; peak ${throttled.server.peakCreditsPerWindow}/window; 220 symbols x 2 days of 1h bars`,
    },
    {
      name: 'ingestion.throttled.rate_limited_responses',
      value: throttled.server.rateLimited,
      unit: 'count',
      note: 'HTTP 429s the embedded source answered during the throttled run (target 0)',
    },
    {
      name: 'ingestion.throttled.bars_per_second',
      value: Math.round(throttled.bars / throttled.seconds),
      unit: 'bars/s',
      note: `${throttled.bars} bars in ${throttled.seconds.toFixed(1)} s`,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((m) => console.log(JSON.stringify(m, null, 2)));
}
