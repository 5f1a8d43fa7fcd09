/**
 * Builds one stage. Called by `sst.config.ts`'s `run()` with SST's globals, and by the synth
 * test with recorders; the topology defaults to the shared one in `@ohlcv/core`.
 */
import { createAlarms, createAlarmTopic } from './alarms.ts';
import { createAthena } from './athena.ts';
import { createBuses } from './buses.ts';
import { createFunctions } from './functions.ts';
import { createGlue } from './glue.ts';
import { physicalName } from './iam.ts';
import { servicePermissions } from './permissions.ts';
import type { Platform } from './platform.ts';
import { createQueuePolicies, createQueues, createRules } from './queues.ts';
import { createSchedule } from './schedule.ts';
import { createSecrets } from './secrets.ts';
import type { StageConfig } from './stages.ts';
import { createStorage } from './storage.ts';
import { createSchemaRegistry, createSubscriptions } from './subscriptions.ts';
import { type InfraTopology, sharedTopology } from './topology.ts';

export type { Platform } from './platform.ts';
export { isProductionStage, PRODUCTION_STAGES, type StageConfig, stageConfig } from './stages.ts';
export { type InfraTopology, sharedTopology } from './topology.ts';

export function deploy(p: Platform, stage: StageConfig, topology: InfraTopology = sharedTopology) {
  const etlJobName = physicalName(p, topology.etlJobName);
  const { bucket } = createStorage(p, stage);
  const buses = createBuses(p, stage, topology);
  const pairs = createQueues(p, topology);
  const senders = [
    ...createRules(p, topology, buses, pairs, bucket.bucket, etlJobName),
    ...createSchedule(p, stage, pairs),
  ];
  createQueuePolicies(p, pairs, senders);
  const glue = createGlue(p, stage, bucket, etlJobName);
  const { workgroup } = createAthena(p, stage, bucket.bucket);
  const secrets = createSecrets(p);

  const alarmsTopic = createAlarmTopic(p);
  const functions = createFunctions(
    p,
    stage,
    topology,
    pairs,
    {
      bucketName: bucket.bucket,
      pipelineBusName: buses.pipelineBus.name,
      etlJobName,
      glueDatabase: glue.databaseName,
      athenaWorkgroup: workgroup.name,
      secrets,
      quarantineThreshold: stage.alarms.quarantinedShareAlert,
    },
    servicePermissions(p, {
      region: stage.region,
      bucketArn: bucket.arn,
      pipelineBusArn: buses.pipelineBus.arn,
      alarmTopicArn: alarmsTopic.arn,
      etlJobName,
      glueDatabase: glue.databaseName,
    }),
    {
      ingestion: { TWELVE_DATA_API_KEY: secrets.twelveDataApiKey.value },
      'quality-alert': {
        ALERT_WEBHOOK_URL: secrets.alertWebhookUrl.value,
        SLACK_WEBHOOK_URL: secrets.slackWebhookUrl.value,
      },
    },
  );
  const alarms = createAlarms(p, stage, topology, pairs, functions, etlJobName, alarmsTopic);
  const schemaRegistry = createSchemaRegistry(p);
  const subscriptions = createSubscriptions(p, buses, alarmsTopic);

  return {
    bucket: bucket.bucket,
    pipelineBus: buses.pipelineBus.name,
    etlJob: glue.job.name,
    glueDatabase: glue.databaseName,
    athenaWorkgroup: workgroup.name,
    alarmTopic: alarms.topic.arn,
    queues: Object.fromEntries(Object.entries(pairs).map(([n, q]) => [n, q.queue.url])),
    schemaRegistry: schemaRegistry.name,
    // What `aws sqs start-message-move-task` needs to redrive one subscription (infra/README.md).
    subscriptions: Object.fromEntries(
      Object.entries(subscriptions).map(([n, s]) => [
        n,
        { dlq: s.dlq.arn, redriveQueue: s.redriveQueue.arn },
      ]),
    ),
  };
}
