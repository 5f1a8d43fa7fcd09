/** Inbound events as the quality-alert queue delivers them (SQS records of EventBridge envelopes). */
import type { RunSummary, SqsEvent, SqsRecord } from '@ohlcv/core';
import { sqsRecord as coreSqsRecord } from '@ohlcv/core/testing/sqs-record';
import {
  buildDataQualityResultsEvent,
  buildEnvelope,
  buildGlueJobStateChangeEvent,
  type GlueJobRunState,
} from '@ohlcv/events';

export const sqsRecord = (messageId: string, body: unknown): SqsRecord =>
  coreSqsRecord(messageId, body, { queue: 'quality-alert' });

export const batch = (...bodies: unknown[]): SqsEvent => ({
  Records: bodies.map((b, i) => sqsRecord(`msg-${i + 1}`, b)),
});

export const jobStateChange = (state: GlueJobRunState, id = `glue-${state}`) =>
  buildGlueJobStateChangeEvent({
    jobName: 'ohlcv-etl',
    jobRunId: 'jr_9',
    state,
    time: '2024-03-01T11:00:00Z',
    id,
  });

export const dqResults = (rulesFailed: number, id = 'dq-1') =>
  buildDataQualityResultsEvent({
    id,
    time: '2024-03-01T11:00:00Z',
    resultId: 'dqresult-1',
    rulesetNames: ['ohlcv_bars'],
    state: 'SUCCEEDED',
    score: rulesFailed === 0 ? 1 : 0.5,
    rulesSucceeded: 4 - rulesFailed,
    rulesFailed,
    jobName: 'ohlcv-etl',
    jobRunId: 'jr_9',
  });

export const ingestionFailed = (retryable: boolean, id = 'ing-1') =>
  buildEnvelope(
    'ohlcv.ingestion',
    'Ingestion Batch Failed',
    {
      schemaVersion: 1,
      correlationId: 'corr-ing',
      requestId: 'req-1',
      symbols: ['AAPL', 'MSFT'],
      interval: '1min',
      error: { code: 'ApiKeyInvalid', message: 'Twelve Data: invalid api key', retryable },
    },
    { id, time: '2024-03-01T11:00:00Z' },
  );

export const etlRunCompleted = (rowsIn: number, rowsQuarantined: number, id = 'etl-done-1') =>
  buildEnvelope(
    'ohlcv.catalog-sync',
    'ETL Run Completed',
    {
      schemaVersion: 1,
      correlationId: 'corr-run',
      jobName: 'ohlcv-etl',
      jobRunId: 'jr_7',
      summaryKey: '_runs/jr_7/summary.json',
      rowsIn,
      rowsKept: rowsIn - rowsQuarantined,
      rowsQuarantined,
      duplicates: 0,
      partitionsWritten: 3,
    },
    { id, time: '2024-03-01T11:00:00Z' },
  );

export const runSummary = (rowsIn: number, rowsQuarantined: number, failedRule = false): RunSummary => ({
  jobRunId: 'jr_7',
  jobName: 'ohlcv-etl',
  manifestId: 'm-1',
  correlationId: 'corr-run',
  startedAt: '2024-03-01T10:59:00Z',
  finishedAt: '2024-03-01T11:00:00Z',
  objects: 2,
  rowsIn,
  rowsKept: rowsIn - rowsQuarantined,
  rowsQuarantined,
  duplicates: 0,
  partitionsWritten: [],
  dataQuality: [
    { rule: 'ts_not_null', description: 'ts is never null', passed: true, failedRows: 0 },
    { rule: 'high_ge_low', description: 'high >= low', passed: !failedRule, failedRows: failedRule ? 3 : 0 },
  ],
});
