import type { QueueName, QueueSpec } from '@ohlcv/core';
import { DLQ_RETENTION_SECONDS, dlqName, queues } from '@ohlcv/core';
import type { SqliteQueueStore } from './sqlite-queue-store.ts';

/** Creates (or updates) every topology queue and its DLQ, as the SST infra does on AWS. */
export function ensureTopologyQueues(
  store: SqliteQueueStore,
  specs: Readonly<Record<QueueName, QueueSpec>> = queues,
): void {
  for (const [name, spec] of Object.entries(specs) as [QueueName, QueueSpec][]) {
    const dlq = dlqName(name);
    // The DLQ's visibility matters only to `dlq list`-style readers; retention is the long one.
    store.ensureQueue(dlq, { visibilityTimeoutSeconds: 30, retentionSeconds: DLQ_RETENTION_SECONDS });
    store.ensureQueue(name, {
      visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds,
      maxReceiveCount: spec.maxReceiveCount,
      retentionSeconds: spec.retentionSeconds,
      dlqName: dlq,
      batchSize: spec.batchSize,
      maxBatchingWindowSeconds: spec.maxBatchingWindowSeconds,
    });
  }
}
