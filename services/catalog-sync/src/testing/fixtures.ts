/** Fakes and builders for catalog-sync tests. */
import { type ObjectStore, type RunSummary, runSummaryKey, type SqsEvent } from '@ohlcv/core';
import { sqsRecord } from '@ohlcv/core/testing/sqs-record';
import { buildGlueJobStateChangeEvent, type GlueJobRunState } from '@ohlcv/events';

export const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
  jobRunId: 'jr_1',
  jobName: 'ohlcv-etl',
  manifestId: 'm1',
  correlationId: 'corr-1',
  startedAt: '2024-01-03T00:00:00Z',
  finishedAt: '2024-01-03T00:01:00Z',
  objects: 1,
  rowsIn: 10,
  rowsKept: 7,
  rowsQuarantined: 2,
  duplicates: 1,
  partitionsWritten: [
    {
      table: 'bars',
      values: { date: '2024-01-02', symbol: 'BTC/USD' },
      location: 'processed/bars/date=2024-01-02/symbol=BTC%2FUSD/',
      rows: 5,
    },
    {
      table: 'bars',
      values: { date: '2024-01-02', symbol: 'AAPL' },
      location: 'processed/bars/date=2024-01-02/symbol=AAPL/',
      rows: 2,
    },
    {
      table: 'bars_daily',
      values: { month: '2024-01' },
      location: 'processed/bars_daily/month=2024-01/',
      rows: 2,
    },
    { table: 'quarantine', values: { date: '2024-01-03' }, location: 'quarantine/date=2024-01-03/', rows: 2 },
  ],
  dataQuality: [],
  ...over,
});

export async function putSummary(store: ObjectStore, s: RunSummary): Promise<void> {
  await store.put(runSummaryKey(s.jobRunId), JSON.stringify(s));
}

export const jobStateChange = (
  jobRunId: string,
  state: GlueJobRunState = 'SUCCEEDED',
  jobName = 'ohlcv-etl',
) =>
  buildGlueJobStateChangeEvent({
    jobName,
    jobRunId,
    state,
    time: '2024-01-03T00:01:05Z',
    id: `evt-${jobRunId}-${state}`,
  });

export const batch = (...bodies: unknown[]): SqsEvent => ({
  Records: bodies.map((b, i) =>
    sqsRecord(`msg-${i + 1}`, b, { queue: 'catalog-sync', receiptHandle: `rh-${i + 1}` }),
  ),
});
