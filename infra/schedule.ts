/**
 * The ingestion schedule: a rule on the default bus that sends an EventBridge-shaped
 * `Ingestion Requested` envelope (source `ohlcv.scheduler`) for the stage's watchlist to the
 * ingestion-requests queue, so ingestion sees the same SQS batch of envelopes as locally.
 */
import { SCHEMA_VERSION } from '@ohlcv/events';
import { physicalName } from './iam.ts';
import type { Platform } from './platform.ts';
import type { QueuePair, QueueSender } from './queues.ts';
import type { StageConfig } from './stages.ts';

export const SCHEDULE_QUEUE = 'ingestion-requests';
export const INGESTION_REQUESTED = 'Ingestion Requested';
export const SCHEDULER_SOURCE = 'ohlcv.scheduler';

/**
 * EventBridge input template: `<id>`/`<time>`/... are filled (and quoted) from the tick. The
 * detail is a complete `Ingestion Requested` detail (schemaVersion, requestId, correlationId:
 * the tick's event id), so ingestion's own schema accepts it.
 */
export function ingestionRequestTemplate(stage: StageConfig): string {
  const fixed = JSON.stringify({
    schemaVersion: SCHEMA_VERSION,
    symbols: stage.watchlist.symbols,
    interval: stage.watchlist.interval,
  });
  return `{"version":"0","id":<id>,"detail-type":"${INGESTION_REQUESTED}","source":"${SCHEDULER_SOURCE}","account":<account>,"time":<time>,"region":<region>,"resources":[],"detail":${fixed.slice(0, -1)},"requestId":<id>,"correlationId":<id>}}`;
}

export function createSchedule(
  p: Platform,
  stage: StageConfig,
  pairs: Record<string, QueuePair>,
): QueueSender[] {
  const target = pairs[SCHEDULE_QUEUE];
  if (!target) return [];
  const rule = new p.aws.cloudwatch.EventRule('IngestionSchedule', {
    name: physicalName(p, 'ingestion-schedule'),
    description: `Pull ${stage.watchlist.symbols.join(', ')} (${stage.watchlist.interval}).`,
    scheduleExpression: stage.schedule,
  });
  new p.aws.cloudwatch.EventTarget('IngestionScheduleTarget', {
    rule: rule.name,
    arn: target.queue.arn,
    deadLetterConfig: { arn: target.dlq.arn },
    inputTransformer: {
      inputPaths: { id: '$.id', time: '$.time', account: '$.account', region: '$.region' },
      inputTemplate: ingestionRequestTemplate(stage),
    },
  });
  return [{ queue: SCHEDULE_QUEUE, ruleArn: rule.arn }];
}
