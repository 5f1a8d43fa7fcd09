/** Slack incoming webhook: a Block Kit message with a plain-text fallback. */
import type { Alert, Notifier } from '@ohlcv/core';
import { type PostOptions, postJson } from './http.ts';

export interface SlackNotifierOptions extends PostOptions {
  url: string;
}

const icon: Record<Alert['severity'], string> = {
  critical: ':rotating_light:',
  warning: ':warning:',
  info: ':information_source:',
};

/** Slack mrkdwn treats `&`, `<`, `>` as control characters. */
export const escapeMrkdwn = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const contextFields = (context: Record<string, unknown>) =>
  Object.entries(context)
    .filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
    .slice(0, 10) // Slack allows at most 10 fields in a section.
    .map(([k, v]) => ({
      type: 'mrkdwn',
      text: `*${escapeMrkdwn(k)}*\n${escapeMrkdwn(String(v)).slice(0, 200)}`,
    }));

export function slackPayload(alert: Alert) {
  const fields = contextFields(alert.context);
  return {
    text: `${icon[alert.severity]} [${alert.severity}] ${alert.title}`,
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: `${alert.severity.toUpperCase()}: ${alert.title}`.slice(0, 150),
          emoji: true,
        },
      },
      { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(alert.message).slice(0, 3000) || ' ' } },
      ...(fields.length > 0 ? [{ type: 'section', fields }] : []),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${alert.kind} · alert \`${alert.alertId}\` · correlation \`${escapeMrkdwn(alert.correlationId)}\``,
          },
        ],
      },
    ],
  };
}

export function slackNotifier(opts: SlackNotifierOptions): Notifier & { name: string } {
  return { name: 'slack', notify: (alert) => postJson('slack', opts.url, slackPayload(alert), opts) };
}
