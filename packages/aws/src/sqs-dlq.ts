/**
 * Dead-letter queues on SQS: peek at messages and redrive them to their source queue. The
 * redrive receives, re-sends (body and attributes) and then deletes, one message at a time,
 * so a crash in between duplicates a message rather than losing it (consumers are
 * idempotent). It works wherever the SQS API does, including emulators that lack
 * StartMessageMoveTask.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface DlqMessage {
  messageId: string;
  receiveCount: number;
  sentAt?: string;
  body: string;
}

const toDlqMessage = (m: Message): DlqMessage => ({
  messageId: m.MessageId ?? '',
  receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
  ...(m.Attributes?.SentTimestamp
    ? { sentAt: new Date(Number(m.Attributes.SentTimestamp)).toISOString() }
    : {}),
  body: m.Body ?? '',
});

/** Up to `limit` messages, made visible again right away (a peek, not a consume). */
export async function peekDlq(sqs: SQSClient, dlqUrl: string, limit = 10): Promise<DlqMessage[]> {
  const seen: Message[] = [];
  while (seen.length < limit) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, limit - seen.length),
        VisibilityTimeout: 30,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const msgs = out.Messages ?? [];
    if (msgs.length === 0) break;
    seen.push(...msgs);
  }
  for (let i = 0; i < seen.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: dlqUrl,
        Entries: seen
          .slice(i, i + 10)
          .map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle as string, VisibilityTimeout: 0 })),
      }),
    );
  }
  return seen.map(toDlqMessage);
}

export async function redriveDlq(
  sqs: SQSClient,
  opts: { dlqUrl: string; queueUrl: string; maxMessages?: number },
): Promise<{ moved: number }> {
  const max = opts.maxMessages ?? Number.POSITIVE_INFINITY;
  let moved = 0;
  while (moved < max) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: opts.dlqUrl,
        MaxNumberOfMessages: Math.min(10, max - moved),
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    const msgs = out.Messages ?? [];
    if (msgs.length === 0) break;
    for (const m of msgs) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: opts.queueUrl,
          MessageBody: m.Body ?? '',
          ...(m.MessageAttributes && Object.keys(m.MessageAttributes).length
            ? { MessageAttributes: m.MessageAttributes as Record<string, MessageAttributeValue> }
            : {}),
        }),
      );
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: opts.dlqUrl, ReceiptHandle: m.ReceiptHandle as string }),
      );
      moved += 1;
    }
  }
  return { moved };
}
