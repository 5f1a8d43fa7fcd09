/**
 * ingestion's errors: the codes it raises itself and the port codes it reacts to, with
 * what each means for the SQS record. Every code is a key of core's `errorCodes` table; a
 * test (core/test/service-shape.test.ts) checks `raises` against the code in this folder.
 * Market-data codes reach subscribers as `Ingestion Batch Failed`'s `error.code`.
 */
import type { ErrorCode } from '@ohlcv/core';

export const raises = {
  ConfigMissing:
    'a required environment variable is not set, or TwelveDataApiKey is still the deploy placeholder: the cold start fails (config.ts)',
  ConfigInvalid: 'a Twelve Data setting out of range (credits, base URL): the cold start fails (config.ts)',
  InvalidIngestionRequest: 'the record is not an Ingestion Requested event: fails alone, to the DLQ',
  InvalidIngestionRange: 'start/end cannot be read as a range: fails alone, to the DLQ',
} as const satisfies Partial<Record<ErrorCode, string>>;

export const handles = {
  NoSuchKey: 'no high-water mark yet for a symbol: a full range is fetched (an expected outcome)',
  TwelveDataSymbolError: 'one symbol unknown: the others are written; one Failed event for it',
  TwelveDataUnauthorized: 'bad API key: Failed event (not retryable), record consumed',
  TwelveDataForbidden: 'plan refuses the request: Failed event (not retryable), record consumed',
  TwelveDataDailyCreditsExhausted: 'no credits left today: Failed event (not retryable), record consumed',
  TwelveDataServerError: 'retryable: the record fails; on its last receive a Failed event, then the DLQ',
  TwelveDataTimeout: 'retryable, as above',
  TwelveDataNetworkError: 'retryable, as above',
  TwelveDataBadResponse: 'retryable, as above',
  TwelveDataRateLimited: 'retryable, as above',
} as const satisfies Partial<Record<ErrorCode, string>>;
