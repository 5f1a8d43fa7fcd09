/**
 * The stand-in for Lambda's SQS event-source mapping, run inside one worker process per
 * function: receives from the real queue with the function's own credentials, fills a batch
 * up to the mapping's batch size within its batching window, invokes the Lambda entry with
 * Lambda's SQS event shape, deletes what succeeded and leaves `batchItemFailures` on the
 * queue (SQS then moves them to the DLQ after maxReceiveCount receives).
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SqsBatchResponse, SqsEvent, SqsRecord } from '@ohlcv/core';

export interface MappingSpec {
  queueUrl: string;
  queueArn: string;
  region: string;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  /**
   * Harness time compression: a failed record is made visible again at once instead of
   * after the visibility timeout (its receive count still grows, so the DLQ move is real).
   */
  retryImmediately: boolean;
}

export interface BatchOutcome {
  received: number;
  failed: string[];
  /** The invocation threw: every record stays on the queue. */
  error?: { code: string; message: string };
}

export function toSqsRecord(m: Message, spec: MappingSpec): SqsRecord {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId as string,
    receiptHandle: m.ReceiptHandle as string,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? '0',
      SenderId: a.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? '0',
    },
    messageAttributes: m.MessageAttributes ?? {},
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: spec.queueArn,
    awsRegion: spec.region,
  };
}

async function receive(
  sqs: SQSClient,
  spec: MappingSpec,
  max: number,
  waitSeconds: number,
): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: spec.queueUrl,
      MaxNumberOfMessages: Math.min(10, max),
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return out.Messages ?? [];
}

/** One poll: an empty answer gives undefined; otherwise a batch is filled and invoked. */
export async function pollOnce(
  sqs: SQSClient,
  spec: MappingSpec,
  invoke: (event: SqsEvent) => Promise<SqsBatchResponse>,
  onBatchStart?: () => void,
): Promise<BatchOutcome | undefined> {
  const first = await receive(sqs, spec, spec.batchSize, 1);
  if (first.length === 0) return undefined;
  onBatchStart?.();
  const batch = [...first];
  const windowEnds = Date.now() + spec.maxBatchingWindowSeconds * 1000;
  while (batch.length < spec.batchSize && Date.now() < windowEnds) {
    const wait = Math.max(0, Math.min(1, Math.floor((windowEnds - Date.now()) / 1000)));
    const more = await receive(sqs, spec, spec.batchSize - batch.length, wait);
    batch.push(...more);
    if (more.length === 0 && wait === 0) await new Promise((r) => setTimeout(r, 200));
  }
  const event: SqsEvent = { Records: batch.map((m) => toSqsRecord(m, spec)) };
  let failedIds: string[];
  let error: BatchOutcome['error'];
  try {
    const res = await invoke(event);
    failedIds = res.batchItemFailures.map((f) => f.itemIdentifier);
  } catch (err) {
    failedIds = batch.map((m) => m.MessageId as string);
    const e = err as { code?: string; name?: string; message?: string };
    error = { code: e.code ?? e.name ?? 'Error', message: e.message ?? String(err) };
  }
  const failed = new Set(failedIds);
  const done = batch.filter((m) => !failed.has(m.MessageId as string));
  const retry = batch.filter((m) => failed.has(m.MessageId as string));
  // One call per message with the actions a role grants (sqs:DeleteMessage and
  // sqs:ChangeMessageVisibility): moto checks its *Batch calls as actions of their own.
  for (const m of done)
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: spec.queueUrl, ReceiptHandle: m.ReceiptHandle as string }),
    );
  if (spec.retryImmediately) {
    for (const m of retry)
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: spec.queueUrl,
          ReceiptHandle: m.ReceiptHandle as string,
          VisibilityTimeout: 0,
        }),
      );
  }
  return { received: batch.length, failed: [...failed], ...(error ? { error } : {}) };
}
