/**
 * catalog-sync's errors: the codes it raises itself and the port codes it reacts to, with
 * what each means for the SQS record. Every code is a key of core's `errorCodes` table; a
 * test (core/test/service-shape.test.ts) checks `raises` against the code in this folder.
 */
import type { ErrorCode } from '@ohlcv/core';

export const raises = {
  ConfigInvalid: 'SUPERSEDED_GRACE_MINUTES is not a number of minutes: the function fails at cold start',
  InvalidEvent: 'the record is not a Glue Job State Change: fails alone, DLQ after maxReceiveCount',
  RunSummaryMissing: 'the run summary is not written yet: retryable, SQS redelivers',
  RunSummaryUnreadable: 'the run summary cannot be read: retryable',
  RunSummaryInvalid: 'the run summary fails its schema or names another run: to the DLQ',
} as const satisfies Partial<Record<ErrorCode, string>>;

export const handles = {
  GlueTableTooNew:
    'a Glue table stamped by a newer release: the record fails until that release is deployed (or this one redeployed), then redrive the DLQ',
  PutEventsFailed: 'publishing failed: the record fails; the pending marker makes the retry identical',
} as const satisfies Partial<Record<ErrorCode, string>>;
