/** A generic JSON webhook: the alert as JSON, for PagerDuty-style receivers, n8n, custom endpoints. */
import type { Alert, Notifier } from '@ohlcv/core';
import { type PostOptions, postJson } from './http.ts';

export interface WebhookNotifierOptions extends PostOptions {
  url: string;
  name?: string;
}

export const webhookPayload = (alert: Alert) => ({
  source: 'ohlcv.quality-alert',
  alertId: alert.alertId,
  severity: alert.severity,
  kind: alert.kind,
  title: alert.title,
  message: alert.message,
  correlationId: alert.correlationId,
  context: alert.context,
});

export function webhookNotifier(opts: WebhookNotifierOptions): Notifier & { name: string } {
  const name = opts.name ?? 'webhook';
  return {
    name,
    notify: (alert) =>
      postJson(name, opts.url, webhookPayload(alert), {
        ...opts,
        // Lets a receiver drop a redelivered alert.
        headers: { 'idempotency-key': alert.alertId, ...opts.headers },
      }),
  };
}
