/** QueueSender on SQS: topology queue names map to queue URLs given by the infra. */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AppError, type QueueSender } from '@ohlcv/core';
import { awsErrorName, isTransientAwsError } from './aws-errors.ts';

export interface SqsQueueSenderOptions {
  /** Topology queue name -> SQS queue URL. */
  queueUrls: Record<string, string>;
  client?: SQSClient;
}

export function sqsQueueSender(opts: SqsQueueSenderOptions): QueueSender {
  const client = opts.client ?? new SQSClient({});
  return {
    async send(queue, body, sendOpts) {
      const QueueUrl = Object.hasOwn(opts.queueUrls, queue) ? opts.queueUrls[queue] : undefined;
      if (!QueueUrl) throw new AppError('UnknownQueue', `no queue URL configured for ${queue}`);
      try {
        await client.send(
          new SendMessageCommand({ QueueUrl, MessageBody: body, DelaySeconds: sendOpts?.delaySeconds }),
        );
      } catch (err) {
        // SQS's own name for a queue that is not there (the query protocol's is longer).
        const name = awsErrorName(err);
        if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue') {
          throw new AppError('UnknownQueue', `queue ${queue} does not exist at ${QueueUrl}`, { cause: err });
        }
        throw new AppError('QueueSendFailed', `SendMessage to ${queue} failed: ${name ?? err}`, {
          retryable: isTransientAwsError(err),
          cause: err,
        });
      }
    },
  };
}
