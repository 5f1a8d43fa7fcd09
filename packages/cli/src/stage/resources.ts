/**
 * A deployed stage's resource names: from the outputs `sst deploy` leaves in
 * `.sst/outputs.json` (what infra/index.ts's deploy() returns), else from infra's naming
 * convention (`<stage>-<name>`, database `ohlcv_<stage>`); `--bucket` / `--database`
 * override. SST names the bucket itself, so without outputs `--bucket` is needed.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetQueueUrlCommand, ListQueuesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { dlqName, type QueueName, queueNames, subscriptionDlqName } from '@ohlcv/core';
import { z } from 'zod';
import { UsageError } from '../command.ts';

/** What infra/index.ts's deploy() returns, as SST writes it to `.sst/outputs.json`. */
export const stageOutputsSchema = z.object({
  bucket: z.string().min(1),
  pipelineBus: z.string().min(1).optional(),
  etlJob: z.string().min(1),
  glueDatabase: z.string().min(1),
  athenaWorkgroup: z.string().min(1),
  queues: z.record(z.string(), z.string()).optional(),
  /** Per declared subscription (infra/subscriptions.ts): its DLQ's and redrive queue's ARNs. */
  subscriptions: z
    .record(z.string(), z.object({ dlq: z.string().min(1), redriveQueue: z.string().optional() }))
    .optional(),
});

export interface StageResources {
  stage: string;
  bucket: string;
  glueDatabase: string;
  athenaWorkgroup: string;
  etlJob: string;
  /** Subscription name → its DLQ's queue name, when the outputs list them. */
  subscriptionDlqs?: Record<string, string>;
  /** Where the names came from, for messages. */
  source: string;
}

/** infra's names for a stage (infra/iam.ts physicalName, infra/glue.ts glueDatabaseName). */
export const conventionalNames = (stage: string) => ({
  glueDatabase: `ohlcv_${stage.replace(/-/g, '_')}`,
  athenaWorkgroup: `${stage}-ohlcv`,
  etlJob: `${stage}-ohlcv-etl`,
  queue: (q: string) => `${stage}-${q}`,
});

export interface StageFlags {
  stage: string;
  bucket?: string;
  database?: string;
  outputs?: string;
}

export function stageResources(flags: StageFlags, cwd: string, env: NodeJS.ProcessEnv): StageResources {
  if (!/^[a-z][a-z0-9-]{0,20}$/.test(flags.stage)) {
    throw new UsageError(`--stage "${flags.stage}" is not a stage name (lowercase letters, digits, '-')`);
  }
  const names = conventionalNames(flags.stage);
  const file = resolve(cwd, flags.outputs ?? env.OHLCV_STAGE_OUTPUTS ?? join('.sst', 'outputs.json'));
  let outputs: z.infer<typeof stageOutputsSchema> | undefined;
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // no outputs: the convention (and --bucket) it is
  }
  if (text !== undefined) {
    const parsed = stageOutputsSchema.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new UsageError(`${file} is not this app's stage outputs: ${parsed.error.issues[0]?.message}`);
    // .sst/outputs.json holds the last deployed stage only: use it only when it is this one.
    if (parsed.data.glueDatabase === names.glueDatabase) outputs = parsed.data;
  }
  const bucket = flags.bucket ?? outputs?.bucket;
  if (!bucket) {
    throw new UsageError(
      `no outputs of stage ${flags.stage} in ${file}: run "npx sst deploy --stage ${flags.stage}" here, or pass --bucket`,
    );
  }
  return {
    stage: flags.stage,
    bucket,
    glueDatabase: flags.database ?? outputs?.glueDatabase ?? names.glueDatabase,
    athenaWorkgroup: outputs?.athenaWorkgroup ?? names.athenaWorkgroup,
    etlJob: outputs?.etlJob ?? names.etlJob,
    ...(outputs?.subscriptions
      ? {
          subscriptionDlqs: Object.fromEntries(
            Object.entries(outputs.subscriptions).map(([n, s]) => [
              n,
              s.dlq.slice(s.dlq.lastIndexOf(':') + 1),
            ]),
          ),
        }
      : {}),
    source: outputs ? file : 'naming convention',
  };
}

/**
 * The DLQs of the stage's subscriptions (infra/subscriptions.ts: `<stage>-sub-<name>-dlq`):
 * from the outputs when they list them, else found by that name (ListQueues), which cannot
 * tell this stage's from those of a stage named `<stage>-sub…`.
 */
export async function subscriptionDlqUrls(
  sqs: SQSClient,
  res: StageResources,
): Promise<{ subscription: string; dlq: string; url: string }[]> {
  const out: { subscription: string; dlq: string; url: string }[] = [];
  if (res.subscriptionDlqs) {
    for (const [subscription, dlq] of Object.entries(res.subscriptionDlqs).sort()) {
      const got = await sqs.send(new GetQueueUrlCommand({ QueueName: dlq }));
      if (!got.QueueUrl) throw new Error(`queue ${dlq} not found`);
      out.push({ subscription, dlq, url: got.QueueUrl });
    }
    return out;
  }
  // `sub-<name>-dlq` split around the name, so the convention is spelled once (core).
  const [head = '', tail = ''] = subscriptionDlqName('\u0000').split('\u0000');
  const prefix = `${res.stage}-${head}`;
  let NextToken: string | undefined;
  do {
    const page = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix, NextToken }));
    for (const url of page.QueueUrls ?? []) {
      const name = url.slice(url.lastIndexOf('/') + 1);
      const subscription = name.slice(prefix.length, name.length - tail.length);
      if (name.startsWith(prefix) && name.endsWith(tail) && subscription)
        out.push({ subscription, dlq: name, url });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out.sort((a, b) => (a.subscription < b.subscription ? -1 : 1));
}

export function queueArg(q: string | undefined): QueueName {
  if (!q || !(queueNames as string[]).includes(q)) {
    throw new UsageError(`unknown queue "${q ?? ''}"; queues: ${queueNames.join(', ')}`);
  }
  return q as QueueName;
}

/** The URLs of a queue and its DLQ, looked up by their stage names. */
export async function queueUrls(
  sqs: SQSClient,
  stage: string,
  q: QueueName,
): Promise<{ url: string; dlqUrl: string }> {
  const n = conventionalNames(stage);
  const url = async (name: string) => {
    const out = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!out.QueueUrl) throw new Error(`queue ${name} not found`);
    return out.QueueUrl;
  };
  return { url: await url(n.queue(q)), dlqUrl: await url(n.queue(dlqName(q))) };
}
