import type { MarketDataSource, SourceBar, SymbolResult } from '@ohlcv/core';
import { AppError, METRIC, silentLogger } from '@ohlcv/core';
import { memoryMetrics, memoryObjectStore, memoryPublisher } from '@ohlcv/core/contracts/in-memory';
import { describe, expect, it } from 'vitest';
import { createIngestionHandler } from './handler.ts';
import { detail, sqsEventOf } from './testing/fixtures.ts';

const instrument = (symbol: string) => ({
  symbol,
  exchange: 'NASDAQ',
  mic_code: 'XNGS',
  currency: 'USD',
  instrument_type: 'Common Stock',
});

const bars = (fromIso: string, n: number): SourceBar[] =>
  Array.from({ length: n }, (_, i) => ({
    ts: new Date(Date.parse(fromIso) + i * 60_000).toISOString(),
    open: 1,
    high: 2,
    low: 0.5,
    close: 1.5,
    volume: 10,
  }));

/** A source that serves fixed bars per symbol and refuses the symbols it does not know. */
function fakeSource(series: Record<string, SourceBar[]>, opts: { throwWith?: Error } = {}): MarketDataSource {
  return {
    async fetchBars(req) {
      if (opts.throwWith) throw opts.throwWith;
      return req.symbols.map(
        (symbol): SymbolResult =>
          series[symbol]
            ? {
                symbol,
                ok: true,
                series: { instrument: instrument(symbol), interval: '1min', bars: series[symbol] },
              }
            : {
                symbol,
                ok: false,
                error: { code: 'TwelveDataSymbolError', message: 'unknown', retryable: false },
              },
      );
    },
  };
}

const now = new Date('2024-03-11T15:00:30Z');

function setup(source: MarketDataSource, at: Date = now) {
  const metrics = memoryMetrics();
  const handler = createIngestionHandler({
    store: memoryObjectStore(),
    publisher: memoryPublisher(),
    client: source,
    clock: { now: () => at },
    logger: silentLogger,
    metrics,
  });
  return { metrics, handler };
}

describe('ingestion metrics', () => {
  it('counts bars, refused symbols and reports each symbol’s newest bar age', async () => {
    const { metrics, handler } = setup(
      fakeSource({ AAPL: bars('2024-03-11T14:50:00Z', 10), MSFT: bars('2024-03-11T14:00:00Z', 5) }),
    );
    const res = await handler(
      sqsEventOf([detail({ symbols: ['AAPL', 'MSFT', 'NOPE'], start: '2024-03-11', end: '2024-03-11' })]),
    );
    expect(res.batchItemFailures).toEqual([]);
    expect(metrics.sum(METRIC.barsIngested)).toBe(15);
    expect(metrics.sum(METRIC.ingestionFailures)).toBe(1);
    // Newest AAPL bar opened 14:59:00, now is 15:00:30; MSFT's newest opened 14:04:00.
    expect(metrics.values(METRIC.latestBarAgeSeconds, { symbol: 'AAPL' })).toEqual([90]);
    expect(metrics.values(METRIC.latestBarAgeSeconds, { symbol: 'MSFT' })).toEqual([56 * 60 + 30]);
    expect(metrics.values(METRIC.latestBarAgeSeconds, { symbol: 'NOPE' })).toEqual([]);
    expect(metrics.points.find((p) => p.name === METRIC.latestBarAgeSeconds)?.unit).toBe('Seconds');
  });

  it('a run that finds no new bar reports the age of the stored high-water mark', async () => {
    const { metrics, handler } = setup(fakeSource({ AAPL: bars('2024-03-11T14:50:00Z', 10) }));
    const req = detail({ symbols: ['AAPL'], incremental: true, lookbackDays: 1 });
    await handler(sqsEventOf([req]));
    await handler(sqsEventOf([req]));
    expect(metrics.values(METRIC.latestBarAgeSeconds, { symbol: 'AAPL' })).toEqual([90, 90]);
    expect(metrics.sum(METRIC.barsIngested)).toBe(10);
  });

  it('reports no bar age for an equity outside its session: no new bars are expected then', async () => {
    const saturday = new Date('2024-03-16T15:00:30Z');
    const { metrics, handler } = setup(fakeSource({ AAPL: bars('2024-03-15T19:50:00Z', 10) }), saturday);
    await handler(sqsEventOf([detail({ symbols: ['AAPL'], start: '2024-03-15', end: '2024-03-16' })]));
    expect(metrics.sum(METRIC.barsIngested)).toBe(10);
    expect(metrics.values(METRIC.latestBarAgeSeconds, { symbol: 'AAPL' })).toEqual([]);
  });

  it('counts every failed attempt and every malformed message', async () => {
    const retryable = setup(
      fakeSource({}, { throwWith: new AppError('TwelveDataServerError', '500', { retryable: true }) }),
    );
    const ev = sqsEventOf([detail({ start: '2024-03-11', end: '2024-03-11' })]);
    ev.Records.push({ ...ev.Records[0]!, messageId: 'bad', body: '{"not":"an event"}' });
    const res = await retryable.handler(ev);
    expect(res.batchItemFailures).toHaveLength(2);
    expect(retryable.metrics.sum(METRIC.ingestionFailures)).toBe(2);
    expect(retryable.metrics.sum(METRIC.barsIngested)).toBe(0);
    expect(retryable.metrics.values(METRIC.latestBarAgeSeconds, { symbol: 'AAPL' })).toEqual([]);
  });

  it('works without a Metrics dependency', async () => {
    const handler = createIngestionHandler({
      store: memoryObjectStore(),
      publisher: memoryPublisher(),
      client: fakeSource({ AAPL: bars('2024-03-11T14:50:00Z', 2) }),
      clock: { now: () => now },
      logger: silentLogger,
    });
    expect(
      (await handler(sqsEventOf([detail({ start: '2024-03-11', end: '2024-03-11' })]))).batchItemFailures,
    ).toEqual([]);
  });
});
