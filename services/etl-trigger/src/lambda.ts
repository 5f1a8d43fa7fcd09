/** Lambda entry: the only file that wires AWS adapters into etl-trigger. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { eventBridgePublisher, glueJobRunner, s3ObjectStore, withPowertools } from '@ohlcv/aws';
import { randomIds, systemClock } from '@ohlcv/core';
import { etlTriggerConfig } from './config.ts';
import { createEtlTriggerHandler } from './handler.ts';

export const handler = withPowertools('etl-trigger', ({ logger, metrics, env, traceClient }) => {
  const config = etlTriggerConfig(env);
  return createEtlTriggerHandler({
    store: s3ObjectStore({ bucket: config.bucketName, client: traceClient(new S3Client({})) }),
    jobRunner: glueJobRunner({ client: traceClient(new GlueClient({})) }),
    publisher: eventBridgePublisher({
      busName: config.busName,
      client: traceClient(new EventBridgeClient({})),
    }),
    clock: systemClock,
    ids: randomIds,
    logger,
    metrics,
    jobName: config.jobName,
  });
});
