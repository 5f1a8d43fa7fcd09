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
    // Coalescing many object drops into one job run is the point of this queue.
    batchSize: 100,
    maxBatchingWindowSeconds: 10,
    visibilityTimeoutSeconds: 2 * minute,
    maxReceiveCount: 5,
    retentionSeconds: 4 * day,
  },
  'catalog-sync': {
    batchSize: 10,
    maxBatchingWindowSeconds: 1,
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
