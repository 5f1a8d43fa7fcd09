import { AppError, manifestKey, manifestSchema } from '@ohlcv/core';
import {
  fixedClock,
  memoryJobRunner,
  memoryLogger,
  memoryObjectStore,
  memoryPublisher,
} from '@ohlcv/core/contracts/in-memory';
import { etlRunRequestedDetailSchema } from '@ohlcv/events';
import { describe, expect, it } from 'vitest';
import { createEtlTriggerHandler, runMarkerKey } from './handler.ts';
import { batch, objectCreated } from './testing/fixtures.ts';

function setup() {
  const clock = fixedClock('2024-03-01T10:00:10Z');
  const store = memoryObjectStore(clock);
  const jobRunner = memoryJobRunner();
  const publisher = memoryPublisher();
  const logger = memoryLogger();
  const handler = createEtlTriggerHandler({
    store,
    jobRunner,
    publisher,
    clock,
    logger,
    jobName: 'ohlcv-etl',
  });
  return { clock, store, jobRunner, publisher, logger, handler };
}

describe('etl-trigger handler', () => {
  it('coalesces a batch into one deduped manifest, one job run and one ETL Run Requested', async () => {
    const t = setup();
    const res = await t.handler(
      batch(
        objectCreated('raw/source=file/b.csv', 'e2', { time: '2024-03-01T09:59:00Z' }),
        objectCreated('raw/source=file/a.csv', 'e1', { size: 42 }),
        objectCreated('raw/source=file/b.csv', 'e2', { id: 'dup', time: '2024-03-01T09:59:30Z' }),
      ),
    );
    expect(res).toEqual({ batchItemFailures: [] });
    expect(t.jobRunner.started).toHaveLength(1);
    const run = t.jobRunner.started[0]!;
    const key = run.arguments['--manifest_key']!;
    const manifest = manifestSchema.parse(JSON.parse(t.store.text(key)!));
    expect(key).toBe(manifestKey(manifest.manifestId));
    expect(manifest.objects).toEqual([
      { key: 'raw/source=file/a.csv', etag: 'e1', size: 42, lastModified: '2024-03-01T10:00:00.000Z' },
      { key: 'raw/source=file/b.csv', etag: 'e2', size: 100, lastModified: '2024-03-01T09:59:00.000Z' },
    ]);
    expect(manifest.createdAt).toBe('2024-03-01T10:00:10.000Z');
    // Three source events, so the run is correlated by its manifest.
    expect(manifest.correlationId).toBe(manifest.manifestId);
    expect(run).toMatchObject({
      jobName: 'ohlcv-etl',
      arguments: { '--correlation_id': manifest.correlationId },
    });

    expect(t.publisher.events).toHaveLength(1);
    const ev = t.publisher.events[0]!;
    expect(ev.source).toBe('ohlcv.etl-trigger');
    expect(ev.detailType).toBe('ETL Run Requested');
    expect(etlRunRequestedDetailSchema.parse(ev.detail)).toEqual({
      schemaVersion: 1,
      correlationId: manifest.correlationId,
      jobName: 'ohlcv-etl',
      jobRunId: 'jr_1',
      manifestId: manifest.manifestId,
      manifestKey: key,
      objectCount: 2,
    });
  });

  it('keeps the source event id as correlation id when the batch has one event', async () => {
    const t = setup();
    await t.handler(batch(objectCreated('raw/a.csv', 'e', { id: 'evt-42' })));
    expect(t.jobRunner.started[0]?.arguments['--correlation_id']).toBe('evt-42');
    expect(t.publisher.events[0]?.detail.correlationId).toBe('evt-42');
  });

  it('skips non-raw keys with a logged reason, and fails only the malformed record', async () => {
    const t = setup();
    const res = await t.handler(
      batch(objectCreated('raw/a.csv', 'e'), '{not json', objectCreated('processed/bars/x.parquet', 'p'), {
        version: '0',
        source: 'aws.s3',
        'detail-type': 'Object Created',
      }),
    );
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-2' }, { itemIdentifier: 'msg-4' }] });
    expect(t.jobRunner.started).toHaveLength(1);
    const skipped = t.logger.lines.find((l) => l.message === 'object skipped');
    expect(skipped?.extra).toMatchObject({
      key: 'processed/bars/x.parquet',
      reason: 'not-raw-zone',
      messageId: 'msg-3',
    });
    expect(t.logger.lines.filter((l) => l.level === 'error')).toHaveLength(2);
  });

  it('starts nothing when every record is skipped', async () => {
    const t = setup();
    expect(await t.handler(batch(objectCreated('raw/_SUCCESS', 'e')))).toEqual({ batchItemFailures: [] });
    expect(t.jobRunner.started).toHaveLength(0);
    expect(t.publisher.events).toHaveLength(0);
  });

  it('returns every object record to the queue on ConcurrentRunsExceeded, then runs on redelivery', async () => {
    const t = setup();
    const event = batch(objectCreated('raw/a.csv', 'e1'), objectCreated('raw/b.csv', 'e2'), 'garbage');
    t.jobRunner.busy = true;
    const first = await t.handler(event);
    expect(first.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['msg-1', 'msg-2', 'msg-3']);
    expect(t.publisher.events).toHaveLength(0);
    expect(t.logger.lines.find((l) => l.level === 'warn')?.extra).toMatchObject({
      code: 'ConcurrentRunsExceeded',
      retryable: true,
    });

    t.jobRunner.busy = false;
    t.clock.advance(60_000);
    const second = await t.handler(batch(objectCreated('raw/b.csv', 'e2'), objectCreated('raw/a.csv', 'e1')));
    expect(second).toEqual({ batchItemFailures: [] });
    expect(t.jobRunner.started).toHaveLength(1);
    expect(t.publisher.events[0]?.detail).toMatchObject({ objectCount: 2 });
  });

  it('a redelivered batch does not start a second run; it re-publishes the same run', async () => {
    const t = setup();
    const event = batch(objectCreated('raw/a.csv', 'e1'), objectCreated('raw/b.csv', 'e2'));
    t.publisher.failNext(1, new AppError('PutEventsFailed', 'throttled', { retryable: true }));
    const first = await t.handler(event);
    expect(first.batchItemFailures).toHaveLength(2);
    expect(t.jobRunner.started).toHaveLength(1);

    t.clock.advance(2 * 60_000);
    expect(await t.handler(event)).toEqual({ batchItemFailures: [] });
    expect(t.jobRunner.started).toHaveLength(1);
    expect(t.publisher.events).toHaveLength(1);
    expect(t.publisher.events[0]?.detail).toMatchObject({ jobRunId: 'jr_1' });
    const manifestId = t.publisher.events[0]?.detail.correlationId as string;
    expect(JSON.parse(t.store.text(runMarkerKey(manifestId))!)).toMatchObject({ jobRunId: 'jr_1' });
  });

  it('starts a new run when the same objects come again after the guard window (a deliberate re-run)', async () => {
    const t = setup();
    const event = batch(objectCreated('raw/a.csv', 'e1'));
    await t.handler(event);
    t.clock.advance(16 * 60_000);
    await t.handler(event);
    expect(t.jobRunner.started.map((r) => r.jobRunId)).toEqual(['jr_1', 'jr_2']);
    expect(t.jobRunner.started[0]?.arguments).toEqual(t.jobRunner.started[1]?.arguments);
  });

  it('fails the object records on a non-retryable start error too (they reach the DLQ, not the void)', async () => {
    const t = setup();
    t.jobRunner.startJobRun = async () => {
      throw new AppError('JobNotFound', 'no job');
    };
    const res = await t.handler(batch(objectCreated('raw/a.csv', 'e1')));
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
    expect(t.logger.lines.find((l) => l.level === 'error')?.extra).toMatchObject({
      code: 'JobNotFound',
      retryable: false,
    });
  });

  it('a run marker that is not a run marker fails the records, naming the field, and starts nothing', async () => {
    const t = setup();
    const event = batch(objectCreated('raw/a.csv', 'e1'));
    await t.handler(event);
    const manifestId = (t.publisher.events[0]!.detail as { manifestId: string }).manifestId;
    // Same manifest, a marker some other writer left: parsed, not cast.
    await t.store.put(runMarkerKey(manifestId), JSON.stringify({ manifestId, jobRunId: 'jr_1' }));
    const res = await t.handler(event);
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
    expect(t.jobRunner.started).toHaveLength(1);
    const logged = t.logger.lines.find((l) => l.level === 'error')?.extra;
    expect(logged).toMatchObject({ code: 'MarkerInvalid', retryable: false });
    expect(String(logged?.error)).toContain('startedAt');
    expect(String(logged?.error)).toContain(runMarkerKey(manifestId));
  });
});
