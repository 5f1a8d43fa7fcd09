import { silentLogger } from '@ohlcv/core';
import {
  type MemoryCatalog,
  type MemoryObjectStore,
  type MemoryPublisher,
  memoryCatalog,
  memoryObjectStore,
  memoryPublisher,
} from '@ohlcv/core/contracts/in-memory';
import { etlRunCompletedDetailSchema, partitionsRegisteredDetailSchema } from '@ohlcv/events';
import { MAX_ENTRY_BYTES, putEventsEntrySize } from '@ohlcv/local/bus/event-bus';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCatalogSyncHandler } from './handler.ts';
import { pendingMarkerKey, syncedMarkerKey } from './logic.ts';
import { batch, jobStateChange, putSummary, summary } from './testing/fixtures.ts';

let store: MemoryObjectStore;
let catalog: MemoryCatalog;
let publisher: MemoryPublisher;
const clock = { now: () => new Date('2024-01-03T00:02:00Z') };
const handler = () =>
  createCatalogSyncHandler({ store, catalog, publisher, logger: silentLogger, clock, jobName: 'ohlcv-etl' });

beforeEach(async () => {
  store = memoryObjectStore();
  catalog = memoryCatalog();
  publisher = memoryPublisher();
  await putSummary(store, summary());
});

describe('catalog-sync handler', () => {
  it('registers the written partitions per table and publishes both events once', async () => {
    expect(await handler()(batch(jobStateChange('jr_1')))).toEqual({ batchItemFailures: [] });

    expect(catalog.calls.map((c) => [c.table, c.partitions.length])).toEqual([
      ['bars', 2],
      ['bars_daily', 1],
      ['quarantine', 1],
    ]);
    expect(catalog.calls[0]!.partitions[0]).toEqual({
      values: { date: '2024-01-02', symbol: 'BTC/USD' },
      location: 'processed/bars/date=2024-01-02/symbol=BTC%2FUSD/',
    });
    expect(publisher.batches).toHaveLength(1);
    const [completed, registered] = publisher.batches[0]!;
    expect(completed).toEqual({
      source: 'ohlcv.catalog-sync',
      detailType: 'ETL Run Completed',
      detail: {
        schemaVersion: 1,
        correlationId: 'corr-1',
        jobName: 'ohlcv-etl',
        jobRunId: 'jr_1',
        summaryKey: '_runs/jr_1/summary.json',
        rowsIn: 10,
        rowsKept: 7,
        rowsQuarantined: 2,
        duplicates: 1,
        partitionsWritten: 4,
      },
    });
    expect(etlRunCompletedDetailSchema.safeParse(completed!.detail).success).toBe(true);
    expect(registered).toMatchObject({ source: 'ohlcv.catalog-sync', detailType: 'Partitions Registered' });
    expect(partitionsRegisteredDetailSchema.parse(registered!.detail).tables).toEqual([
      {
        table: 'bars',
        added: 2,
        existing: 0,
        partitions: [
          { date: '2024-01-02', symbol: 'BTC/USD' },
          { date: '2024-01-02', symbol: 'AAPL' },
        ],
      },
      { table: 'bars_daily', added: 1, existing: 0, partitions: [{ month: '2024-01' }] },
      { table: 'quarantine', added: 1, existing: 0, partitions: [{ date: '2024-01-03' }] },
    ]);
    expect(store.objects.has(syncedMarkerKey('jr_1'))).toBe(true);
  });

  it('a backfill of thousands of partitions stays one event within the PutEvents entry limit', async () => {
    // 40 symbols x 250 days: what one bulk drop of a year of minute bars writes.
    const written = Array.from({ length: 10_000 }, (_, i) => {
      const date = new Date(Date.UTC(2023, 0, 1 + Math.floor(i / 40))).toISOString().slice(0, 10);
      const symbol = `SYM${String(i % 40).padStart(3, '0')}/USD`;
      return {
        table: 'bars' as const,
        values: { date, symbol },
        location: `processed/bars/date=${date}/symbol=${encodeURIComponent(symbol)}/`,
        rows: 390,
      };
    });
    const quarantined = [
      {
        table: 'quarantine' as const,
        values: { date: '2024-01-03' },
        location: 'quarantine/date=2024-01-03/',
        rows: 1,
      },
    ];
    await putSummary(store, summary({ jobRunId: 'jr_big', partitionsWritten: [...written, ...quarantined] }));
    expect(await handler()(batch(jobStateChange('jr_big')))).toEqual({ batchItemFailures: [] });
    const registered = publisher.batches[0]!.find((e) => e.detailType === 'Partitions Registered')!;
    // Measured as AWS (and the local bus) measure an entry.
    const entry = {
      Source: registered.source,
      DetailType: registered.detailType,
      Detail: JSON.stringify(registered.detail),
    };
    expect(putEventsEntrySize(entry)).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    const detail = partitionsRegisteredDetailSchema.parse(registered.detail);
    expect(detail.summaryKey).toBe('_runs/jr_big/summary.json');
    const bars = detail.tables.find((t) => t.table === 'bars')!;
    expect(bars.added).toBe(10_000);
    expect(bars.partitions.length).toBeGreaterThan(1000);
    expect(bars.partitions.length + bars.partitionsOmitted!).toBe(10_000);
    expect(bars.partitions[0]).toEqual(written[0]!.values);
    // A short list is never cut for a long one.
    expect(detail.tables.find((t) => t.table === 'quarantine')).toEqual({
      table: 'quarantine',
      added: 1,
      existing: 0,
      partitions: [{ date: '2024-01-03' }],
      partitionsOmitted: 0,
    });
  });

  it('does nothing and publishes nothing for a redelivered event', async () => {
    await handler()(batch(jobStateChange('jr_1')));
    const putsBefore = store.puts.length;
    expect(await handler()(batch(jobStateChange('jr_1'), jobStateChange('jr_1')))).toEqual({
      batchItemFailures: [],
    });
    expect(publisher.batches).toHaveLength(1);
    expect(catalog.calls).toHaveLength(3);
    expect(store.puts.length).toBe(putsBefore);
  });

  it('after a failed publish, the retry publishes the same details (not "all existing")', async () => {
    publisher.failNext(1, Object.assign(new Error('PutEvents throttled'), { name: 'ThrottlingException' }));
    expect(await handler()(batch(jobStateChange('jr_1')))).toEqual({
      batchItemFailures: [{ itemIdentifier: 'msg-1' }],
    });
    expect(store.objects.has(pendingMarkerKey('jr_1'))).toBe(true);
    expect(store.objects.has(syncedMarkerKey('jr_1'))).toBe(false);

    expect(await handler()(batch(jobStateChange('jr_1')))).toEqual({ batchItemFailures: [] });
    expect(publisher.batches).toHaveLength(1);
    const registered = publisher.batches[0]![1]!.detail as { tables: { added: number }[] };
    expect(registered.tables.map((t) => t.added)).toEqual([2, 1, 1]);
    expect(catalog.calls).toHaveLength(3);
  });

  it('a second run that rewrote a partition reports it as existing', async () => {
    await handler()(batch(jobStateChange('jr_1')));
    await putSummary(store, summary({ jobRunId: 'jr_2', correlationId: 'corr-2' }));
    await handler()(batch(jobStateChange('jr_2')));
    const registered = publisher.batches[1]![1]!.detail as {
      correlationId: string;
      tables: { added: number; existing: number }[];
    };
    expect(registered.correlationId).toBe('corr-2');
    expect(registered.tables.map((t) => [t.added, t.existing])).toEqual([
      [0, 2],
      [0, 1],
      [0, 1],
    ]);
  });

  it('ignores failed runs and other jobs', async () => {
    expect(
      await handler()(
        batch(jobStateChange('jr_1', 'FAILED'), jobStateChange('jr_1', 'SUCCEEDED', 'other-job')),
      ),
    ).toEqual({
      batchItemFailures: [],
    });
    expect(publisher.batches).toHaveLength(0);
    expect(catalog.calls).toHaveLength(0);
  });

  it('fails only the bad record: malformed body, missing summary', async () => {
    const result = await handler()(
      batch('not json', jobStateChange('jr_missing'), jobStateChange('jr_1'), { hello: 1 }),
    );
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['msg-1', 'msg-2', 'msg-4']);
    expect(publisher.batches).toHaveLength(1);
  });

  it('rejects a summary that belongs to another run', async () => {
    await putSummary(store, { ...summary({ jobRunId: 'jr_9' }) });
    store.objects.set('_runs/jr_8/summary.json', store.objects.get('_runs/jr_9/summary.json')!);
    expect((await handler()(batch(jobStateChange('jr_8')))).batchItemFailures).toHaveLength(1);
    expect(publisher.batches).toHaveLength(0);
  });
});
