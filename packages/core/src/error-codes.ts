/**
 * Every `AppError` code, once. `AppError` only accepts a key of this table, so a code
 * cannot drift into a second spelling (`MissingConfig` next to `ConfigMissing`) without the
 * compiler noticing. One code per concept, whichever runtime raised it: an adapter maps
 * the provider's own error name (Glue's `EntityNotFoundException`, SQS's
 * `QueueDoesNotExist`) onto the code here.
 *
 * Codes marked "seen by users" appear in CLI output, in event payloads
 * (`Ingestion Batch Failed`'s `error.code`) or in alert context: renaming one is a
 * contract change (bump `schemaVersion`, note it in the events README).
 */
export const errorCodes = {
  // Configuration (cold start, CLI start-up).
  ConfigMissing: 'a required environment variable is not set',
  ConfigInvalid: 'an environment variable is set to a value outside its range',
  MissingArgument: 'a job run lacks a required --argument',
  InvalidArgument: 'a required argument missing or malformed (dashboard API, local bus)',
  EngineBusy: 'another local process holds the engine lock (seen by users: CLI)',
  StateFromNewerRelease:
    'OHLCV_HOME (state database or lake) was written by a newer release; upgrade or use another folder (seen by users: CLI)',
  LakeMarkerInvalid: "the lake's version marker (lake/_ohlcv/lake.json) is not what a release writes",
  PortInUse: 'the dashboard port is taken (seen by users: CLI)',

  // Object store port.
  NoSuchKey: 'the object does not exist',
  InvalidObjectKey: 'an object key that cannot be a local path (.., empty segment, control characters)',
  InvalidPath: 'a path with control characters, not safe to quote into SQL',
  PathOutsideRoot:
    'a write whose real path (symlinks resolved) leaves the data folder (seen by users: CLI drop)',
  ObjectStoreError: 'the object store failed a call',
  ObjectStoreAccessDenied:
    'S3 answered 403: a missing grant, or a missing key without s3:ListBucket on its prefix (never taken for "missing")',

  // Queues (QueueSender port, the local SQS emulation).
  UnknownQueue: 'no queue of that name (SQS: QueueDoesNotExist)',
  QueueSendFailed: 'sending onto a queue failed',
  ReceiptHandleIsInvalid: 'a stale or unknown receipt handle (SQS spelling)',
  MessageNotInflight: 'the message of a receipt handle is no longer in flight (SQS spelling)',
  InvalidParameterValue: 'a queue call with a parameter outside what SQS accepts (SQS spelling)',

  // Event bus and publisher port.
  PutEventsFailed: 'publishing events failed (some or all entries)',
  ValidationException: 'a PutEvents request EventBridge would reject (EventBridge spelling)',
  ResourceAlreadyExistsException: 'a rule of that name already exists (EventBridge spelling)',
  InvalidEventPatternException: 'an event pattern EventBridge would reject (EventBridge spelling)',
  InvalidEvent: 'a record whose body is not the event its queue carries',

  // Job runner port.
  JobNotFound: 'no job of that name (Glue: EntityNotFoundException)',
  ConcurrentRunsExceeded: 'the job is at its concurrent-run limit; retryable',
  GlueNoRunId: 'StartJobRun answered without a run id',
  GlueStartJobRunFailed: 'StartJobRun failed for another reason',
  InvalidJobRunId: 'a job run id that cannot name a folder',
  EtlJobFailed: 'the ETL job run failed (seen by users: CLI, job state change)',
  SparkUnavailable: 'OHLCV_ETL_ENGINE=spark but no Python with pyspark to run the job (seen by users: CLI)',
  RowAccountingMismatch: 'raw rows != processed + quarantined + duplicates',

  // Idempotency markers (run, pending/synced, alert delivery).
  MarkerInvalid: 'a marker object that is not JSON or does not match its schema',

  // Run contract (summary written by the ETL, read by catalog-sync and quality-alert).
  RunSummaryMissing: 'the run summary is not there yet; retryable',
  RunSummaryUnreadable: 'the run summary is not JSON',
  RunSummaryInvalid: 'the run summary does not match its schema or its run',

  // Catalog port.
  UnknownTable: 'a table the catalog does not declare',
  InvalidPartition: 'partition values that do not match the table',
  InvalidIdentifier: 'a SQL identifier that is not safe to quote',
  IncompatibleSchemaChange: 'a column removed or retyped (needs a migration)',
  GlueTableMissing: 'the Glue table does not exist (Glue: EntityNotFoundException)',
  GlueTableLocation: 'the lake URI cannot be derived from the Glue table location',
  GlueGetTableFailed: 'Glue GetTable failed',
  GlueUpdateTableFailed: 'Glue UpdateTable failed',
  GlueBatchCreatePartitionFailed: 'Glue BatchCreatePartition failed',
  GluePartitionFailed: 'Glue rejected some partitions of a batch',
  GlueBatchGetPartitionFailed: 'Glue BatchGetPartition failed',
  GlueBatchUpdatePartitionFailed: 'Glue BatchUpdatePartition failed',
  GlueTableTooNew:
    'the Glue table carries a schema version of a newer release than this one (deploy that release, or restore the table with this release)',
  ObjectStoreDeleteFailed: 'deleting objects failed (S3 DeleteObjects errors)',

  // Query engine port.
  QueryFailed: 'the local query engine failed a statement',
  SqlRefused:
    'user SQL the query sandbox refuses: not one read-only SELECT, or outside the ohlcv.* views (seen by users: CLI exit 2)',
  AthenaStartFailed: 'Athena did not start the query',
  AthenaQueryFailed: 'the Athena query failed',
  AthenaQueryCancelled: 'the Athena query was cancelled',
  AthenaQueryTimeout: 'the Athena query did not finish in time',

  // Secrets.
  SecretNotFound: 'the secret does not exist or has no value',
  SecretReadFailed: 'reading the secret failed',

  // Market-data source port (Twelve Data). Seen by users: Ingestion Batch Failed error.code.
  TwelveDataUnauthorized: 'the API key was rejected (401)',
  TwelveDataForbidden: 'the plan does not allow this request (403)',
  TwelveDataRequestError: 'Twelve Data refused the request (4xx)',
  TwelveDataSymbolError: 'Twelve Data does not know the symbol',
  TwelveDataServerError: 'Twelve Data answered 5xx; retryable',
  TwelveDataTimeout: 'the request timed out; retryable',
  TwelveDataNetworkError: 'the connection failed; retryable',
  TwelveDataBadResponse: 'the body was not the JSON Twelve Data sends; retryable',
  TwelveDataRateLimited: 'still rate limited after waiting out the minute; retryable',
  TwelveDataDailyCreditsExhausted: 'the plan has no credits left today',
  TwelveDataBatchTooLarge: 'a batch costs more credits than a minute allows',

  // Ingestion.
  InvalidIngestionRequest: 'an ingestion request the service cannot run',
  InvalidIngestionRange: 'an ingestion range that ends before it starts',

  // Alerts.
  NotifyFailed: 'a notifier failed to deliver an alert; retryable',
  WebhookFailed: 'a webhook did not answer 2xx after its retries',
  WebhookRejected: 'a webhook answered 4xx (not retried)',

  // Subscriptions (subscriptions.json, both runtimes).
  InvalidSubscriptions:
    'subscriptions.json does not parse or breaks a rule; names the field (seen by users: CLI, sst deploy)',
  UnknownSubscription: 'no declared subscription of that name (seen by users: CLI)',

  // Tests only: a crash injected between two writes.
  SimulatedCrash: 'a fault injected by a test',
} as const;

export type ErrorCode = keyof typeof errorCodes;

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(errorCodes, code);
