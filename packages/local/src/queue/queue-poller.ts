/**
 * Feeds one queue's messages to a handler in Lambda's SQS event shape, as the Lambda event
 * source mapping does: batch size, batching window, visibility timeout, and partial batch
 * responses (`batchItemFailures`). A handler runs unchanged here and on AWS.
 */
import type { Logger, SqsBatchHandler, SqsBatchResponse, SqsEvent, SqsRecord, Timers } from '@ohlcv/core';
import { errorCode, errorMessage, logBatch, silentLogger, systemTimers } from '@ohlcv/core';
import type { ReceivedMessage } from './queue-types.ts';
import type { SqliteQueueStore } from './sqlite-queue-store.ts';
import { LOCAL_REGION, queueArn } from './sqlite-queue-store.ts';

export interface QueuePollerOptions {
  store: SqliteQueueStore;
  queue: string;
  handler: SqsBatchHandler;
  /** Default: the queue's `batchSize`. */
  batchSize?: number;
  /** Default: the queue's `maxBatchingWindowSeconds`. */
  maxBatchingWindowSeconds?: number;
  /** Default: the queue's visibility timeout. */
  visibilityTimeoutSeconds?: number;
  /**
   * Visibility given to failed records (Lambda leaves them for the whole visibility
   * timeout; a shorter value retries sooner locally). Default: unchanged.
   */
  failedVisibilitySeconds?: number;
  /** Longest sleep between polls of an idle queue; `notify()` and local sends cut it short. */
  idlePollMs?: number;
  /** How often the running loop drops messages past retention. */
  sweepIntervalMs?: number;
  /**
   * Batch lines go here, the same as the Lambda kit writes them. With `setCorrelationId`
   * (a `correlatedLogger`, shared with the handler) every line about a batch carries its id.
   */
  logger?: Logger & { setCorrelationId?(id: string | undefined): void };
  /** The batching window, idle sleeps and sweeps run on these (tests move them by hand). */
  timers?: Timers;
}

export interface PollOnceOptions {
  /**
   * Wait up to the batching window for a batch to fill (the default, as Lambda does).
   * `false` hands over whatever is visible now: what `drain` wants.
   */
  waitForBatchingWindow?: boolean;
}

export interface PollResult {
  received: number;
  failed: number;
}

export class QueuePoller {
  readonly queue: string;
  private readonly opts: QueuePollerOptions;
  private readonly logger: Logger & { setCorrelationId?(id: string | undefined): void };
  private readonly timers: Timers;
  private readonly unsubscribe: () => void;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private pendingWake = false;
  private wakeWaiter: (() => void) | undefined;
  private lastSweep: number | undefined;

