import { silentLogger } from '@ohlcv/core';
import {
  type MemoryObjectStore,
  type MemoryPublisher,
  memoryObjectStore,
  memoryPublisher,
} from '@ohlcv/core/contracts/in-memory';
import { ingestionBatchCompletedDetailSchema, ingestionBatchFailedDetailSchema } from '@ohlcv/events';
import { createTwelveDataClient, type EmbeddedTwelveData, startEmbeddedTwelveData } from '@ohlcv/twelvedata';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createIngestionHandler, type IngestionHandlerDeps } from './handler.ts';
import { detail, sqsEventOf } from './testing/fixtures.ts';

let server: EmbeddedTwelveData;
let store: MemoryObjectStore;
let publisher: MemoryPublisher;
let now = new Date('2024-03-20T00:00:00Z');

const deps = (over: Partial<IngestionHandlerDeps> = {}): IngestionHandlerDeps => ({
  store,
  publisher,
  client: createTwelveDataClient({ apiKey: 'k', baseUrl: server.url, backoffBaseMs: 1, backoffMaxMs: 5 }),
  clock: { now: () => now },
  logger: silentLogger,
  ...over,
});

const rawRows = (s: MemoryObjectStore) =>
  [...s.objects.keys()]
    .filter((k) => k.startsWith('raw/'))
    .flatMap((k) =>
      (s.text(k) ?? '')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );

beforeAll(async () => {
  server = await startEmbeddedTwelveData({ seed: 11 });
});
afterAll(() => server.close());
beforeEach(() => {
  store = memoryObjectStore();
  publisher = memoryPublisher();
  server.faults.clear();
  now = new Date('2024-03-20T00:00:00Z');
});

