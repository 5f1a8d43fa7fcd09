/**
 * Alarms, all acting on ONE SNS topic (e-mail and the quality-alert integrations subscribe
 * to it): DLQ depth, oldest message age per queue, function errors, Glue job failures,
 * quarantined rows, ingestion failures and data freshness.
 */
import type * as aws from '@pulumi/aws';
import { physicalName, policyDocument } from './iam.ts';
import { METRIC, METRICS_NAMESPACE } from './observability.ts';
import type { Platform, SstFunction } from './platform.ts';
import type { QueuePair } from './queues.ts';
import { resourceId } from './queues.ts';
import type { StageConfig } from './stages.ts';
import type { InfraTopology } from './topology.ts';

export const ETL_JOB_FAILED_RULE = 'etl-job-failed';

/** The event pattern of the topology's etl-job-failed rule, for this stage's job. */
export function etlJobFailedPattern(topology: InfraTopology, etlJobName: string): Record<string, unknown> {
  const rule = topology.rules.find((r) => r.name === ETL_JOB_FAILED_RULE);
  if (!rule) throw new Error(`the topology has no ${ETL_JOB_FAILED_RULE} rule for the Glue failure alarm`);
  // The pattern depends on the job name only; the bucket is not part of it.
  return rule.pattern({ bucketName: '', etlJobName });
}

/** Created before the functions: quality-alert publishes to it too. */
export const createAlarmTopic = (p: Platform): aws.sns.Topic =>
  new p.aws.sns.Topic('AlarmTopic', { name: physicalName(p, 'ohlcv-alarms') });

export function createAlarms(
  p: Platform,
  stage: StageConfig,
  topology: InfraTopology,
  pairs: Record<string, QueuePair>,
  functions: Record<string, SstFunction>,
  etlJobName: string,
  topic: aws.sns.Topic,
) {
  const { cloudwatch, sns } = p.aws;
  const alarmArnPrefix = p.util
    .interpolate`arn:aws:cloudwatch:${stage.region}:${p.accountId}:alarm:${stage.stage}-*`;

  const glueFailed = new cloudwatch.EventRule('GlueJobFailedAlarmRule', {
    name: physicalName(p, 'etl-job-failed-alarm'),
    description: 'The ETL job failed, timed out or was stopped: notify the alarm topic.',
    // The very pattern of the topology's etl-job-failed route: what alerts also alarms.
    eventPattern: JSON.stringify(etlJobFailedPattern(topology, etlJobName)),
  });

  new sns.TopicPolicy('AlarmTopicPolicy', {
    arn: topic.arn,
    policy: p.util.jsonStringify(
      policyDocument([
        {
          Sid: 'StageAlarmsPublish',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['sns:Publish'],
          Resource: [topic.arn],
          Condition: { ArnLike: { 'aws:SourceArn': alarmArnPrefix } },
        },
        {
          Sid: 'GlueFailureRulePublish',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['sns:Publish'],
          Resource: [topic.arn],
          Condition: { ArnEquals: { 'aws:SourceArn': glueFailed.arn } },
        },
      ]),
    ),
  });
  new cloudwatch.EventTarget('GlueJobFailedAlarmTarget', { rule: glueFailed.name, arn: topic.arn });

  if (stage.alarms.email) {
    new sns.TopicSubscription('AlarmEmail', {
      topic: topic.arn,
      protocol: 'email',
      endpoint: stage.alarms.email,
    });
  }

  const alarm = (id: string, args: Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions' | 'okActions'>) =>
    new cloudwatch.MetricAlarm(id, {
      treatMissingData: 'notBreaching',
      ...args,
      alarmActions: [topic.arn],
      okActions: [topic.arn],
    });

  for (const [name, pair] of Object.entries(pairs)) {
    const id = resourceId(name);
    alarm(`${id}DlqNotEmpty`, {
      name: physicalName(p, `${topology.dlqName(name)}-not-empty`),
      alarmDescription: `Messages in ${topology.dlqName(name)}: inspect, fix, then redrive.`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: pair.dlq.name },
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
    });
    const maxAge =
      stage.alarms.oldestMessageAgeSecondsByQueue[
        name as keyof typeof stage.alarms.oldestMessageAgeSecondsByQueue
      ] ?? stage.alarms.oldestMessageAgeSeconds;
    alarm(`${id}OldestMessage`, {
      name: physicalName(p, `${name}-oldest-message`),
      alarmDescription: `${name} has a message older than ${maxAge}s: its consumer is stuck or failing.`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: pair.queue.name },
      statistic: 'Maximum',
      period: 300,
      evaluationPeriods: 1,
      threshold: maxAge,
      comparisonOperator: 'GreaterThanThreshold',
    });
  }

  for (const [name, fn] of Object.entries(functions)) {
    alarm(`${resourceId(name)}Errors`, {
      name: physicalName(p, `${name}-errors`),
      alarmDescription: `${name} invocations failed (whole batches, not single records).`,
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: fn.name },
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
    });
  }

  alarm('QuarantinedRows', {
    name: physicalName(p, 'rows-quarantined'),
    alarmDescription: `More than ${stage.alarms.quarantinedRowsPerHour} rows quarantined in an hour.`,
    namespace: METRICS_NAMESPACE,
    metricName: METRIC.rowsQuarantined,
    dimensions: { service: 'quality-alert' },
    statistic: 'Sum',
    period: 3600,
    evaluationPeriods: 1,
    threshold: stage.alarms.quarantinedRowsPerHour,
    comparisonOperator: 'GreaterThanThreshold',
  });

  alarm('IngestionFailures', {
    name: physicalName(p, 'ingestion-failures'),
    alarmDescription: 'Ingestion requests failed (Twelve Data errors, limits, bad payloads).',
    namespace: METRICS_NAMESPACE,
    metricName: METRIC.ingestionFailures,
    dimensions: { service: 'ingestion' },
    statistic: 'Sum',
    period: 900,
    evaluationPeriods: 1,
    threshold: stage.alarms.ingestionFailuresPer15Min,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
  });

  const ingestion = functions.ingestion;
  if (ingestion) {
    // No tick ran at all: the schedule, the queue or the function is broken.
    alarm('IngestionNotRunning', {
      name: physicalName(p, 'ingestion-not-running'),
      alarmDescription: 'No ingestion invocation in an hour.',
      namespace: 'AWS/Lambda',
      metricName: 'Invocations',
      dimensions: { FunctionName: ingestion.name },
      statistic: 'Sum',
      period: 3600,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'LessThanThreshold',
      treatMissingData: 'breaching',
    });
  }

  // Freshness: ingestion emits the latest bar's age per symbol only during the symbol's
  // session, so missing data outside it is fine and an old bar inside it alarms.
  const staleAfter = stage.alarms.freshnessIntervals * stage.watchlist.intervalSeconds;
  for (const symbol of stage.watchlist.symbols) {
    alarm(`Freshness${resourceId(symbol)}`, {
      name: physicalName(p, `freshness-${symbol.replace(/[^A-Za-z0-9]+/g, '-')}`),
      alarmDescription: `No new ${symbol} bar for ${stage.alarms.freshnessIntervals} intervals during its session.`,
      namespace: METRICS_NAMESPACE,
      metricName: METRIC.latestBarAgeSeconds,
      dimensions: { service: 'ingestion', symbol },
      statistic: 'Maximum',
      period: 300,
      evaluationPeriods: 1,
      threshold: staleAfter,
      comparisonOperator: 'GreaterThanThreshold',
    });
  }

  return { topic, glueFailedRule: glueFailed };
}

export type Alarms = ReturnType<typeof createAlarms>;