  constructor(opts: QueuePollerOptions) {
    this.opts = opts;
    this.queue = opts.queue;
    this.logger = opts.logger ?? silentLogger;
    this.timers = opts.timers ?? systemTimers;
    this.unsubscribe = opts.store.onSend((q) => {
      if (q === this.queue) this.notify();
    });
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  /** Wakes an idle or batching-window wait at once (sends through the same store do this). */
  notify(): void {
    const waiter = this.wakeWaiter;
    if (waiter) {
      this.wakeWaiter = undefined;
      waiter();
    } else {
      this.pendingWake = true;
    }
  }

  /** Receives one batch (waiting for the batching window), runs the handler, deletes successes. */
  async pollOnce(pollOpts: PollOnceOptions = {}): Promise<PollResult> {
    const cfg = this.opts.store.getQueue(this.queue);
    const batchSize = this.opts.batchSize ?? cfg?.batchSize ?? 10;
    const windowMs = (this.opts.maxBatchingWindowSeconds ?? cfg?.maxBatchingWindowSeconds ?? 0) * 1000;
    const receive = (max: number): ReceivedMessage[] =>
      this.opts.store.receive(this.queue, {
        maxMessages: max,
        ...(this.opts.visibilityTimeoutSeconds !== undefined && {
          visibilityTimeoutSeconds: this.opts.visibilityTimeoutSeconds,
        }),
      });

    this.pendingWake = false;
    const messages = receive(batchSize);
    if (messages.length === 0) return { received: 0, failed: 0 };
    if (windowMs > 0 && pollOpts.waitForBatchingWindow !== false) {
      const deadline = this.timers.now() + windowMs;
      while (messages.length < batchSize && !this.stopping) {
        const left = deadline - this.timers.now();
        if (left <= 0) break;
        await this.waitForWake(Math.min(left, this.idlePollMs()));
        this.pendingWake = false;
        messages.push(...receive(batchSize - messages.length));
      }
    }
    return this.invoke(messages);
  }

  /** Polls until `stop()`. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Stops polling after the batch in flight has been handled. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.notify();
    await this.loop;
    this.loop = undefined;
    this.stopping = false;
  }

  /** Stops and detaches from the store's send notifications. */
  async close(): Promise<void> {
    await this.stop();
    this.unsubscribe();
  }

  private idlePollMs(): number {
    return this.opts.idlePollMs ?? 250;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        this.maybeSweep();
        const { received } = await this.pollOnce();
        if (received === 0 && !this.stopping) await this.waitForWake(this.idlePollMs());
      } catch (err) {
        // The store is busy or broken; the handler's own errors never get here.
        this.logger.error('queue poll failed', {
          queue: this.queue,
          code: errorCode(err),
          error: errorMessage(err),
        });
        if (!this.stopping) await this.waitForWake(1000);
      }
    }
  }

  private maybeSweep(): void {
    const now = this.timers.now();
    if (this.lastSweep !== undefined && now - this.lastSweep < (this.opts.sweepIntervalMs ?? 60_000)) return;
    this.lastSweep = now;
    const dropped = this.opts.store.sweepExpired();
    if (dropped > 0) this.logger.info('queue retention dropped messages', { queue: this.queue, dropped });
  }

  private waitForWake(ms: number): Promise<void> {
    if (this.pendingWake || this.stopping) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const cancel = this.timers.setTimeout(() => {
        this.wakeWaiter = undefined;
        resolve();
      }, ms);
      this.wakeWaiter = () => {
        cancel();
        resolve();
      };
    });
  }

  private async invoke(messages: ReceivedMessage[]): Promise<PollResult> {
    const event: SqsEvent = { Records: messages.map((m) => toSqsRecord(this.queue, m)) };
    const lines = logBatch(this.logger, event, {
      now: () => this.timers.now(),
      setCorrelationId: (id) => this.logger.setCorrelationId?.(id),
    });
    let failed: Set<string>;
    try {
      failed = failedIds(await this.opts.handler(event), messages);
      lines.done({ batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) });
    } catch (err) {
      // Like Lambda: a thrown error fails the whole batch; every record comes back later.
      lines.failed(err);
      failed = new Set(messages.map((m) => m.messageId));
    } finally {
      this.logger.setCorrelationId?.(undefined);
    }
    const succeeded = messages.filter((m) => !failed.has(m.messageId));
    this.opts.store.deleteMessageBatch(
      this.queue,
      succeeded.map((m) => m.receiptHandle),
    );
    const retryIn = this.opts.failedVisibilitySeconds;
    if (retryIn !== undefined) {
      for (const m of messages) {
        if (!failed.has(m.messageId)) continue;
        try {
          this.opts.store.changeVisibility(this.queue, m.receiptHandle, retryIn);
        } catch {
          // Already visible again or re-received elsewhere: nothing to shorten.
        }
      }
    }
    return { received: messages.length, failed: failed.size };
  }
}

/**
 * Lambda's rules for a partial batch response: an empty or missing response is success; an
 * identifier that is empty or not in the batch fails the whole batch.
 */
function failedIds(response: SqsBatchResponse | undefined | null, messages: ReceivedMessage[]): Set<string> {
  const items = response?.batchItemFailures;
  if (items == null) return new Set();
  const inBatch = new Set(messages.map((m) => m.messageId));
  const failed = new Set<string>();
  for (const item of items) {
    const id = item?.itemIdentifier;
    if (typeof id !== 'string' || !inBatch.has(id)) return inBatch;
    failed.add(id);
  }
  return failed;
}

export function toSqsRecord(queue: string, m: ReceivedMessage): SqsRecord {
  const attributes: SqsRecord['attributes'] = {
    ApproximateReceiveCount: m.attributes.ApproximateReceiveCount,
    SentTimestamp: m.attributes.SentTimestamp,
    SenderId: m.attributes.SenderId,
    ApproximateFirstReceiveTimestamp: m.attributes.ApproximateFirstReceiveTimestamp,
  };
  if (m.attributes.DeadLetterQueueSourceArn !== undefined)
    attributes.DeadLetterQueueSourceArn = m.attributes.DeadLetterQueueSourceArn;
  return {
    messageId: m.messageId,
    receiptHandle: m.receiptHandle,
    body: m.body,
    attributes,
    messageAttributes: m.messageAttributes,
    md5OfBody: m.md5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn(queue),
    awsRegion: LOCAL_REGION,
  };
}
