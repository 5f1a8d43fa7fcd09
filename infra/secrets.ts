/**
 * SST secrets (`sst secret set NAME VALUE --stage X`). Each reaches only the function that
 * needs it, as an environment variable (encrypted at rest by Lambda).
 */
import type { Platform } from './platform.ts';

export const SECRET_NAMES = {
  twelveDataApiKey: 'TwelveDataApiKey',
  alertWebhookUrl: 'AlertWebhookUrl',
  slackWebhookUrl: 'SlackWebhookUrl',
} as const;

export function createSecrets(p: Platform) {
  return {
    twelveDataApiKey: new p.sst.Secret(SECRET_NAMES.twelveDataApiKey),
    // Webhooks are optional: an empty placeholder means "not configured".
    alertWebhookUrl: new p.sst.Secret(SECRET_NAMES.alertWebhookUrl, ''),
    slackWebhookUrl: new p.sst.Secret(SECRET_NAMES.slackWebhookUrl, ''),
  };
}

export type Secrets = ReturnType<typeof createSecrets>;
