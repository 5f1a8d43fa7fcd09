/** The webhook and Slack notifiers against a real HTTP server on loopback, through Node's fetch. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert } from '@ohlcv/core';
import { memoryLogger } from '@ohlcv/core/contracts/in-memory';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { slackNotifier } from './slack.ts';
import { webhookNotifier } from './webhook.ts';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

const alert: Alert = {
  alertId: 'al-123',
  severity: 'critical',
  kind: 'job-failed',
  title: 'ETL job ohlcv-etl FAILED',
  message: 'Job run jr_1 ended FAILED: <OutOfMemory> & more',
  correlationId: 'corr-1',
  context: { jobName: 'ohlcv-etl', jobRunId: 'jr_1', nested: { skipped: true } },
};

describe('notifiers over loopback HTTP', () => {
  let server: Server;
  let base = '';
  const received: Received[] = [];
  /** Status codes the server answers, in order; 200 once exhausted. */
  let script: (number | 'hang')[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => {
        data += c.toString('utf8');
      });
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(data || 'null') });
        const next = script.shift() ?? 200;
        if (next === 'hang') return; // never answers: the client's timeout must fire
        res.writeHead(next, { 'content-type': 'text/plain' }).end(next === 200 ? 'ok' : 'busy');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    received.length = 0;
    script = [];
  });

  it('the webhook notifier posts the alert as JSON with an idempotency key', async () => {
    await webhookNotifier({ url: `${base}/hooks/generic-secret` }).notify(alert);
    expect(received).toHaveLength(1);
    expect(received[0]?.path).toBe('/hooks/generic-secret');
    expect(received[0]?.headers['content-type']).toBe('application/json');
    expect(received[0]?.headers['idempotency-key']).toBe('al-123');
    expect(received[0]?.body).toEqual({
      source: 'ohlcv.quality-alert',
      alertId: 'al-123',
      severity: 'critical',
      kind: 'job-failed',
      title: 'ETL job ohlcv-etl FAILED',
      message: 'Job run jr_1 ended FAILED: <OutOfMemory> & more',
      correlationId: 'corr-1',
      context: { jobName: 'ohlcv-etl', jobRunId: 'jr_1', nested: { skipped: true } },
    });
  });

  it('the Slack notifier posts Block Kit with escaped mrkdwn and a text fallback', async () => {
    await slackNotifier({ url: `${base}/services/T0/B0/xyz` }).notify(alert);
    const body = received[0]?.body as {
      text: string;
      blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[];
    };
    expect(body.text).toBe(':rotating_light: [critical] ETL job ohlcv-etl FAILED');
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(body.blocks[0]?.text?.text).toBe('CRITICAL: ETL job ohlcv-etl FAILED');
    expect(body.blocks[1]?.text?.text).toBe('Job run jr_1 ended FAILED: &lt;OutOfMemory&gt; &amp; more');
    expect(body.blocks[2]?.fields?.map((f) => f.text)).toEqual(['*jobName*\nohlcv-etl', '*jobRunId*\njr_1']);
  });

  it('retries a 503 then delivers; logs only the redacted URL', async () => {
    script = [503, 503];
    const logger = memoryLogger();
    await slackNotifier({ url: `${base}/services/T0/B0/topsecret`, backoffMs: 5, logger }).notify(alert);
    expect(received).toHaveLength(3);
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines[0]?.extra).toMatchObject({ target: `${base}/***`, problem: 'HTTP 503 busy' });
    expect(JSON.stringify(logger.lines)).not.toContain('topsecret');
  });

  it('times out a server that never answers, within the bounded retries', async () => {
    script = ['hang', 'hang'];
    const err = await webhookNotifier({
      url: `${base}/hooks/s3cret`,
      timeoutMs: 150,
      retries: 1,
      backoffMs: 10,
    })
      .notify(alert)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'WebhookFailed', retryable: true });
    expect((err as Error).message).toContain('timed out after 150 ms');
    expect((err as Error).message).not.toContain('s3cret');
    // Without the timeout a hanging server would hold the test until vitest's own timeout.
    expect(received).toHaveLength(2);
  });
});
