/**
 * The log lines of one SQS batch — `batch received`, `batch done`, `batch failed` — and
 * the correlation id they carry, built here once and written by both runtimes: the Lambda
 * kit (on the Powertools logger) and the local queue poller (on the JSON logger), so a
 * batch reads the same in CloudWatch and in `~/.ohlcv/logs`. Pure: no SDK, no I/O.
 */
import { errorCode, errorMessage } from './errors.ts';
import type { Logger } from './ports.ts';
import type { SqsBatchResponse, SqsEvent } from './sqs-batch.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * The correlation id of an event: our pipeline events' own `detail.correlationId`, else
 * the EventBridge envelope `id` (AWS-native events carry none).
 */
export function correlationIdOfEnvelope(envelope: unknown): string | undefined {
  if (!isObject(envelope)) return undefined;
  const detail = envelope.detail;
  if (isObject(detail) && typeof detail.correlationId === 'string' && detail.correlationId) {
    return detail.correlationId;
  }
  return typeof envelope.id === 'string' && envelope.id ? envelope.id : undefined;
}

/** From an SQS record body holding an EventBridge envelope; undefined when it is not JSON. */
export function correlationIdOfBody(body: string): string | undefined {
  try {
    return correlationIdOfEnvelope(JSON.parse(body));
  } catch {
    return undefined;
  }
}

/** Distinct correlation ids of a batch, in record order. */
export function batchCorrelationIds(event: SqsEvent): string[] {
  const ids = new Set<string>();
  for (const record of event.Records) {
    const id = correlationIdOfBody(record.body);
    if (id) ids.add(id);
  }
  return [...ids];
}

const MAX_LOGGED_IDS = 20;

export interface BatchLog {
  /** The batch's first correlation id: the `correlation_id` of every line about it. */
  readonly correlationId: string | undefined;
  /** `batch done`: records, how many failed, how long the batch took. */
  done(result: SqsBatchResponse): void;
  /** `batch failed`: the handler threw, so every record of the batch comes back. */
  failed(err: unknown): void;
}

/**
 * Writes `batch received` for `event` and answers the lines that close it. `extra` joins
 * the received line (the Lambda kit adds `coldStart`); `now` is a monotonic clock in ms.
 */
export function logBatch(
  logger: Logger,
  event: SqsEvent,
  opts: {
    now: () => number;
    extra?: Record<string, unknown>;
    /** Told the batch's correlation id before the first line (Powertools' `setCorrelationId`). */
    setCorrelationId?: (id: string | undefined) => void;
  },
): BatchLog {
  const ids = batchCorrelationIds(event);
  opts.setCorrelationId?.(ids[0]);
  const records = event.Records.length;
  const started = opts.now();
  logger.info('batch received', { records, ...opts.extra, correlationIds: ids.slice(0, MAX_LOGGED_IDS) });
  return {
    correlationId: ids[0],
    done(result) {
      logger.info('batch done', {
        records,
        failed: result.batchItemFailures.length,
        durationMs: Math.round(opts.now() - started),
      });
    },
    failed(err) {
      logger.error('batch failed', { records, code: errorCode(err), error: errorMessage(err) });
    },
  };
}

/**
 * A logger whose lines carry `correlation_id` while one is set, as Powertools Logger's
 * `setCorrelationId` does on Lambda: the local poller sets it per batch, and the handler,
 * which logs through the same logger, writes its lines with it too.
 */
export function correlatedLogger(base: Logger): Logger & { setCorrelationId(id: string | undefined): void } {
  let correlationId: string | undefined;
  const at =
    (level: keyof Logger) =>
    (message: string, extra?: Record<string, unknown>): void => {
      if (correlationId === undefined) base[level](message, extra);
      else base[level](message, { correlation_id: correlationId, ...extra });
    };
  return {
    setCorrelationId(id) {
      correlationId = id;
    },
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
}
