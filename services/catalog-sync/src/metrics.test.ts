import { METRIC, silentLogger } from '@ohlcv/core';
import {
  type MemoryCatalog,
  type MemoryObjectStore,
  type MemoryPublisher,
  memoryCatalog,
  memoryMetrics,
  memoryObjectStore,
  memoryPublisher,
} from '@ohlcv/core/contracts/in-memory';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCatalogSyncHandler } from './handler.ts';
import { batch, jobStateChange, putSummary, summary } from './testing/fixtures.ts';

let store: MemoryObjectStore;
let catalog: MemoryCatalog;
let publisher: MemoryPublisher;
let metrics: ReturnType<typeof memoryMetrics>;
const handler = () =>
  createCatalogSyncHandler({
    store,
    catalog,
    publisher,
    logger: silentLogger,
    metrics,
    clock: { now: () => new Date('2024-01-03T00:02:00Z') },
    jobName: 'ohlcv-etl',
  });

beforeEach(async () => {
  store = memoryObjectStore();
  catalog = memoryCatalog();
  publisher = memoryPublisher();
  metrics = memoryMetrics();
  await putSummary(store, summary());
});

describe('catalog-sync metrics', () => {
  it('counts newly added partitions per table, once per run', async () => {
    await handler()(batch(jobStateChange('jr_1'), jobStateChange('jr_1')));
    expect(metrics.values(METRIC.partitionsRegistered, { table: 'bars' })).toEqual([2]);
    expect(metrics.values(METRIC.partitionsRegistered, { table: 'bars_daily' })).toEqual([1]);
    expect(metrics.values(METRIC.partitionsRegistered, { table: 'quarantine' })).toEqual([1]);
    // A run that only rewrote known partitions adds none.
    await putSummary(store, summary({ jobRunId: 'jr_2' }));
    await handler()(batch(jobStateChange('jr_2')));
    expect(metrics.values(METRIC.partitionsRegistered, { table: 'bars' })).toEqual([2, 0]);
    expect(metrics.sum(METRIC.partitionsRegistered)).toBe(4);
  });

  it('a run republished after a failed publish counts what its first attempt registered', async () => {
    publisher.failNext(1, new Error('PutEvents throttled'));
    expect((await handler()(batch(jobStateChange('jr_1')))).batchItemFailures).toHaveLength(1);
    expect(metrics.points).toEqual([]);
    await handler()(batch(jobStateChange('jr_1')));
    expect(metrics.sum(METRIC.partitionsRegistered)).toBe(4);
  });

  it('ignored state changes count nothing', async () => {
    await handler()(batch(jobStateChange('jr_1', 'FAILED')));
    expect(metrics.points).toEqual([]);
  });
});
