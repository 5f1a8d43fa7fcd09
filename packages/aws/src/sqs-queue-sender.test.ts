import { QueueDoesNotExist, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describeQueueSenderContract, type SentMessage } from '@ohlcv/core/contracts/index';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { sqsQueueSender } from './sqs-queue-sender.ts';

const url = 'https://sqs.us-east-1.amazonaws.com/123456789012/ohlcv-ingestion-requests';

describeQueueSenderContract('sqsQueueSender (mocked SQS)', () => {
  const mock = mockClient(SQSClient);
  const byUrl = new Map<string, SentMessage[]>();
  mock
    .on(SendMessageCommand)
    .callsFake((input: { QueueUrl: string; MessageBody: string; DelaySeconds?: number }) => {
      const list = byUrl.get(input.QueueUrl) ?? [];
      list.push({
        body: input.MessageBody,
        ...(input.DelaySeconds === undefined ? {} : { delaySeconds: input.DelaySeconds }),
      });
      byUrl.set(input.QueueUrl, list);
      return { MessageId: String(list.length) };
    });
  return {
    sender: sqsQueueSender({
      queueUrls: { 'ingestion-requests': url },
      client: new SQSClient({ region: 'us-east-1' }),
    }),
    sent: async (queue) => (queue === 'ingestion-requests' ? (byUrl.get(url) ?? []) : []),
    cleanup: () => mock.restore(),
  };
});

describe('sqsQueueSender', () => {
  it('maps SQS QueueDoesNotExist (a configured URL whose queue is gone) to UnknownQueue', async () => {
    const mock = mockClient(SQSClient);
    mock.on(SendMessageCommand).rejects(new QueueDoesNotExist({ message: 'gone', $metadata: {} }));
    const sender = sqsQueueSender({
      queueUrls: { 'ingestion-requests': url },
      client: new SQSClient({ region: 'us-east-1' }),
    });
    await expect(sender.send('ingestion-requests', '{}')).rejects.toMatchObject({
      code: 'UnknownQueue',
      retryable: false,
    });
    mock.restore();
  });
});
