/** Lambda entry: the only file that wires AWS adapters into ingestion. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { eventBridgePublisher, readSecret, s3ObjectStore, withPowertools } from '@ohlcv/aws';
import { systemClock } from '@ohlcv/core';
import { createTwelveDataClient } from '@ohlcv/twelvedata';
import { ingestionConfig, requireApiKey } from './config.ts';
import { createIngestionHandler } from './handler.ts';

export const handler = withPowertools('ingestion', async ({ logger, metrics, env, traceClient }) => {
  const config = ingestionConfig(env);
  const apiKey = requireApiKey(
    await readSecret('TwelveDataApiKey', {
      env,
      envVar: 'TWELVE_DATA_API_KEY',
      secretId: config.twelveData.secretId,
    }),
    config.stage,
  );
  const client = createTwelveDataClient({
    apiKey,
    baseUrl: config.twelveData.baseUrl,
    creditsPerMinute: config.twelveData.creditsPerMinute,
    creditsPerDay: config.twelveData.creditsPerDay,
    logger,
  });
  return createIngestionHandler({
    store: s3ObjectStore({
      bucket: config.bucketName,
      clock: systemClock,
      client: traceClient(new S3Client({})),
    }),
    publisher: eventBridgePublisher({
      busName: config.busName,
      client: traceClient(new EventBridgeClient({})),
    }),
    client,
    clock: systemClock,
    logger,
    metrics,
  });
});
