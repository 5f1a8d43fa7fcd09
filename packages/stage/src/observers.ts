/**
 * What the harness watches, outside the stage's own graph: a tap on the pipeline bus (a
 * harness-only rule and queue, so every `ohlcv.*` event is counted) and a webhook receiver on
 * loopback standing in for the alert endpoint (the AlertWebhookUrl secret points at it).
 */
import { createServer, type Server } from 'node:http';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { AwsClients } from './clients.ts';

export class PipelineTap {
  readonly events: { detailType: string; source: string; detail: Record<string, unknown> }[] = [];
  private constructor(
    private readonly admin: AwsClients,
    private readonly url: string,
  ) {}

  static async create(admin: AwsClients, busName: string, stage: string): Promise<PipelineTap> {
    const name = `${stage}-rehearsal-tap`;
    const q = await admin.sqs.send(new CreateQueueCommand({ QueueName: name }));
    const url = q.QueueUrl as string;
    const attrs = await admin.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    await admin.events.send(
      new PutRuleCommand({
        Name: name,
        EventBusName: busName,
        EventPattern: JSON.stringify({ source: [{ prefix: 'ohlcv.' }] }),
      }),
    );
    await admin.events.send(
      new PutTargetsCommand({
        Rule: name,
        EventBusName: busName,
        Targets: [{ Id: 'tap', Arn: attrs.Attributes?.QueueArn as string }],
      }),
    );
    return new PipelineTap(admin, url);
  }

  async drain(): Promise<number> {
    let n = 0;
    for (;;) {
      const out = await this.admin.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: this.url, MaxNumberOfMessages: 10 }),
      );
      const msgs = out.Messages ?? [];
      if (msgs.length === 0) return n;
      for (const m of msgs) {
        const e = JSON.parse(m.Body ?? '{}');
        this.events.push({ detailType: e['detail-type'], source: e.source, detail: e.detail ?? {} });
      }
      await this.admin.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.url,
          Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })),
        }),
      );
      n += msgs.length;
    }
  }

  count(detailType: string): number {
    return this.events.filter((e) => e.detailType === detailType).length;
  }
}

export interface WebhookReceiver {
  url: string;
  received: { body: unknown; headers: Record<string, string | string[] | undefined> }[];
  close(): Promise<void>;
}

export function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: WebhookReceiver['received'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      received.push({ body, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}/alerts`,
        received,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
