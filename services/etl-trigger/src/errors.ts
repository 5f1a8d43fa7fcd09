/**
 * etl-trigger's errors: the codes it raises itself and the port codes it reacts to, with
 * what each means for the SQS records. Every code is a key of core's `errorCodes` table; a
 * test (core/test/service-shape.test.ts) checks `raises` against the code in this folder.
 * Records that are not `Object Created` events are expected outcomes (failed alone, with a
 * logged reason), not errors.
 */
import type { ErrorCode } from '@ohlcv/core';

export const raises = {} as const satisfies Partial<Record<ErrorCode, string>>;

export const handles = {
  ConcurrentRunsExceeded: 'Glue is busy: every object record goes back to the queue (retryable)',
  JobNotFound: 'the job does not exist: the records fail and reach the DLQ after maxReceiveCount',
  PutEventsFailed: 'the run started but was not announced: the run marker makes the retry re-publish',
} as const satisfies Partial<Record<ErrorCode, string>>;
