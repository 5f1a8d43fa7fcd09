/**
 * etl-trigger: the raw objects of one SQS batch become ONE manifest and ONE job run.
 * Runtime-neutral: built from ports, fed SQS batches of EventBridge envelopes on AWS and
 * locally, answering `batchItemFailures`.
 */
import {
  type Clock,
  type EventPublisher,
  errorCode,
  errorMessage,
  type IdGenerator,
  isAppError,
  type JobRunner,
  type Logger,
  type Manifest,
  METRIC,
  type Metrics,
  manifestKey,
  noopMetrics,
  type ObjectStore,
  readJsonMarker,
  type SqsBatchHandler,
  type SqsRecord,
} from '@ohlcv/core';
import { parseEnvelope, pipelineEventInput, s3ObjectCreatedEventSchema } from '@ohlcv/events';
import { z } from 'zod';
import { buildManifest, manifestIdOf, type RawObjectRef, type SkipReason, skipReasonOf } from './logic.ts';

export interface EtlTriggerDeps {
  store: ObjectStore;
  jobRunner: JobRunner;
  publisher: EventPublisher;
  clock: Clock;
  /** Not needed for ids (they are content hashes); kept for parity with the other services. */
  ids?: IdGenerator;
  logger: Logger;
  /** ObjectsCoalesced and JobRunsStarted; none when absent. */
  metrics?: Metrics;
  jobName: string;
  /**
   * A manifest whose run started less than this long ago is not started again: that is a
   * redelivered batch (Lambda timed out after StartJobRun). Longer ago, the same objects
   * dropped again are a deliberate re-run. Default: 15 minutes.
   */
  restartGuardSeconds?: number;
}

/** Written next to the manifest once its run started: what makes a redelivered batch idempotent. */
export const runMarkerKey = (manifestId: string): string => `_manifests/${manifestId}.run.json`;

export const runMarkerSchema = z.object({
  manifestId: z.string(),
  jobRunId: z.string().min(1),
  startedAt: z.iso.datetime({ offset: true }),
  correlationId: z.string(),
});
type RunMarker = z.infer<typeof runMarkerSchema>;

type Classified =
  | { kind: 'object'; messageId: string; object: RawObjectRef; correlationId: string }
  | { kind: 'skipped'; messageId: string; key: string; reason: SkipReason; correlationId: string }
  | { kind: 'invalid'; messageId: string; reason: string };

export function classifyRecord(record: SqsRecord): Classified {
  const parsed = parseEnvelope(record.body, s3ObjectCreatedEventSchema);
  if (!parsed.success) return { kind: 'invalid', messageId: record.messageId, reason: parsed.error };
  const event = parsed.data;
  const { key, size, etag } = event.detail.object;
  if (!etag) return { kind: 'invalid', messageId: record.messageId, reason: 'detail.object.etag: missing' };
  const reason = skipReasonOf(key);
  if (reason) return { kind: 'skipped', messageId: record.messageId, key, reason, correlationId: event.id };
  return {
    kind: 'object',
    messageId: record.messageId,
    object: { key, etag, size: size ?? 0, lastModified: new Date(event.time).toISOString() },
    correlationId: event.id,
  };
}

export function createEtlTriggerHandler(deps: EtlTriggerDeps): SqsBatchHandler {
  const { store, jobRunner, publisher, clock, logger, jobName } = deps;
  const guardMs = (deps.restartGuardSeconds ?? 15 * 60) * 1000;
  const metrics = deps.metrics ?? noopMetrics;

  const readMarker = (manifestId: string): Promise<RunMarker | undefined> =>
    readJsonMarker(store, runMarkerKey(manifestId), runMarkerSchema);

  const startRun = async (manifest: Manifest): Promise<{ jobRunId: string; reused: boolean }> => {
    const marker = await readMarker(manifest.manifestId);
    if (marker && clock.now().getTime() - Date.parse(marker.startedAt) < guardMs) {
      return { jobRunId: marker.jobRunId, reused: true };
    }
    const key = manifestKey(manifest.manifestId);
    await store.put(key, JSON.stringify(manifest, null, 2), { contentType: 'application/json' });
    const { jobRunId } = await jobRunner.startJobRun({
      jobName,
      arguments: { '--manifest_key': key, '--correlation_id': manifest.correlationId },
    });
    // Counted when the run starts, whatever happens next: a redelivered batch reuses it uncounted.
    metrics.count(METRIC.jobRunsStarted, 1);
    metrics.count(METRIC.objectsCoalesced, manifest.objects.length);
    const written: RunMarker = {
      manifestId: manifest.manifestId,
      jobRunId,
      startedAt: clock.now().toISOString(),
      correlationId: manifest.correlationId,
    };
    await store.put(runMarkerKey(manifest.manifestId), JSON.stringify(written), {
      contentType: 'application/json',
    });
    return { jobRunId, reused: false };
  };

  return async (event) => {
    const failures: { itemIdentifier: string }[] = [];
    const accepted: Extract<Classified, { kind: 'object' }>[] = [];
    for (const record of event.Records) {
      const c = classifyRecord(record);
      if (c.kind === 'invalid') {
        logger.error('record rejected: not an Object Created event', {
          messageId: c.messageId,
          reason: c.reason,
        });
        failures.push({ itemIdentifier: c.messageId });
      } else if (c.kind === 'skipped') {
        // An expected outcome: the record is consumed, nothing to run.
        logger.info('object skipped', {
          messageId: c.messageId,
          key: c.key,
          reason: c.reason,
          correlationId: c.correlationId,
        });
      } else {
        accepted.push(c);
      }
    }
    if (accepted.length === 0) return { batchItemFailures: failures };

    const objects = accepted.map((a) => a.object);
    const sourceIds = [...new Set(accepted.map((a) => a.correlationId))].sort();
    // One source event keeps its id; a coalesced run is its own unit of work, named by its manifest.
    const correlationId = sourceIds.length === 1 ? sourceIds[0]! : manifestIdOf(objects);
    const manifest = buildManifest({ objects, createdAt: clock.now(), correlationId });
    const mKey = manifestKey(manifest.manifestId);
    const log = { correlationId, manifestId: manifest.manifestId, objectCount: manifest.objects.length };

    try {
      const { jobRunId, reused } = await startRun(manifest);
      logger.info(reused ? 'run already started for this manifest' : 'job run started', {
        ...log,
        jobName,
        jobRunId,
        records: accepted.length,
        sourceCorrelationIds: sourceIds.slice(0, 20),
      });
      await publisher.publish([
        pipelineEventInput('ETL Run Requested', {
          schemaVersion: 1,
          correlationId,
          jobName,
          jobRunId,
          manifestId: manifest.manifestId,
          manifestKey: mKey,
          objectCount: manifest.objects.length,
        }),
      ]);
    } catch (err) {
      const retryable = isAppError(err) && err.retryable;
      // Every object of the manifest goes back to the queue: SQS redelivers it later
      // (ConcurrentRunsExceeded) or, after max receives, parks it in the DLQ. Nothing lost.
      (retryable ? logger.warn : logger.error)('job run not started; records returned to the queue', {
        ...log,
        code: errorCode(err),
        error: errorMessage(err),
        retryable,
      });
      for (const a of accepted) failures.push({ itemIdentifier: a.messageId });
    }
    return { batchItemFailures: failures };
  };
}
