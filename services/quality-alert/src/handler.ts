/**
 * quality-alert: failed jobs, failed data quality, failed ingestion and heavy quarantine
 * become alerts (sent to every notifier, then published as `Alert Raised`) and quality
 * results become `Quality Evaluated`. Runtime-neutral; answers `batchItemFailures`.
 */
import {
  type Alert,
  AppError,
  type Clock,
  type EventPublisher,
  forEachRecord,
  type IdGenerator,
  type Logger,
  METRIC,
  type Metrics,
  type Notifier,
  noopMetrics,
  type ObjectStore,
  readJsonMarker,
  runSummaryKey,
  runSummarySchema,
  type SqsBatchHandler,
} from '@ohlcv/core';
import { type PipelineEventInput, pipelineEventInput } from '@ohlcv/events';
import { z } from 'zod';
import { type Inbound, parseInbound } from './inbound.ts';
import {
  type Decision,
  decideDataQualityResults,
  decideEtlRunCompleted,
  decideGlueJobStateChange,
  decideIngestionFailed,
} from './logic.ts';

export interface QualityAlertDeps {
  store: ObjectStore;
  publisher: EventPublisher;
  notifiers: Notifier[];
  clock: Clock;
  ids?: IdGenerator;
  logger: Logger;
  /** RowsQuarantined (from ETL run summaries) and AlertsRaised per kind; none when absent. */
  metrics?: Metrics;
  /** Quarantined share of a run's raw rows (0..1) above which an alert is raised. */
  quarantineThreshold: number;
}

/** Which notifiers already delivered an alert: a redelivered record does not page twice. */
export const alertMarkerKey = (alertId: string): string => `_alerts/${alertId}.json`;

export const alertMarkerSchema = z.object({
  alertId: z.string(),
  delivered: z.array(z.string()),
  updatedAt: z.string(),
});
type AlertMarker = z.infer<typeof alertMarkerSchema>;

export const notifierName = (n: Notifier, i: number): string => {
  const name = (n as { name?: unknown }).name;
  return typeof name === 'string' && name ? name : `notifier-${i}`;
};

export function createQualityAlertHandler(deps: QualityAlertDeps): SqsBatchHandler {
  const { store, publisher, notifiers, clock, logger, quarantineThreshold } = deps;
  if (!(quarantineThreshold >= 0 && quarantineThreshold <= 1)) {
    throw new AppError(
      'ConfigInvalid',
      `quarantineThreshold must be within 0..1, got ${quarantineThreshold}`,
    );
  }

  const readJson = async (key: string): Promise<unknown> =>
    JSON.parse(new TextDecoder().decode(await store.get(key)));

  const metrics = deps.metrics ?? noopMetrics;

  /** The decision, and the rows the run quarantined when the inbound event is a finished run. */
  const decide = async (inbound: Inbound): Promise<Decision & { rowsQuarantined?: number }> => {
    switch (inbound.kind) {
      case 'glue-job-state-change':
        return decideGlueJobStateChange(inbound.event);
      case 'data-quality-results':
        return decideDataQualityResults(inbound.event);
      case 'ingestion-batch-failed':
        return decideIngestionFailed(inbound.event);
      case 'etl-run-completed': {
        const key = runSummaryKey(inbound.event.detail.jobRunId);
        const parsed = runSummarySchema.safeParse(await readJson(key));
        if (!parsed.success) throw new AppError('RunSummaryInvalid', `${key}: ${parsed.error.message}`);
        return {
          ...decideEtlRunCompleted(inbound.event, parsed.data, quarantineThreshold),
          rowsQuarantined: parsed.data.rowsQuarantined,
        };
      }
    }
  };

  // Emitted once the record is done: a redelivered record (failed notifier) is not counted twice.
  const emit = (decision: Decision & { rowsQuarantined?: number }) => {
    if (decision.rowsQuarantined !== undefined)
      metrics.count(METRIC.rowsQuarantined, decision.rowsQuarantined);
    for (const alert of decision.alerts) metrics.count(METRIC.alertsRaised, 1, { kind: alert.kind });
  };

  const deliver = async (alert: Alert): Promise<void> => {
    const markerKey = alertMarkerKey(alert.alertId);
    const marker = await readJsonMarker(store, markerKey, alertMarkerSchema);
    const done = new Set(marker?.delivered ?? []);
    const pending = notifiers
      .map((n, i) => ({ n, name: notifierName(n, i) }))
      .filter((x) => !done.has(x.name));
    if (pending.length === 0) {
      logger.info('alert already delivered', { alertId: alert.alertId, correlationId: alert.correlationId });
      return;
    }
    const results = await Promise.allSettled(pending.map((x) => x.n.notify(alert)));
    const failed: string[] = [];
    results.forEach((r, i) => {
      const name = pending[i]!.name;
      if (r.status === 'fulfilled') done.add(name);
      else failed.push(`${name}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
    });
    const next: AlertMarker = {
      alertId: alert.alertId,
      delivered: [...done].sort(),
      updatedAt: clock.now().toISOString(),
    };
    await store.put(markerKey, JSON.stringify(next), { contentType: 'application/json' });
    if (failed.length > 0) {
      // The record is redelivered; only the notifiers that failed are tried again.
      throw new AppError('NotifyFailed', `alert ${alert.alertId} not delivered by ${failed.join('; ')}`, {
        retryable: true,
      });
    }
  };

  return (event) =>
    forEachRecord(event, logger, async (record) => {
      const parsed = parseInbound(record.body);
      if (!parsed.success) throw new AppError('InvalidEvent', parsed.error);
      const decision = await decide(parsed.data);
      const sourceId = parsed.data.event.id;
      if (decision.alerts.length === 0 && !decision.qualityEvaluated) {
        logger.info('nothing to alert', {
          messageId: record.messageId,
          kind: parsed.data.kind,
          sourceEventId: sourceId,
        });
        emit(decision);
        return;
      }
      for (const alert of decision.alerts) {
        logger.warn('alert raised', {
          alertId: alert.alertId,
          kind: alert.kind,
          severity: alert.severity,
          correlationId: alert.correlationId,
        });
        await deliver(alert);
      }
      const events: PipelineEventInput[] = [];
      if (decision.qualityEvaluated)
        events.push(pipelineEventInput('Quality Evaluated', decision.qualityEvaluated));
      for (const a of decision.alerts) {
        events.push(
          pipelineEventInput('Alert Raised', {
            schemaVersion: 1,
            correlationId: a.correlationId,
            alertId: a.alertId,
            severity: a.severity,
            kind: a.kind,
            title: a.title,
            message: a.message,
            context: a.context,
          }),
        );
      }
      await publisher.publish(events);
      emit(decision);
    });
}
