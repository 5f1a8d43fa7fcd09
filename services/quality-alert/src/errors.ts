/**
 * quality-alert's errors: the codes it raises itself and the port codes it reacts to, with
 * what each means for the SQS record. Every code is a key of core's `errorCodes` table; a
 * test (core/test/service-shape.test.ts) checks `raises` against the code in this folder.
 */
import type { ErrorCode } from '@ohlcv/core';

export const raises = {
  ConfigInvalid: 'QUARANTINE_THRESHOLD is not a share in 0..1: fails at cold start',
  InvalidEvent: 'the record is none of the four inbound events: fails alone, to the DLQ',
  RunSummaryInvalid: 'the run summary fails its schema: to the DLQ',
  NotifyFailed: 'a notifier failed: retryable; the alert marker spares the notifiers that delivered',
  WebhookRejected: 'a webhook answered 4xx: not retried by the notifier (surfaces as NotifyFailed)',
  WebhookFailed: 'a webhook failed after its retries (surfaces as NotifyFailed)',
} as const satisfies Partial<Record<ErrorCode, string>>;

export const handles = {
  PutEventsFailed: 'Alert Raised not published: the record fails and is retried',
} as const satisfies Partial<Record<ErrorCode, string>>;
