/** Lambda entry: the only file that wires AWS adapters into catalog-sync. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { eventBridgePublisher, s3ObjectStore, withPowertools } from '@ohlcv/aws';
import { glueCatalog } from '@ohlcv/aws/glue-catalog/index';
import { systemClock } from '@ohlcv/core';
import { catalogSyncConfig } from './config.ts';
import { createCatalogSyncHandler } from './handler.ts';

export const handler = withPowertools('catalog-sync', ({ logger, metrics, env, traceClient }) => {
  const config = catalogSyncConfig(env);
  return createCatalogSyncHandler({
    store: s3ObjectStore({ bucket: config.bucketName, client: traceClient(new S3Client({})) }),
    catalog: glueCatalog({
      database: config.glueDatabase,
      lakeUri: `s3://${config.bucketName}/`,
      client: traceClient(new GlueClient({})),
    }),
    publisher: eventBridgePublisher({
      busName: config.busName,
      client: traceClient(new EventBridgeClient({})),
    }),
    logger,
    metrics,
    clock: systemClock,
    ...(config.jobName ? { jobName: config.jobName } : {}),
    supersededGraceMs: config.supersededGraceMinutes * 60_000,
  });
});
