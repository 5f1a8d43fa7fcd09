/**
 * The Lambda SQS event shape every service handler receives, on AWS and locally, and the
 * per-record loop that turns one bad record into one `batchItemFailures` entry instead of
 * failing the batch.
 */

import { errorCode, errorMessage } from './errors.ts';
import type { Logger } from './ports.ts';

export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp: string;
    SenderId: string;
    ApproximateFirstReceiveTimestamp: string;
    [key: string]: string;
  };
  messageAttributes: Record<string, unknown>;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export type SqsBatchHandler = (event: SqsEvent) => Promise<SqsBatchResponse>;

/**
 * Runs `handleRecord` for each record; a record that throws is reported as a failure
 * (SQS redelivers it, then moves it to the DLQ). Records run in order, one at a time,
 * because most consumers write shared state.
 */
export async function forEachRecord(
  event: SqsEvent,
  logger: Logger,
  handleRecord: (record: SqsRecord) => Promise<void>,
): Promise<SqsBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    try {
      await handleRecord(record);
    } catch (err) {
      logger.error('record failed', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        code: errorCode(err),
        error: errorMessage(err),
      });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}
