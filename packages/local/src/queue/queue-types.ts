/** Shapes the local SQS-semantics queue store reads and returns. */

export interface QueueConfigInput {
  /** Seconds a received message stays invisible unless the receive overrides it. */
  visibilityTimeoutSeconds: number;
  /**
   * Receives before the message moves to `dlqName` (SQS redrive policy). Ignored without
   * a DLQ: such a queue keeps redelivering until retention drops the message.
   */
  maxReceiveCount?: number;
  retentionSeconds: number;
  dlqName?: string;
  /** Poller defaults (Lambda event source mapping); the store itself does not use them. */
  batchSize?: number;
  maxBatchingWindowSeconds?: number;
}

export interface QueueConfig {
  name: string;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number | null;
  retentionSeconds: number;
  dlqName: string | null;
  batchSize: number;
  maxBatchingWindowSeconds: number;
}

/** Input shape of a message attribute (SendMessage). */
export interface MessageAttributeInput {
  dataType: 'String' | 'Number' | 'Binary' | (string & {});
  stringValue?: string;
  /** Base64. */
  binaryValue?: string;
}

/** Output shape of a message attribute, as Lambda's SQS record carries it. */
export interface MessageAttributeValue {
  dataType: string;
  stringValue?: string;
  binaryValue?: string;
  stringListValues: string[];
  binaryListValues: string[];
}

export interface SendOptions {
  /** 0..900, like SQS DelaySeconds. */
  delaySeconds?: number;
  messageAttributes?: Record<string, MessageAttributeInput>;
}

export interface SendEntry extends SendOptions {
  body: string;
}

export interface SendManyEntry extends SendEntry {
  queue: string;
}

export interface ReceiveOptions {
  /** 1..10000 (Lambda batch sizes go beyond SQS's 10). Default 1. */
  maxMessages?: number;
  /** Overrides the queue's visibility timeout for this receive; 0..43200. */
  visibilityTimeoutSeconds?: number;
}

export interface MessageSystemAttributes {
  ApproximateReceiveCount: string;
  SentTimestamp: string;
  SenderId: string;
  ApproximateFirstReceiveTimestamp: string;
  /** Set on messages that the redrive policy moved into a DLQ. */
  DeadLetterQueueSourceArn?: string;
  [key: string]: string | undefined;
}

export interface ReceivedMessage {
  messageId: string;
  /** New on every receive; only the latest one deletes or changes visibility. */
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  attributes: MessageSystemAttributes;
  messageAttributes: Record<string, MessageAttributeValue>;
}

export type MessageState = 'visible' | 'inFlight' | 'delayed';

/** A message as `peek` shows it: reading it changes nothing. */
export interface PeekedMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  state: MessageState;
  receiveCount: number;
  sentAt: Date;
  firstReceivedAt: Date | null;
  visibleAt: Date;
  expiresAt: Date;
  /** The queue a DLQ message came from. */
  sourceQueue: string | null;
  messageAttributes: Record<string, MessageAttributeValue>;
}

export interface QueueStats {
  visible: number;
  inFlight: number;
  delayed: number;
  /** Age of the oldest message still kept (any state); 0 when empty. */
  oldestAgeSeconds: number;
}

export interface RedriveOptions {
  /** Default: each message's source queue. */
  toQueue?: string;
  /** Default: every visible message in the DLQ. */
  maxMessages?: number;
}

export interface RedriveResult {
  moved: number;
  /** Messages with no known source queue and no `toQueue`. */
  skipped: number;
  byQueue: Record<string, number>;
}
