/**
 * The one topology: which events route to which queue, which queue feeds which service,
 * and how each queue behaves. Plain data, read by the SST infra and by the local runtime,
 * so a route that exists in one place exists in the other.
 */

export type BusName = 'default' | 'pipeline';

/** What a rule pattern may depend on: names that differ per stage or runtime. */
export interface TopologyContext {
  /** The data lake bucket (a folder tree in the local runtime). */
  bucketName: string;
  /** The ETL job's name (a Glue job on AWS, a DuckDB job locally). */
  etlJobName: string;
}

export interface QueueSpec {
  /** Messages handed to one handler invocation (Lambda batch size). */
  batchSize: number;
  /** Seconds to wait to fill a batch (Lambda MaximumBatchingWindowInSeconds). */
  maxBatchingWindowSeconds: number;
  /** Seconds a received message stays invisible; at least the consumer's timeout. */
  visibilityTimeoutSeconds: number;
  /** Receives before the message moves to the DLQ. */
  maxReceiveCount: number;
  /** Seconds a message is kept before SQS drops it (DLQ keeps its own, longer). */
  retentionSeconds: number;
  /**
   * Local runtime only: the batching window closes early once no new message arrived for
   * this long (`maxBatchingWindowSeconds` stays the longest wait). Lambda has no such
   * setting; on AWS the window is Lambda's. Absent: the local poller waits the whole window.
   */
  localQuietCloseSeconds?: number;
}

/**
 * Lambda's limits on an SQS (standard queue) event-source mapping, as AWS documents them:
 * a batch of 1 to 10,000 records, over 10 only with MaximumBatchingWindowInSeconds >= 1,
 * a window of at most 300 s; the mapping also hands over a batch early once it reaches the
 * 6 MB invocation payload limit.
 */
export const LAMBDA_SQS_LIMITS = {
  maxBatchSize: 10_000,
  maxBatchWithoutWindow: 10,
  maxBatchingWindowSeconds: 300,
  maxPayloadBytes: 6 * 1024 * 1024,
} as const;

/** The Lambda limit a queue spec breaks, or undefined when AWS would accept its mapping. */
export function lambdaMappingProblem(spec: QueueSpec): string | undefined {
  const l = LAMBDA_SQS_LIMITS;
  if (!Number.isInteger(spec.batchSize) || spec.batchSize < 1 || spec.batchSize > l.maxBatchSize)
    return `batchSize ${spec.batchSize}: Lambda takes 1 to ${l.maxBatchSize} records from SQS`;
  if (spec.maxBatchingWindowSeconds < 0 || spec.maxBatchingWindowSeconds > l.maxBatchingWindowSeconds)
    return `maxBatchingWindowSeconds ${spec.maxBatchingWindowSeconds}: Lambda allows 0 to ${l.maxBatchingWindowSeconds}`;
  if (spec.batchSize > l.maxBatchWithoutWindow && spec.maxBatchingWindowSeconds < 1)
    return `batchSize ${spec.batchSize} needs maxBatchingWindowSeconds >= 1 (Lambda: a batch over ${l.maxBatchWithoutWindow} needs a window)`;
  return undefined;
}

export interface RuleSpec {
  name: string;
  description: string;
  bus: BusName;
  pattern: (ctx: TopologyContext) => Record<string, unknown>;
  target: QueueName;
}

export interface ServiceSpec {
  /** The queue whose batches this service consumes. */
  queue: QueueName;
  /** Lambda entry file, relative to the repository root. */
  entry: string;
  memoryMB: number;
  timeoutSeconds: number;
  description: string;
}

const minute = 60;
const day = 24 * 60 * minute;

export const queues = {
  'ingestion-requests': {
    batchSize: 1,
    maxBatchingWindowSeconds: 0,
    visibilityTimeoutSeconds: 15 * minute,
    maxReceiveCount: 3,
    retentionSeconds: 4 * day,
  },
  'etl-trigger': {
    // Coalescing many object drops into one job run is the point of this queue: the largest
    // batch Lambda hands over (it closes one earlier at 6 MB of payload, ~5,000 S3 events),
    // so a bulk drop is one run, not one per 100 objects. Locally the etl-trigger splits a
    // batch into runs by raw bytes (`etlRunSizing`).
    batchSize: LAMBDA_SQS_LIMITS.maxBatchSize,
    maxBatchingWindowSeconds: 10,
    // A single dropped file is queryable in seconds, not after the whole 10 s window.
    localQuietCloseSeconds: 1,
    visibilityTimeoutSeconds: 2 * minute,
    maxReceiveCount: 5,
    retentionSeconds: 4 * day,
  },
  'catalog-sync': {
    batchSize: 10,
    maxBatchingWindowSeconds: 1,
    // Locally a finished run is registered (queryable) without waiting out the window.
    localQuietCloseSeconds: 0.25,
    visibilityTimeoutSeconds: 2 * minute,
    maxReceiveCount: 5,
    retentionSeconds: 4 * day,
  },
  'quality-alert': {
    batchSize: 10,
    maxBatchingWindowSeconds: 1,
    visibilityTimeoutSeconds: 1 * minute,
    maxReceiveCount: 5,
    retentionSeconds: 4 * day,
  },
} as const satisfies Record<string, QueueSpec>;

