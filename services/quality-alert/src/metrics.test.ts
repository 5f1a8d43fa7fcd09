import { AppError, METRIC, runSummaryKey } from '@ohlcv/core';
import {
  fixedClock,
  memoryLogger,
  memoryMetrics,
  memoryNotifier,
  memoryObjectStore,
  memoryPublisher,
} from '@ohlcv/core/contracts/in-memory';
import { describe, expect, it } from 'vitest';
import { createQualityAlertHandler } from './handler.ts';
import {
  batch,
  dqResults,
  etlRunCompleted,
  ingestionFailed,
  jobStateChange,
  runSummary,
} from './testing/fixtures.ts';

function setup() {
  const clock = fixedClock('2024-03-01T11:00:05Z');
  const store = memoryObjectStore(clock);
  const publisher = memoryPublisher();
  const metrics = memoryMetrics();
  const handler = createQualityAlertHandler({
    store,
    publisher,
    notifiers: [Object.assign(memoryNotifier(), { name: 'memory' })],
    clock,
    logger: memoryLogger(),
    metrics,
    quarantineThreshold: 0.05,
  });
  return { store, publisher, metrics, handler };
}

describe('quality-alert metrics', () => {
  it('counts the rows a run quarantined, from its summary, and the alerts it raised by kind', async () => {
    const t = setup();
    await t.store.put(runSummaryKey('jr_7'), JSON.stringify(runSummary(1000, 60, true)));
    await t.handler(batch(etlRunCompleted(1000, 60)));
    expect(t.metrics.sum(METRIC.rowsQuarantined)).toBe(60);
    expect(t.metrics.values(METRIC.rowsQuarantined)).toEqual([60]);
    expect(t.metrics.sum(METRIC.alertsRaised, { kind: 'quality-failed' })).toBe(1);
    expect(t.metrics.sum(METRIC.alertsRaised, { kind: 'quarantine-threshold' })).toBe(1);
    expect(t.metrics.sum(METRIC.alertsRaised)).toBe(2);
  });

  it('a clean run counts zero quarantined rows and no alert', async () => {
    const t = setup();
    await t.store.put(runSummaryKey('jr_7'), JSON.stringify(runSummary(1000, 0)));
    await t.handler(batch(etlRunCompleted(1000, 0)));
    expect(t.metrics.values(METRIC.rowsQuarantined)).toEqual([0]);
    expect(t.metrics.sum(METRIC.alertsRaised)).toBe(0);
  });

  it('counts job, quality and ingestion alerts; a succeeded job counts nothing', async () => {
    const t = setup();
    await t.handler(
      batch(
        jobStateChange('FAILED'),
        jobStateChange('SUCCEEDED'),
        dqResults(2, 'dq-bad'),
        ingestionFailed(false),
      ),
    );
    expect(t.metrics.sum(METRIC.alertsRaised, { kind: 'job-failed' })).toBe(1);
    expect(t.metrics.sum(METRIC.alertsRaised, { kind: 'quality-failed' })).toBe(1);
    expect(t.metrics.sum(METRIC.alertsRaised, { kind: 'ingestion-failed' })).toBe(1);
    expect(t.metrics.points.every((p) => p.name !== METRIC.rowsQuarantined)).toBe(true);
  });

  it('a record that fails and is redelivered is counted once, when it succeeds', async () => {
    const t = setup();
    await t.store.put(runSummaryKey('jr_7'), JSON.stringify(runSummary(1000, 60)));
    const event = batch(etlRunCompleted(1000, 60));
    t.publisher.failNext(1, new AppError('PutEventsFailed', 'throttled', { retryable: true }));
    expect((await t.handler(event)).batchItemFailures).toHaveLength(1);
    expect(t.metrics.points).toEqual([]);
    await t.handler(event);
    expect(t.metrics.sum(METRIC.rowsQuarantined)).toBe(60);
    expect(t.metrics.sum(METRIC.alertsRaised, { kind: 'quarantine-threshold' })).toBe(1);
  });
});
