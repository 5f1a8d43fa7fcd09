/**
 * One SQS record as Lambda's SQS event source delivers it: for the handlers' tests,
 * benchmarks and local runs that feed a handler directly.
 */
import type { SqsRecord } from '../sqs-batch.ts';

export function sqsRecord(
  messageId: string,
  body: unknown,
  opts: { queue?: string; receiveCount?: number; receiptHandle?: string } = {},
): SqsRecord {
  return {
    messageId,
    receiptHandle: opts.receiptHandle ?? `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(opts.receiveCount ?? 1),
      SentTimestamp: '1700000000000',
      SenderId: 'AIDA',
      ApproximateFirstReceiveTimestamp: '1700000000000',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${opts.queue ?? 'queue'}`,
    awsRegion: 'us-east-1',
  };
}
