import { AppError, runSummaryKey } from '@ohlcv/core';
import {
  fixedClock,
  memoryLogger,
  memoryNotifier,
  memoryObjectStore,
  memoryPublisher,
} from '@ohlcv/core/contracts/in-memory';
import { alertRaisedDetailSchema, qualityEvaluatedDetailSchema } from '@ohlcv/events';
import { describe, expect, it } from 'vitest';
import { alertMarkerKey, createQualityAlertHandler } from './handler.ts';
import { alertIdOf } from './logic.ts';
import {
  batch,
  dqResults,
  etlRunCompleted,
  ingestionFailed,
  jobStateChange,
  runSummary,
} from './testing/fixtures.ts';

function setup(threshold = 0.05) {
  const clock = fixedClock('2024-03-01T11:00:05Z');
  const store = memoryObjectStore(clock);
  const publisher = memoryPublisher();
  const notifier = Object.assign(memoryNotifier(), { name: 'memory' });
  const logger = memoryLogger();
  const handler = createQualityAlertHandler({
    store,
    publisher,
    notifiers: [notifier],
    clock,
    logger,
    quarantineThreshold: threshold,
  });
  return { store, publisher, notifier, logger, handler };
}

describe('quality-alert handler', () => {
  it.each(['FAILED', 'TIMEOUT', 'STOPPED', 'ERROR'] as const)(
    'a job run %s raises a critical job-failed alert',
    async (state) => {
      const t = setup();
      expect(await t.handler(batch(jobStateChange(state)))).toEqual({ batchItemFailures: [] });
      expect(t.notifier.alerts).toHaveLength(1);
      const alert = t.notifier.alerts[0]!;
      expect(alert).toMatchObject({
        kind: 'job-failed',
        severity: 'critical',
        alertId: alertIdOf(`glue-${state}`, 'job-failed'),
        correlationId: `glue-${state}`,
        context: { jobName: 'ohlcv-etl', jobRunId: 'jr_9', state },
      });
      expect(t.publisher.events).toHaveLength(1);
      const ev = t.publisher.events[0]!;
      expect(ev).toMatchObject({ source: 'ohlcv.quality-alert', detailType: 'Alert Raised' });
      expect(alertRaisedDetailSchema.parse(ev.detail)).toMatchObject({
        schemaVersion: 1,
        alertId: alert.alertId,
        kind: 'job-failed',
      });
    },
  );

  it('a SUCCEEDED job state change is consumed without an alert', async () => {
    const t = setup();
    expect(await t.handler(batch(jobStateChange('SUCCEEDED')))).toEqual({ batchItemFailures: [] });
    expect(t.notifier.alerts).toHaveLength(0);
    expect(t.publisher.events).toHaveLength(0);
  });

  it('DQ results publish Quality Evaluated, plus a quality-failed alert only when rules failed', async () => {
    const t = setup();
    await t.handler(batch(dqResults(0, 'dq-ok'), dqResults(2, 'dq-bad')));
    const types = t.publisher.events.map((e) => e.detailType);
    expect(types).toEqual(['Quality Evaluated', 'Quality Evaluated', 'Alert Raised']);
    const bad = qualityEvaluatedDetailSchema.parse(t.publisher.events[1]!.detail);
    expect(bad).toMatchObject({
      origin: 'glue-dataquality',
      jobRunId: 'jr_9',
      rulesPassed: 2,
      rulesFailed: 2,
      score: 0.5,
    });
    expect(bad.failedRules[0]?.rule).toBe('ohlcv_bars');
    expect(t.notifier.alerts.map((a) => [a.kind, a.severity])).toEqual([['quality-failed', 'warning']]);
  });

  it('Ingestion Batch Failed raises ingestion-failed with the pipeline correlation id', async () => {
    const t = setup();
    await t.handler(batch(ingestionFailed(false), ingestionFailed(true, 'ing-2')));
    expect(t.notifier.alerts.map((a) => [a.kind, a.severity, a.correlationId])).toEqual([
      ['ingestion-failed', 'critical', 'corr-ing'],
      ['ingestion-failed', 'warning', 'corr-ing'],
    ]);
    expect(t.notifier.alerts[0]?.message).toBe('ApiKeyInvalid: Twelve Data: invalid api key');
  });

  it('ETL Run Completed reads the run summary: Quality Evaluated, quarantine-threshold above the threshold', async () => {
    const t = setup(0.05);
    await t.store.put(runSummaryKey('jr_7'), JSON.stringify(runSummary(1000, 60, true)));
    expect(await t.handler(batch(etlRunCompleted(1000, 60)))).toEqual({ batchItemFailures: [] });
    const qe = qualityEvaluatedDetailSchema.parse(t.publisher.events[0]!.detail);
    expect(qe).toEqual({
      schemaVersion: 1,
      correlationId: 'corr-run',
      jobRunId: 'jr_7',
      origin: 'etl-summary',
      score: 0.5,
      rulesPassed: 1,
      rulesFailed: 1,
      failedRules: [{ rule: 'high_ge_low', message: '3 row(s) failed: high >= low' }],
    });
    expect(t.notifier.alerts.map((a) => a.kind)).toEqual(['quality-failed', 'quarantine-threshold']);
    expect(t.notifier.alerts[1]?.title).toBe('6.00% of rows quarantined in run jr_7');
    expect(t.notifier.alerts[1]?.context).toMatchObject({
      quarantinedShare: 0.06,
      threshold: 0.05,
      rowsIn: 1000,
    });
  });

  it('the quarantine alert names the top reasons with the fields behind them (issue 14)', async () => {
    const t = setup(0.05);
    const missing = 'missing: symbol, interval, ts, open, high, low, close';
    const unknown = 'unknown: ticker, freq, time, o, h, l, c, v';
    const summary = {
      ...runSummary(8, 8),
      quarantineReasons: [
        { reasonCodes: ['missing_field', 'unknown_field'], detail: `${missing}; ${unknown}`, rows: 5 },
        { reasonCodes: ['price_not_positive'], rows: 1 },
        { reasonCodes: ['duplicate_field'], detail: 'duplicate: ts, timestamp', rows: 1 },
        { reasonCodes: ['volume_negative'], rows: 1 },
      ],
    };
    await t.store.put(runSummaryKey('jr_7'), JSON.stringify(summary));
    await t.handler(batch(etlRunCompleted(8, 8)));
    const alert = t.notifier.alerts.find((a) => a.kind === 'quarantine-threshold')!;
    expect(alert.message).toBe(
      `100.00% quarantined (8 of 8 rows, threshold 5.00%): missing_field, unknown_field — ${missing}; ${unknown} (5 rows)` +
        ' | price_not_positive (1 row) | duplicate_field — duplicate: ts, timestamp (1 row) | …. See ohlcv.quarantine for every row.',
    );
    expect(alert.context).toMatchObject({ quarantineReasons: summary.quarantineReasons });
    // Bounded, however long the details.
    const long = { reasonCodes: ['unknown_field'], detail: `unknown: ${'k, '.repeat(400)}`, rows: 1 };
    const t2 = setup(0.05);
    await t2.store.put(
      runSummaryKey('jr_7'),
      JSON.stringify({ ...summary, quarantineReasons: [long, long, long] }),
    );
    await t2.handler(batch(etlRunCompleted(8, 8)));
    const bounded = t2.notifier.alerts.find((a) => a.kind === 'quarantine-threshold')!.message;
    expect(bounded.length).toBe(1000);
    expect(bounded.endsWith('…')).toBe(true);
  });

  it('quarantine at or below the threshold publishes Quality Evaluated but raises nothing', async () => {
    const t = setup(0.05);
    await t.store.put(runSummaryKey('jr_7'), JSON.stringify(runSummary(1000, 50)));
    await t.handler(batch(etlRunCompleted(1000, 50)));
    expect(t.notifier.alerts).toHaveLength(0);
    expect(t.publisher.events.map((e) => e.detailType)).toEqual(['Quality Evaluated']);
  });

  it('a missing run summary fails that record alone', async () => {
    const t = setup();
    const res = await t.handler(batch(etlRunCompleted(10, 5), jobStateChange('FAILED')));
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
    expect(t.logger.lines.find((l) => l.level === 'error')?.extra).toMatchObject({ code: 'NoSuchKey' });
    expect(t.notifier.alerts).toHaveLength(1);
  });

  it('malformed and unexpected records fail alone', async () => {
    const t = setup();
    const unexpected = { ...jobStateChange('FAILED'), source: 'aws.s3', 'detail-type': 'Object Created' };
    const res = await t.handler(
      batch(
        'nope',
        unexpected,
        { ...jobStateChange('FAILED'), detail: { state: 'FAILED' } },
        jobStateChange('FAILED'),
      ),
    );
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['msg-1', 'msg-2', 'msg-3']);
    expect(t.notifier.alerts).toHaveLength(1);
  });

  it('a redelivered event raises the same alert id and does not notify twice', async () => {
    const t = setup();
    const event = batch(jobStateChange('FAILED'));
    t.publisher.failNext(1, new AppError('PutEventsFailed', 'throttled', { retryable: true }));
    expect((await t.handler(event)).batchItemFailures).toHaveLength(1);
    expect(await t.handler(event)).toEqual({ batchItemFailures: [] });
    expect(t.notifier.alerts).toHaveLength(1);
    expect(t.publisher.events).toHaveLength(1);
    expect(JSON.parse(t.store.text(alertMarkerKey(t.notifier.alerts[0]!.alertId))!)).toMatchObject({
      delivered: ['memory'],
    });
  });

  it('a failing notifier fails the record; on redelivery only it is retried', async () => {
    const clock = fixedClock('2024-03-01T11:00:05Z');
    const store = memoryObjectStore(clock);
    const good = Object.assign(memoryNotifier(), { name: 'good' });
    let flaky = 0;
    const bad = {
      name: 'flaky',
      sent: 0,
      async notify() {
        if (flaky++ === 0) throw new AppError('WebhookFailed', 'down', { retryable: true });
        bad.sent++;
      },
    };
    const publisher = memoryPublisher();
    const handler = createQualityAlertHandler({
      store,
      publisher,
      notifiers: [good, bad],
      clock,
      logger: memoryLogger(),
      quarantineThreshold: 0.05,
    });
    const event = batch(jobStateChange('TIMEOUT'));
    expect((await handler(event)).batchItemFailures).toHaveLength(1);
    expect(publisher.events).toHaveLength(0);
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(good.alerts).toHaveLength(1);
    expect(bad.sent).toBe(1);
    expect(publisher.events).toHaveLength(1);
  });

  it('rejects a threshold outside 0..1', () => {
    expect(() => setup(1.5)).toThrow(/quarantineThreshold/);
  });
});