describe('ingestion handler end to end (embedded source, in-memory store)', () => {
  it('writes canonical NDJSON per symbol and UTC day, and publishes Completed', async () => {
    const handler = createIngestionHandler(deps());
    const res = await handler(
      sqsEventOf([
        detail({ symbols: ['AAPL', 'BTC/USD', 'EUR/USD'], start: '2024-03-08', end: '2024-03-11' }),
      ]),
    );
    expect(res.batchItemFailures).toEqual([]);
    const keys = [...store.objects.keys()].filter((k) => k.startsWith('raw/')).sort();
    // AAPL: Fri + Mon; BTC/USD: 4 days; EUR/USD: Fri, Sun evening, Mon.
    expect(keys).toHaveLength(2 + 4 + 3);
    expect(keys.every((k) => /^raw\/source=twelvedata\/date=2024-03-\d{2}\/[^/]+\.ndjson$/.test(k))).toBe(
      true,
    );
    expect(keys.some((k) => k.includes('BTC%2FUSD.1min.'))).toBe(true);

    const rows = rawRows(store);
    const aapl = rows.filter((r) => r.symbol === 'AAPL');
    expect(aapl).toHaveLength(780);
    expect(aapl[0]).toMatchObject({
      symbol: 'AAPL',
      exchange: 'NASDAQ',
      mic_code: 'XNGS',
      currency: 'USD',
      instrument_type: 'Common Stock',
      interval: '1min',
      ts: '2024-03-08T14:30:00.000Z',
      source: 'twelvedata',
      ingested_at: '2024-03-20T00:00:00.000Z',
    });
    // After the DST change the session opens an hour earlier in UTC.
    expect(aapl.some((r) => r.ts === '2024-03-11T13:30:00.000Z')).toBe(true);
    expect(rows.filter((r) => r.symbol === 'EUR/USD').every((r) => r.volume === null)).toBe(true);
    expect(rows.filter((r) => r.symbol === 'BTC/USD')).toHaveLength(4 * 1440);

    expect(publisher.events).toHaveLength(1);
    const ev = publisher.events[0]!;
    expect(ev.source).toBe('ohlcv.ingestion');
    expect(ev.detailType).toBe('Ingestion Batch Completed');
    const d = ingestionBatchCompletedDetailSchema.parse(ev.detail);
    expect(d.bars).toBe(rows.length);
    expect(d.objects.reduce((s, o) => s + o.rows, 0)).toBe(rows.length);
    expect(d.from).toBe('2024-03-08T00:00:00.000Z');
    expect(d.to).toBe('2024-03-11T23:59:00.000Z');
  });

  it('raw rows match what the source served, value for value', async () => {
    await createIngestionHandler(deps())(
      sqsEventOf([detail({ symbols: ['MSFT'], start: '2024-03-12', end: '2024-03-12' })]),
    );
    const rows = rawRows(store);
    const res = await fetch(
      `${server.url}/time_series?symbol=MSFT&interval=1min&start_date=2024-03-12&end_date=2024-03-13&outputsize=5000&order=asc&apikey=k`,
    );
    const body = (await res.json()) as { values: { open: string; close: string; volume: string }[] };
    expect(rows).toHaveLength(body.values.length);
    rows.forEach((r, i) => {
      expect(r.open).toBe(Number(body.values[i]!.open));
      expect(r.close).toBe(Number(body.values[i]!.close));
      expect(r.volume).toBe(Number(body.values[i]!.volume));
    });
  });

  it('a retried request overwrites the same objects: nothing is written twice', async () => {
    const handler = createIngestionHandler(deps());
    const ev = sqsEventOf([detail({ symbols: ['AAPL'], start: '2024-03-11', end: '2024-03-12' })]);
    await handler(ev);
    const first = new Set(store.objects.keys());
    await handler(ev);
    expect(new Set(store.objects.keys())).toEqual(first);
    expect(rawRows(store)).toHaveLength(780);
  });

  it('incremental runs fetch only what is newer than the last stored bar', async () => {
    now = new Date('2024-03-12T15:00:30Z');
    const handler = createIngestionHandler(deps());
    const inc = detail({ symbols: ['BTC/USD'], lookbackDays: 1, incremental: true, end: undefined });
    await handler(sqsEventOf([inc]));
    // The 14:59 bar closed at 15:00; the 15:00 bar is still forming and waits.
    let rows = rawRows(store);
    // One day back from 15:00:30: the first whole minute is 15:01.
    expect(rows).toHaveLength(1439);
    expect(rows[0]!.ts).toBe('2024-03-11T15:01:00.000Z');
    expect(rows.at(-1)!.ts).toBe('2024-03-12T14:59:00.000Z');
    now = new Date('2024-03-12T15:10:30Z');
    await handler(sqsEventOf([inc]));
    rows = rawRows(store);
    expect(rows).toHaveLength(1449);
    const ts = rows.map((r) => r.ts as string);
    expect(new Set(ts).size).toBe(ts.length);
    const d = publisher.events.at(-1)!.detail as { bars: number; from: string };
    expect(d.bars).toBe(10);
    expect(d.from).toBe('2024-03-12T15:00:00.000Z');
  });

  it('a killed run resumes without gaps or duplicates', async () => {
    const req = detail({ symbols: ['ETH/USD'], start: '2024-03-01', end: '2024-03-05', incremental: true });
    // Crash while writing the third day's object.
    let puts = 0;
    store.failPutWhen((k) => k.startsWith('raw/') && ++puts === 3);
    const handler = createIngestionHandler(deps());
    const first = await handler(sqsEventOf([req]));
    expect(first.batchItemFailures).toHaveLength(1);
    expect(rawRows(store)).toHaveLength(2 * 1440);
    // SQS redelivers; the run picks up after the last stored bar.
    const second = await handler(sqsEventOf([req], 2));
    expect(second.batchItemFailures).toEqual([]);
    const ts = rawRows(store)
      .map((r) => Date.parse(r.ts as string))
      .sort((a, b) => a - b);
    expect(ts).toHaveLength(5 * 1440);
    expect(new Set(ts).size).toBe(ts.length);
    for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBe(60_000);
    const rawPuts = store.puts.filter((k) => k.startsWith('raw/'));
    expect(new Set(rawPuts).size).toBe(rawPuts.length);
  });

  it('unknown symbols fail alone, with their own Failed event', async () => {
    const res = await createIngestionHandler(deps())(
      sqsEventOf([detail({ symbols: ['AAPL', 'INVALIDZZ'], start: '2024-03-11', end: '2024-03-11' })]),
    );
    expect(res.batchItemFailures).toEqual([]);
    const types = publisher.events.map((e) => e.detailType).sort();
    expect(types).toEqual(['Ingestion Batch Completed', 'Ingestion Batch Failed']);
    const failed = ingestionBatchFailedDetailSchema.parse(
      publisher.events.find((e) => e.detailType === 'Ingestion Batch Failed')!.detail,
    );
    expect(failed.symbols).toEqual(['INVALIDZZ']);
    expect(failed.error.retryable).toBe(false);
  });

  it('daily credits exhausted: Failed event, record consumed, not retried', async () => {
    server.faults.push('day-limit');
    const res = await createIngestionHandler(deps())(
      sqsEventOf([detail({ start: '2024-03-11', end: '2024-03-11' })]),
    );
    expect(res.batchItemFailures).toEqual([]);
    expect(publisher.events).toHaveLength(1);
    expect(publisher.events[0]!.detail).toMatchObject({
      error: { code: 'TwelveDataDailyCreditsExhausted', retryable: false },
    });
    expect([...store.objects.keys()]).toEqual([]);
  });

  it('transient failures fail the record; the last receive also reports it', async () => {
    const client = createTwelveDataClient({ apiKey: 'k', baseUrl: server.url, maxAttempts: 1 });
    server.faults.push('server-error');
    const early = await createIngestionHandler(deps({ client }))(
      sqsEventOf([detail({ start: '2024-03-11' })]),
    );
    expect(early.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    expect(publisher.events).toEqual([]);
    server.faults.push('server-error');
    const last = await createIngestionHandler(deps({ client }))(
      sqsEventOf([detail({ start: '2024-03-11' })], 3),
    );
    expect(last.batchItemFailures).toHaveLength(1);
    expect(publisher.events[0]!.detail).toMatchObject({
      error: { code: 'TwelveDataServerError', retryable: true },
    });
  });

  it('a malformed message fails alone', async () => {
    const ev = sqsEventOf([detail({ start: '2024-03-11', end: '2024-03-11' })]);
    ev.Records.unshift({ ...ev.Records[0]!, messageId: 'bad', body: '{"not":"an event"}' });
    const res = await createIngestionHandler(deps())(ev);
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect(rawRows(store)).toHaveLength(390);
  });
});
