/**
 * Row codecs: queue and message rows to the SQS-shaped values callers see, and the
 * receipt handle, which is opaque to callers but names the row and its latest receive.
 */
import { createHash } from 'node:crypto';
import { AppError } from '@ohlcv/core';
import type { MessageRow, QueueRow } from './queue-sql.ts';
import type {
  MessageAttributeInput,
  MessageAttributeValue,
  MessageState,
  PeekedMessage,
  QueueConfig,
  ReceivedMessage,
} from './queue-types.ts';

export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT_ID = '000000000000';
export const queueArn = (queue: string): string => `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${queue}`;

export const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

/**
 * Opaque to callers. It names the row (its rowid, which never changes while the message
 * lives) and the token of the latest receive, so a lookup needs no extra index.
 */
export function encodeReceiptHandle(seq: number, token: string): string {
  return Buffer.from(`${seq}.${token}`, 'utf8').toString('base64url');
}

export function parseReceiptHandle(handle: string): { seq: number; token: string } {
  const decoded = typeof handle === 'string' ? Buffer.from(handle, 'base64url').toString('utf8') : '';
  const match = /^(\d{1,16})\.([0-9a-f-]{36})$/.exec(decoded);
  if (!match) throw new AppError('ReceiptHandleIsInvalid', 'the receipt handle is not valid');
  return { seq: Number(match[1]), token: match[2]! };
}

export function toConfig(r: QueueRow): QueueConfig {
  return {
    name: r.name,
    visibilityTimeoutSeconds: r.visibility_timeout_s,
    maxReceiveCount: r.max_receive_count,
    retentionSeconds: r.retention_s,
    dlqName: r.dlq_name,
    batchSize: r.batch_size,
    maxBatchingWindowSeconds: r.max_batching_window_s,
  };
}

function toMessageAttributes(json: string | null): Record<string, MessageAttributeValue> {
  if (json === null) return {};
  const input = JSON.parse(json) as Record<string, MessageAttributeInput>;
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, a] of Object.entries(input)) {
    out[name] = {
      dataType: a.dataType,
      ...(a.stringValue !== undefined && { stringValue: a.stringValue }),
      ...(a.binaryValue !== undefined && { binaryValue: a.binaryValue }),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return out;
}

export function toReceived(r: MessageRow, receiptHandle: string): ReceivedMessage {
  return {
    messageId: r.message_id,
    receiptHandle,
    body: r.body,
    md5OfBody: r.md5,
    attributes: {
      ApproximateReceiveCount: String(r.receive_count),
      SentTimestamp: String(r.sent_at),
      SenderId: r.sender_id,
      ApproximateFirstReceiveTimestamp: String(r.first_received_at),
      ...(r.source_queue !== null && { DeadLetterQueueSourceArn: queueArn(r.source_queue) }),
    },
    messageAttributes: toMessageAttributes(r.message_attributes),
  };
}

function stateOf(r: MessageRow, now: number): MessageState {
  if (r.visible_at <= now) return 'visible';
  return r.receipt_token === null ? 'delayed' : 'inFlight';
}

export function toPeeked(r: MessageRow, now: number): PeekedMessage {
  return {
    messageId: r.message_id,
    body: r.body,
    md5OfBody: r.md5,
    state: stateOf(r, now),
    receiveCount: r.receive_count,
    sentAt: new Date(r.sent_at),
    firstReceivedAt: r.first_received_at === null ? null : new Date(r.first_received_at),
    visibleAt: new Date(r.visible_at),
    expiresAt: new Date(r.expires_at),
    sourceQueue: r.source_queue,
    messageAttributes: toMessageAttributes(r.message_attributes),
  };
}
