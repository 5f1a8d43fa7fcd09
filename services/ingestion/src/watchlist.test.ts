import { ingestionRequestedDetailSchema } from '@ohlcv/events';
import { describe, expect, it } from 'vitest';
import { fanOutIngestion } from './schedule.ts';
import { DEMO_WATCHLIST, planIngestionRequests, watchlistSchema } from './watchlist.ts';

const clock = { now: () => new Date('2024-03-20T12:00:00.000Z') };

describe('watchlist and scheduler fan-out', () => {
  it('the demo watchlist has equities, crypto and forex', () => {
    expect(DEMO_WATCHLIST.symbols).toHaveLength(12);
    expect(DEMO_WATCHLIST.symbols.filter((s) => s.includes('/'))).toHaveLength(4);
    expect(() => watchlistSchema.parse({ symbols: [] })).toThrow();
    expect(watchlistSchema.parse({ symbols: ['AAPL'] })).toEqual({
      symbols: ['AAPL'],
      interval: '1min',
      lookbackDays: 5,
    });
  });

  it('plans one incremental request per batch of symbols', () => {
    const details = planIngestionRequests({ watchlist: DEMO_WATCHLIST, correlationId: 'c1', clock });
    expect(details.map((d) => d.symbols.length)).toEqual([8, 4]);
    expect(details[0]).toEqual({
      schemaVersion: 1,
      correlationId: 'c1',
      requestId: 'c1:1',
      symbols: DEMO_WATCHLIST.symbols.slice(0, 8),
      interval: '1min',
      end: '2024-03-20T12:00:00.000Z',
      lookbackDays: 5,
      incremental: true,
    });
    for (const d of details) expect(ingestionRequestedDetailSchema.parse(d)).toEqual(d);
  });

  it('an explicit range is a non-incremental backfill', () => {
    const [d] = planIngestionRequests({
      watchlist: { symbols: ['AAPL', 'AAPL', 'MSFT'], interval: '5min', lookbackDays: 3 },
      batchSize: 5,
      correlationId: 'c2',
      clock,
      start: '2024-03-01',
      end: '2024-03-05',
    });
    expect(d).toMatchObject({
      symbols: ['AAPL', 'MSFT'],
      start: '2024-03-01',
      end: '2024-03-05',
      incremental: false,
    });
    expect(d).not.toHaveProperty('lookbackDays');
  });

  it('fans out Ingestion Requested envelopes onto the queue', async () => {
    const sent: { queue: string; body: string }[] = [];
    let n = 0;
    const r = await fanOutIngestion(
      { watchlist: DEMO_WATCHLIST, batchSize: 5 },
      {
        sender: { send: async (queue, body) => void sent.push({ queue, body }) },
        clock,
        ids: { next: () => `id-${++n}` },
      },
    );
    expect(r).toEqual({ correlationId: 'id-1', messages: 3 });
    expect(sent.map((s) => s.queue)).toEqual([
      'ingestion-requests',
      'ingestion-requests',
      'ingestion-requests',
    ]);
    const env = JSON.parse(sent[0]!.body);
    expect(env).toMatchObject({
      source: 'ohlcv.scheduler',
      'detail-type': 'Ingestion Requested',
      id: 'id-2',
    });
    expect(env.detail.symbols).toHaveLength(5);
  });
});
