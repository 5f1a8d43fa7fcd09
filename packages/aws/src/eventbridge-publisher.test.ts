import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { describeEventPublisherContract } from '@ohlcv/core/contracts/index';
import { pipelineEventInput } from '@ohlcv/events';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { eventBridgePublisher } from './eventbridge-publisher.ts';

const client = () => new EventBridgeClient({ region: 'us-east-1' });

const requested = (i: number) =>
  pipelineEventInput('ETL Run Requested', {
    schemaVersion: 1,
    correlationId: `c-${i}`,
    jobName: 'ohlcv-etl',
    jobRunId: `jr_${i}`,
    manifestId: `m-${i}`,
    manifestKey: `_manifests/m-${i}.json`,
    objectCount: i,
  });

describeEventPublisherContract(
  'eventBridgePublisher (mocked EventBridge)',
  () => {
    const mock = mockClient(EventBridgeClient);
    const delivered: PutEventsRequestEntry[] = [];
    mock.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      if (input.Entries.length > 10) throw new Error('more than 10 entries');
      delivered.push(...input.Entries);
      return { FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })) };
    });
    return {
      publisher: eventBridgePublisher({ busName: 'ohlcv-pipeline', client: client() }),
      delivered: async () =>
        delivered.map((e) => ({
          source: e.Source ?? '',
          detailType: e.DetailType ?? '',
          detail: JSON.parse(e.Detail ?? '{}') as Record<string, unknown>,
        })),
      cleanup: () => mock.restore(),
    };
  },
  requested,
);

describe('eventBridgePublisher', () => {
  it('sends bus name, source and detail-type; 23 events go as 10 + 10 + 3', async () => {
    const mock = mockClient(EventBridgeClient);
    mock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
    await eventBridgePublisher({ busName: 'bus-x', client: client() }).publish(
      Array.from({ length: 23 }, (_, i) => requested(i)),
    );
    const calls = mock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
    expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.[0]).toEqual({
      EventBusName: 'bus-x',
      Source: 'ohlcv.etl-trigger',
      DetailType: 'ETL Run Requested',
      Detail: JSON.stringify(requested(0).detail),
    });
    mock.restore();
  });

  it('throws a retryable PutEventsFailed naming each failed entry, after sending every chunk', async () => {
    const mock = mockClient(EventBridgeClient);
    mock
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [
          { EventId: 'a' },
          { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' },
          ...Array.from({ length: 8 }, () => ({ EventId: 'x' })),
        ],
      })
      .resolves({ FailedEntryCount: 0, Entries: [] });
    const err = await eventBridgePublisher({ busName: 'bus-x', client: client() })
      .publish(Array.from({ length: 12 }, (_, i) => requested(i)))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PutEventsFailed', retryable: true });
    expect((err as Error).message).toContain('#1 ETL Run Requested (c-1): ThrottlingException Rate exceeded');
    expect(mock.commandCalls(PutEventsCommand)).toHaveLength(2);
    mock.restore();
  });
});
