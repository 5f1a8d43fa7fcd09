/** What the SDK v3 tells us about a failed call, without depending on each client's error classes. */
export const awsErrorName = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string'
    ? err.name
    : undefined;

export const awsHttpStatus = (err: unknown): number | undefined => {
  if (typeof err !== 'object' || err === null || !('$metadata' in err)) return undefined;
  const meta = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof meta?.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
};

const throttlingNames = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'ServiceUnavailable',
  'InternalServiceException',
  'InternalFailure',
]);

/** Throttling and 5xx answers: the same call later may well succeed. */
export const isTransientAwsError = (err: unknown): boolean => {
  const name = awsErrorName(err);
  if (name !== undefined && throttlingNames.has(name)) return true;
  const status = awsHttpStatus(err);
  return status !== undefined && (status === 429 || status >= 500);
};