export type QueueName = keyof typeof queues;

/** How the etl-trigger sizes job runs out of one batch of raw objects. */
export const etlRunSizing = {
  /**
   * Local runtime: raw bytes per job run (`OHLCV_ETL_RUN_BYTES` overrides). The DuckDB job
   * stages its input in bounded batches, so a run is not limited by memory; one run per
   * bulk drop spares every later run re-reading and rewriting the rollup partitions the
   * earlier ones just wrote. The cap bounds what one failed run has to redo. On AWS a
   * batch is one Glue run (Glue scales out), so there is no cap.
   */
  localMaxRunBytes: 16 * 2 ** 30,
} as const;
export const queueNames = Object.keys(queues) as QueueName[];

/** The DLQ of a queue; it has the same name with this suffix in both runtimes. */
export const dlqName = (queue: QueueName): string => `${queue}-dlq`;
export const DLQ_RETENTION_SECONDS = 14 * day;

export const rules: readonly RuleSpec[] = [
  {
    name: 'raw-object-created',
    description: 'An object landed in the raw zone: coalesce into an ETL run.',
    bus: 'default',
    pattern: (ctx) => ({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        bucket: { name: [ctx.bucketName] },
        object: { key: [{ prefix: 'raw/' }] },
      },
    }),
    target: 'etl-trigger',
  },
  {
    name: 'etl-job-succeeded',
    description: 'The ETL job finished: register its partitions.',
    bus: 'default',
    pattern: (ctx) => ({
      source: ['aws.glue'],
      'detail-type': ['Glue Job State Change'],
      detail: { jobName: [ctx.etlJobName], state: ['SUCCEEDED'] },
    }),
    target: 'catalog-sync',
  },
  {
    name: 'etl-job-failed',
    description: 'The ETL job failed, timed out or was stopped: raise an alert.',
    bus: 'default',
    // The terminal states a Glue Job State Change carries besides SUCCEEDED (ERROR is an API
    // JobRunState that the event never has).
    pattern: (ctx) => ({
      source: ['aws.glue'],
      'detail-type': ['Glue Job State Change'],
      detail: { jobName: [ctx.etlJobName], state: ['FAILED', 'TIMEOUT', 'STOPPED'] },
    }),
    target: 'quality-alert',
  },
  {
    name: 'pipeline-problems',
    description: 'Ingestion failures and ETL runs with quarantined rows: alert.',
    bus: 'pipeline',
    pattern: () => ({
      $or: [
        { source: ['ohlcv.ingestion'], 'detail-type': ['Ingestion Batch Failed'] },
        {
          source: ['ohlcv.catalog-sync'],
          'detail-type': ['ETL Run Completed'],
          detail: { rowsQuarantined: [{ numeric: ['>', 0] }] },
        },
      ],
    }),
    target: 'quality-alert',
  },
];

export const services = {
  ingestion: {
    queue: 'ingestion-requests',
    entry: 'services/ingestion/src/lambda.ts',
    memoryMB: 512,
    timeoutSeconds: 10 * minute,
    description: 'Pulls bars from Twelve Data into raw/.',
  },
  'etl-trigger': {
    queue: 'etl-trigger',
    entry: 'services/etl-trigger/src/lambda.ts',
    memoryMB: 256,
    timeoutSeconds: 60,
    description: 'Coalesces raw objects into one ETL job run with a manifest.',
  },
  'catalog-sync': {
    queue: 'catalog-sync',
    entry: 'services/catalog-sync/src/lambda.ts',
    memoryMB: 256,
    timeoutSeconds: 60,
    description: 'Registers the partitions a job run wrote.',
  },
  'quality-alert': {
    queue: 'quality-alert',
    entry: 'services/quality-alert/src/lambda.ts',
    memoryMB: 256,
    timeoutSeconds: 30,
    description: 'Turns failures and quality results into alerts.',
  },
} as const satisfies Record<string, ServiceSpec>;

export type ServiceName = keyof typeof services;
export const serviceNames = Object.keys(services) as ServiceName[];

/** The pipeline bus's name on AWS (prefixed by the stage there) and locally. */
export const PIPELINE_BUS = 'ohlcv-pipeline';
export const ETL_JOB_NAME = 'ohlcv-etl';
