/**
 * The pipeline events by detail-type: what a publisher needs to build an entry
 * (source, detail schema) and what a generic consumer needs to parse any of them.
 */
import { z } from 'zod';
import { buildEnvelope, type EnvelopeFields, formatIssues } from '../envelope.ts';
import {
  ALERT_RAISED,
  ALERT_RAISED_SOURCE,
  alertRaisedDetailSchema,
  alertRaisedEventSchema,
} from './alert-raised.ts';
import {
  ETL_RUN_COMPLETED,
  ETL_RUN_COMPLETED_SOURCE,
  etlRunCompletedDetailSchema,
  etlRunCompletedEventSchema,
} from './etl-run-completed.ts';
import {
  ETL_RUN_REQUESTED,
  ETL_RUN_REQUESTED_SOURCE,
  etlRunRequestedDetailSchema,
  etlRunRequestedEventSchema,
} from './etl-run-requested.ts';
import {
  INGESTION_BATCH_COMPLETED,
  INGESTION_BATCH_COMPLETED_SOURCE,
  ingestionBatchCompletedDetailSchema,
  ingestionBatchCompletedEventSchema,
} from './ingestion-batch-completed.ts';
import {
  INGESTION_BATCH_FAILED,
  INGESTION_BATCH_FAILED_SOURCE,
  ingestionBatchFailedDetailSchema,
  ingestionBatchFailedEventSchema,
} from './ingestion-batch-failed.ts';
import {
  INGESTION_REQUESTED,
  INGESTION_REQUESTED_SOURCE,
  ingestionRequestedDetailSchema,
  ingestionRequestedEventSchema,
} from './ingestion-requested.ts';
import {
  PARTITIONS_REGISTERED,
  PARTITIONS_REGISTERED_SOURCE,
  partitionsRegisteredDetailSchema,
  partitionsRegisteredEventSchema,
} from './partitions-registered.ts';
import {
  QUALITY_EVALUATED,
  QUALITY_EVALUATED_SOURCE,
  qualityEvaluatedDetailSchema,
  qualityEvaluatedEventSchema,
} from './quality-evaluated.ts';

export const pipelineEvents = {
  [INGESTION_REQUESTED]: {
    source: INGESTION_REQUESTED_SOURCE,
    detailSchema: ingestionRequestedDetailSchema,
    eventSchema: ingestionRequestedEventSchema,
  },
  [INGESTION_BATCH_COMPLETED]: {
    source: INGESTION_BATCH_COMPLETED_SOURCE,
    detailSchema: ingestionBatchCompletedDetailSchema,
    eventSchema: ingestionBatchCompletedEventSchema,
  },
  [INGESTION_BATCH_FAILED]: {
    source: INGESTION_BATCH_FAILED_SOURCE,
    detailSchema: ingestionBatchFailedDetailSchema,
    eventSchema: ingestionBatchFailedEventSchema,
  },
  [ETL_RUN_REQUESTED]: {
    source: ETL_RUN_REQUESTED_SOURCE,
    detailSchema: etlRunRequestedDetailSchema,
    eventSchema: etlRunRequestedEventSchema,
  },
  [ETL_RUN_COMPLETED]: {
    source: ETL_RUN_COMPLETED_SOURCE,
    detailSchema: etlRunCompletedDetailSchema,
    eventSchema: etlRunCompletedEventSchema,
  },
  [PARTITIONS_REGISTERED]: {
    source: PARTITIONS_REGISTERED_SOURCE,
    detailSchema: partitionsRegisteredDetailSchema,
    eventSchema: partitionsRegisteredEventSchema,
  },
  [QUALITY_EVALUATED]: {
    source: QUALITY_EVALUATED_SOURCE,
    detailSchema: qualityEvaluatedDetailSchema,
    eventSchema: qualityEvaluatedEventSchema,
  },
  [ALERT_RAISED]: {
    source: ALERT_RAISED_SOURCE,
    detailSchema: alertRaisedDetailSchema,
    eventSchema: alertRaisedEventSchema,
  },
} as const;

type Registry = typeof pipelineEvents;
export type PipelineDetailType = keyof Registry;
export const pipelineDetailTypes = Object.keys(pipelineEvents) as PipelineDetailType[];

/** The detail a consumer reads (defaults applied). */
export type PipelineDetail<K extends PipelineDetailType> = z.output<Registry[K]['detailSchema']>;
/** The detail a producer may write (fields with defaults optional). */
export type PipelineDetailInput<K extends PipelineDetailType> = z.input<Registry[K]['detailSchema']>;

/** One event to publish on the pipeline bus, discriminated by `detailType`: what `EventPublisher.publish` takes. */
export type PipelineEventInput = {
  [K in PipelineDetailType]: { source: Registry[K]['source']; detailType: K; detail: PipelineDetail<K> };
}[PipelineDetailType];

/** Any pipeline event in its envelope, discriminated by `detail-type`. */
export const pipelineEventSchema = z.discriminatedUnion('detail-type', [
  ingestionRequestedEventSchema,
  ingestionBatchCompletedEventSchema,
  ingestionBatchFailedEventSchema,
  etlRunRequestedEventSchema,
  etlRunCompletedEventSchema,
  partitionsRegisteredEventSchema,
  qualityEvaluatedEventSchema,
  alertRaisedEventSchema,
]);
export type PipelineEvent = z.output<typeof pipelineEventSchema>;

/** A detail that does not match its detail-type's schema; a producer bug, so not retryable. */
export class InvalidEventError extends Error {
  readonly code = 'InvalidEvent';
  readonly retryable = false;
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'InvalidEventError';
  }
}

export const isPipelineDetailType = (s: string): s is PipelineDetailType => Object.hasOwn(pipelineEvents, s);

/**
 * Validates `detail` against its detail-type's schema (applying defaults) and fills in
 * the source: the one way services build what they publish. Throws `InvalidEventError`.
 */
export const pipelineEventInput = <K extends PipelineDetailType>(
  detailType: K,
  detail: PipelineDetailInput<K>,
): Extract<PipelineEventInput, { detailType: K }> => {
  const entry = pipelineEvents[detailType];
  if (entry === undefined) throw new InvalidEventError(`unknown pipeline detail-type: ${String(detailType)}`);
  const r = (entry.detailSchema as z.ZodType).safeParse(detail);
  if (!r.success) {
    throw new InvalidEventError(`invalid "${detailType}" detail: ${formatIssues(r.error)}`, {
      cause: r.error,
    });
  }
  return { source: entry.source, detailType, detail: r.data } as Extract<
    PipelineEventInput,
    { detailType: K }
  >;
};

/**
 * The envelope EventBridge would deliver for a published pipeline event: for a producer
 * that hands an event straight to a queue (the scheduler) and for the local bus.
 */
export const buildPipelineEvent = <E extends PipelineEventInput>(e: E, f: EnvelopeFields) =>
  buildEnvelope(e.source, e.detailType, e.detail, f);
