import { fixedClock, sequentialIds } from '@ohlcv/core/contracts/in-memory';
import { describeEventPublisherContract } from '@ohlcv/core/contracts/index';
import {
  InvalidEventError,
  type PipelineEventInput,
  pipelineEventInput,
  pipelineEventSchema,
} from '@ohlcv/events';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalPublisher } from './local-publisher.ts';
import { type RuntimeKit, runtimeKit } from './testing/runtime-kit.ts';

const requested = (i: number) =>
  pipelineEventInput('ETL Run Requested', {
    schemaVersion: 1,
    correlationId: `c${i}`,
    jobName: 'ohlcv-etl',
    jobRunId: `jr_${i}`,
    manifestId: `m${i}`,
    manifestKey: `_manifests/m${i}.json`,
    objectCount: 1,
  });

const failed = () =>
  pipelineEventInput('Ingestion Batch Failed', {
    schemaVersion: 1,
    correlationId: 'c-failed',
    requestId: 'req-1',
    symbols: ['AAPL'],
    interval: '1min',
    error: { code: 'RateLimited', message: 'Twelve Data answered 429', retryable: true },
  });

function open() {
  const kit = runtimeKit();
  const publisher = new LocalPublisher(
    kit.router,
    fixedClock('2026-01-02T03:04:05.678Z'),
    sequentialIds('evt-'),
  );
  return { kit, publisher };
}

describeEventPublisherContract(
  'LocalPublisher',
  () => {
    const { kit, publisher } = open();
    return {
      publisher,
      delivered: async () =>
        kit.log
          .after(0, 1000)
          .filter((e) => e.bus === 'pipeline')
          .map((e) => ({
            source: e.source,
            detailType: e.detailType,
            detail: e.envelope.detail as Record<string, unknown>,
          })),
      cleanup: () => kit.cleanup(),
    };
  },
  requested,
);

describe('LocalPublisher', () => {
  let kit: RuntimeKit | undefined;
  afterEach(() => kit?.cleanup());

  it('puts EventBridge envelopes on the pipeline bus (injected id and time) and routes them by the topology', async () => {
    const o = open();
    kit = o.kit;
    await o.publisher.publish([requested(1), failed()]);
    const logged = kit.log.last(10);
    expect(logged.map((e) => [e.bus, e.detailType, e.routedTo])).toEqual([
      ['pipeline', 'ETL Run Requested', []],
      ['pipeline', 'Ingestion Batch Failed', ['quality-alert']],
    ]);
    for (const e of logged) expect(pipelineEventSchema.safeParse(e.envelope).success).toBe(true);
    expect(logged[0]?.envelope).toMatchObject({
      version: '0',
      id: 'evt-1',
      source: 'ohlcv.etl-trigger',
      time: '2026-01-02T03:04:05Z',
    });
    const [alert] = kit.messages('quality-alert');
    expect(alert).toMatchObject({
      id: 'evt-2',
      source: 'ohlcv.ingestion',
      detail: { correlationId: 'c-failed' },
    });
    expect(kit.messages('etl-trigger')).toEqual([]);
  });

  it('an invalid detail throws InvalidEventError before anything is routed, even the valid ones', async () => {
    const o = open();
    kit = o.kit;
    const bad = { ...failed(), detail: { ...failed().detail, symbols: [] } } as PipelineEventInput;
    const unknown = { source: 'ohlcv.x', detailType: 'Nope', detail: {} } as unknown as PipelineEventInput;
    for (const batch of [[requested(1), bad], [unknown]]) {
      const err = await o.publisher.publish(batch).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidEventError);
    }
    expect(kit.log.lastSeq()).toBe(0);
    expect(kit.messages('quality-alert')).toEqual([]);
  });
});
