/** Lambda entry: wires the AWS adapters into the ingestion handler. Nothing else lives here. */
import { eventBridgePublisher, readSecret, s3ObjectStore, withPowertools } from '@ohlcv/aws';
import { requireEnv, systemClock } from '@ohlcv/core';
import { createTwelveDataClient } from '@ohlcv/twelvedata';
import { createIngestionHandler } from './handler.ts';

const optionalNumber = (v: string | undefined): number | undefined =>
  v === undefined || v === '' ? undefined : Number(v);

export const handler = withPowertools('ingestion', async ({ logger, metrics, env }) => {
  const apiKey = await readSecret('TwelveDataApiKey', {
    env,
    envVar: 'TWELVE_DATA_API_KEY',
    secretId: env.TWELVE_DATA_SECRET_ID,
  });
  const client = createTwelveDataClient({
    apiKey,
    baseUrl: env.TWELVE_DATA_BASE_URL || undefined,
    creditsPerMinute: optionalNumber(env.TWELVE_DATA_CREDITS_PER_MINUTE),
    creditsPerDay: optionalNumber(env.TWELVE_DATA_CREDITS_PER_DAY),
    logger,
  });
  return createIngestionHandler({
    store: s3ObjectStore({ bucket: requireEnv(env, 'BUCKET_NAME'), clock: systemClock }),
    publisher: eventBridgePublisher({ busName: requireEnv(env, 'PIPELINE_BUS_NAME') }),
    client,
    clock: systemClock,
    logger,
    metrics,
  });
});
