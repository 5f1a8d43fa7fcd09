/**
 * Lambda entry of the scheduled fan-out (an EventBridge schedule invokes it): reads the
 * watchlist from the environment and sends one message per symbol batch to the queue.
 */
import { createPowertoolsLogger, powertoolsLogger, sqsQueueSender } from '@ohlcv/aws';
import { randomIds, requireEnv, systemClock } from '@ohlcv/core';
import { fanOutIngestion } from './schedule.ts';
import { DEMO_WATCHLIST, watchlistSchema } from './watchlist.ts';

const log = powertoolsLogger(createPowertoolsLogger('ingestion-scheduler'));

export async function handler(): Promise<{ correlationId: string; messages: number }> {
  const env = process.env;
  const queueUrl = requireEnv(env, 'INGESTION_REQUESTS_QUEUE_URL');
  const watchlist = env.WATCHLIST_JSON
    ? watchlistSchema.parse(JSON.parse(env.WATCHLIST_JSON))
    : DEMO_WATCHLIST;
  const result = await fanOutIngestion(
    { watchlist, batchSize: env.INGESTION_BATCH_SIZE ? Number(env.INGESTION_BATCH_SIZE) : undefined },
    {
      sender: sqsQueueSender({ queueUrls: { 'ingestion-requests': queueUrl } }),
      clock: systemClock,
      ids: randomIds,
    },
  );
  log.info('ingestion fan-out sent', { ...result, symbols: watchlist.symbols.length });
  return result;
}
