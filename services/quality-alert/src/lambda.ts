/** Lambda entry: the only file that wires AWS adapters into quality-alert. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { eventBridgePublisher, readSecret, s3ObjectStore, withPowertools } from '@ohlcv/aws';
import { type Notifier, randomIds, systemClock } from '@ohlcv/core';
import { qualityAlertConfig } from './config.ts';
import { createQualityAlertHandler } from './handler.ts';
import { logNotifier } from './notifiers/log.ts';
import { slackNotifier } from './notifiers/slack.ts';
import { webhookNotifier } from './notifiers/webhook.ts';

export const handler = withPowertools('quality-alert', async ({ logger, metrics, env, traceClient }) => {
  const config = qualityAlertConfig(env);
  // Webhook URLs are secrets: an SST-linked sst.Secret first, the plain env var otherwise.
  const webhookUrl = await readSecret('AlertWebhookUrl', {
    env,
    envVar: 'ALERT_WEBHOOK_URL',
    optional: true,
  });
  const slackUrl = await readSecret('SlackWebhookUrl', { env, envVar: 'SLACK_WEBHOOK_URL', optional: true });
  const notifiers: Notifier[] = [logNotifier(logger)];
  if (webhookUrl) notifiers.push(webhookNotifier({ url: webhookUrl, logger }));
  if (slackUrl) notifiers.push(slackNotifier({ url: slackUrl, logger }));
  logger.info('notifiers configured', { notifiers: notifiers.map((n) => (n as { name?: string }).name) });
  return createQualityAlertHandler({
    store: s3ObjectStore({ bucket: config.bucketName, client: traceClient(new S3Client({})) }),
    publisher: eventBridgePublisher({
      busName: config.busName,
      client: traceClient(new EventBridgeClient({})),
    }),
    notifiers,
    clock: systemClock,
    ids: randomIds,
    logger,
    metrics,
    quarantineThreshold: config.quarantineThreshold,
  });
});
