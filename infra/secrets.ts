/**
 * SST secrets (`sst secret set NAME VALUE --stage X`). Each reaches only the function that
 * needs it, as an environment variable (encrypted at rest by Lambda).
 */
import { UNSET_SECRET } from '@ohlcv/core/unset-secret';
import type { Platform } from './platform.ts';

export const SECRET_NAMES = {
  twelveDataApiKey: 'TwelveDataApiKey',
  alertWebhookUrl: 'AlertWebhookUrl',
  slackWebhookUrl: 'SlackWebhookUrl',
} as const;

export function createSecrets(p: Platform) {
  return {
    // A placeholder lets the first deploy succeed; ingestion then says at cold start that the
    // key is not set (and how to set it) instead of calling Twelve Data with a bogus key.
    twelveDataApiKey: new p.sst.Secret(SECRET_NAMES.twelveDataApiKey, UNSET_SECRET),
    // Webhooks are optional: an empty placeholder means "not configured".
    alertWebhookUrl: new p.sst.Secret(SECRET_NAMES.alertWebhookUrl, ''),
    slackWebhookUrl: new p.sst.Secret(SECRET_NAMES.slackWebhookUrl, ''),
  };
}

export type Secrets = ReturnType<typeof createSecrets>;
