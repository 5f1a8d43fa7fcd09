import { AppError, METRIC } from '@ohlcv/core';
import {
  fixedClock,
  memoryJobRunner,
  memoryLogger,
  memoryMetrics,
  memoryObjectStore,
  memoryPublisher,
} from '@ohlcv/core/contracts/in-memory';
import { describe, expect, it } from 'vitest';
import { createEtlTriggerHandler } from './handler.ts';
import { batch, objectCreated } from './testing/fixtures.ts';

function setup() {
  const clock = fixedClock('2024-03-01T10:00:10Z');
  const jobRunner = memoryJobRunner();
  const publisher = memoryPublisher();
  const metrics = memoryMetrics();
  const handler = createEtlTriggerHandler({
    store: memoryObjectStore(clock),
    jobRunner,
    publisher,
    clock,
    logger: memoryLogger(),
    metrics,
    jobName: 'ohlcv-etl',
  });
  return { clock, jobRunner, publisher, metrics, handler };
}

describe('etl-trigger metrics', () => {
  it('counts one run and the distinct objects coalesced into its manifest', async () => {
    const t = setup();
    await t.handler(
      batch(
        objectCreated('raw/a.csv', 'e1'),
        objectCreated('raw/b.csv', 'e2'),
        objectCreated('raw/b.csv', 'e2', { id: 'dup' }),
        objectCreated('raw/_SUCCESS', 'e3'),
      ),
    );
    expect(t.metrics.values(METRIC.jobRunsStarted)).toEqual([1]);
    expect(t.metrics.values(METRIC.objectsCoalesced)).toEqual([2]);
  });

  it('a redelivered batch that reuses its run is not counted again', async () => {
    const t = setup();
    const event = batch(objectCreated('raw/a.csv', 'e1'), objectCreated('raw/b.csv', 'e2'));
    t.publisher.failNext(1, new AppError('PutEventsFailed', 'throttled', { retryable: true }));
    expect((await t.handler(event)).batchItemFailures).toHaveLength(2);
    t.clock.advance(60_000);
    expect((await t.handler(event)).batchItemFailures).toEqual([]);
    expect(t.jobRunner.started).toHaveLength(1);
    expect(t.metrics.sum(METRIC.jobRunsStarted)).toBe(1);
    expect(t.metrics.sum(METRIC.objectsCoalesced)).toBe(2);
  });

  it('a busy engine starts nothing and counts nothing', async () => {
    const t = setup();
    t.jobRunner.busy = true;
    await t.handler(batch(objectCreated('raw/a.csv', 'e1')));
    expect(t.metrics.points).toEqual([]);
  });
});
