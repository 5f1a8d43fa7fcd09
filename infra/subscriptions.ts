/**
 * Subscriptions on AWS, generated from the checked-in declaration (`subscriptions.json`, the
 * file the local runtime reads too), and the schema registry subscribers browse.
 *
 * Per subscription: a rule on the pipeline bus with its pattern; an API destination (POST to
 * the endpoint, the declared rate limit) behind a connection whose API-key header carries the
 * declared secret; the rule's target with the declared retry policy, the event id as
 * `Idempotency-Key` header (a JSON-path header parameter) and a DLQ; a role EventBridge assumes
 * to invoke the destination. No code of the subscriber's runs on our side.
 *
 * Redrive goes to that subscription only, never back through the bus (which would reach every
 * subscriber again): `aws sqs start-message-move-task` moves the DLQ's messages (EventBridge puts
 * the original event in the body) into the subscription's redrive queue, which an EventBridge
 * Pipe drains into the SAME API destination, with the same connection and idempotency header.
 * A redelivery that fails again returns to the DLQ through the redrive queue's own policy.
 */
import { readFileSync } from 'node:fs';
import {
  DLQ_RETENTION_SECONDS,
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_HEADER_PATH,
  isLoopbackEndpoint,
  parseSubscriptions,
  type Subscription,
  subscriptionDlqName,
  subscriptionsPath,
} from '@ohlcv/core';
import { REGISTRY_SCHEMA_TYPE, registryEntries, registrySchemaName, registrySchemaText } from '@ohlcv/events';
import type * as aws from '@pulumi/aws';
import type { Buses } from './buses.ts';
import { assumeRolePolicy, physicalName, policyDocument } from './iam.ts';
import type { Platform } from './platform.ts';
import { resourceId } from './queues.ts';
import { SECRET_NAMES } from './secrets.ts';

export const SCHEMA_REGISTRY = 'ohlcv-events';
/** Seconds a redriven message stays invisible while the pipe delivers it (5 s limit + margin). */
const REDRIVE_VISIBILITY_SECONDS = 30;

/** The declaration at the repository root (or `$OHLCV_SUBSCRIPTIONS`); none when the file is absent. */
export function readDeclaredSubscriptions(
  root: string,
  env: Record<string, string | undefined> = process.env,
): Subscription[] {
  const path = subscriptionsPath(env, root);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseSubscriptions(text, path);
}

/**
 * A loopback endpoint is reachable only from an emulator on the same machine (the stage
 * rehearsal): on AWS the API destination could never call it, so synth refuses it there.
 */
export const emulatorOnLoopback = (env: Record<string, string | undefined> = process.env): boolean => {
  const url = env.AWS_ENDPOINT_URL;
  if (!url) return false;
  try {
    return isLoopbackEndpoint(url);
  } catch {
    return false;
  }
};

export interface SubscriptionResources {
  rule: aws.cloudwatch.EventRule;
  apiDestination: aws.cloudwatch.EventApiDestination;
  dlq: aws.sqs.Queue;
  redriveQueue: aws.sqs.Queue;
}

export function createSchemaRegistry(p: Platform) {
  const registry = new p.aws.schemas.Registry('EventSchemaRegistry', {
    name: physicalName(p, SCHEMA_REGISTRY),
    description: 'Schemas of the ohlcv.* events on the pipeline bus (JSON Schema draft 4).',
  });
  for (const e of registryEntries()) {
    new p.aws.schemas.Schema(`${resourceId(e.name)}EventSchema`, {
      name: registrySchemaName(e),
      registryName: registry.name,
      type: REGISTRY_SCHEMA_TYPE,
      description: `"${e.detailType}" from ${e.source}.`,
      // The text of events/schemas/registry/<name>.json (the events tests keep that file equal to it).
      content: registrySchemaText(e),
    });
  }
  return registry;
}

export function createSubscriptions(
  p: Platform,
  buses: Buses,
  alarmTopic: aws.sns.Topic,
  subscriptions: readonly Subscription[] = readDeclaredSubscriptions(p.root),
  opts: { allowLoopback?: boolean } = {},
): Record<string, SubscriptionResources> {
  const { cloudwatch, sqs, iam, pipes } = p.aws;
  const allowLoopback = opts.allowLoopback ?? emulatorOnLoopback();
  const serviceSecrets = new Set<string>(Object.values(SECRET_NAMES));
  const secrets = new Map<string, ReturnType<typeof secretOf>>();
  const secretOf = (name: string) => new p.sst.Secret(name);
  const out: Record<string, SubscriptionResources> = {};

  for (const s of subscriptions) {
    if (serviceSecrets.has(s.auth.secret)) {
      // Reusing a service's secret would hand, say, the Twelve Data key to a subscriber.
      throw new Error(
        `subscription ${s.name}: secret ${s.auth.secret} belongs to a service; declare its own`,
      );
    }
    if (!allowLoopback && isLoopbackEndpoint(s.endpoint)) {
      throw new Error(
        `subscription ${s.name}: endpoint ${new URL(s.endpoint).origin} is loopback; AWS API destinations need a public HTTPS endpoint (loopback is for the local runtime and the stage rehearsal)`,
      );
    }
    const id = `Sub${resourceId(s.name)}`;
    const base = `sub-${s.name}`;
    let secret = secrets.get(s.auth.secret);
    if (!secret) {
      secret = secretOf(s.auth.secret);
      secrets.set(s.auth.secret, secret);
    }

    const connection = new cloudwatch.EventConnection(`${id}Connection`, {
      name: physicalName(p, base),
      description: `API-key header ${s.auth.header} for subscription ${s.name}.`,
      authorizationType: 'API_KEY',
      authParameters: { apiKey: { key: s.auth.header, value: secret.value } },
    });
    const apiDestination = new cloudwatch.EventApiDestination(`${id}ApiDestination`, {
      name: physicalName(p, base),
      description: s.description ?? `Subscription ${s.name}.`,
      connectionArn: connection.arn,
      invocationEndpoint: s.endpoint,
      httpMethod: 'POST',
      invocationRateLimitPerSecond: s.rateLimitPerSecond,
    });
    const dlq = new sqs.Queue(`${id}Dlq`, {
      name: physicalName(p, subscriptionDlqName(s.name)),
      messageRetentionSeconds: DLQ_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
    });
    const rule = new cloudwatch.EventRule(`${id}Rule`, {
      name: physicalName(p, base),
      description: s.description ?? `Subscription ${s.name}: matching pipeline events to its endpoint.`,
      eventBusName: buses.pipelineBus.name,
      eventPattern: JSON.stringify(s.pattern),
    });

    const invokeRole = new iam.Role(`${id}InvokeRole`, {
      name: physicalName(p, `${base}-invoke`),
      assumeRolePolicy: JSON.stringify(assumeRolePolicy('events.amazonaws.com')),
    });
    new iam.RolePolicy(`${id}InvokePolicy`, {
      role: invokeRole.id,
      policy: p.util.jsonStringify(
        policyDocument([
          { Effect: 'Allow', Action: ['events:InvokeApiDestination'], Resource: [apiDestination.arn] },
        ]),
      ),
    });
    new cloudwatch.EventTarget(`${id}Target`, {
      rule: rule.name,
      eventBusName: buses.pipelineBus.name,
      arn: apiDestination.arn,
      roleArn: invokeRole.arn,
      // The whole event is the body (no input transformer); its id is the idempotency key.
      httpTarget: { headerParameters: { [IDEMPOTENCY_HEADER]: IDEMPOTENCY_HEADER_PATH } },
      retryPolicy: {
        maximumRetryAttempts: s.retryPolicy.maximumRetryAttempts,
        maximumEventAgeInSeconds: s.retryPolicy.maximumEventAgeSeconds,
      },
      deadLetterConfig: { arn: dlq.arn },
    });
    new sqs.QueuePolicy(`${id}DlqPolicy`, {
      queueUrl: dlq.url,
      policy: p.util.jsonStringify(
        policyDocument([
          {
            Sid: 'AllowOwnRuleDeadLetters',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['sqs:SendMessage'],
            Resource: [dlq.arn],
            Condition: { ArnEquals: { 'aws:SourceArn': [rule.arn] } },
          },
        ]),
      ),
    });

    // Redrive: DLQ -> (start-message-move-task) -> redrive queue -> pipe -> the same API destination.
    const redriveQueue = new sqs.Queue(`${id}RedriveQueue`, {
      name: physicalName(p, `${base}-redrive`),
      visibilityTimeoutSeconds: REDRIVE_VISIBILITY_SECONDS,
      messageRetentionSeconds: DLQ_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
      redrivePolicy: p.util.jsonStringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: s.retryPolicy.maximumRetryAttempts + 1,
      }),
    });
    new sqs.RedriveAllowPolicy(`${id}DlqRedriveAllow`, {
      queueUrl: dlq.url,
      redriveAllowPolicy: p.util.jsonStringify({
        redrivePermission: 'byQueue',
        sourceQueueArns: [redriveQueue.arn],
      }),
    });
    const pipeRole = new iam.Role(`${id}RedrivePipeRole`, {
      name: physicalName(p, `${base}-redrive-pipe`),
      assumeRolePolicy: JSON.stringify(assumeRolePolicy('pipes.amazonaws.com')),
    });
    new iam.RolePolicy(`${id}RedrivePipePolicy`, {
      role: pipeRole.id,
      policy: p.util.jsonStringify(
        policyDocument([
          {
            Effect: 'Allow',
            Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
            Resource: [redriveQueue.arn],
          },
          { Effect: 'Allow', Action: ['events:InvokeApiDestination'], Resource: [apiDestination.arn] },
        ]),
      ),
    });
    new pipes.Pipe(`${id}RedrivePipe`, {
      name: physicalName(p, `${base}-redrive`),
      description: `Redrive of subscription ${s.name}: its DLQ's events to its own endpoint only.`,
      roleArn: pipeRole.arn,
      source: redriveQueue.arn,
      sourceParameters: { sqsQueueParameters: { batchSize: 1 } },
      target: apiDestination.arn,
      targetParameters: {
        // Pipes parse a JSON SQS body: the event goes out as it was, its id as the key again.
        inputTemplate: '<$.body>',
        httpParameters: { headerParameters: { [IDEMPOTENCY_HEADER]: '$.body.id' } },
      },
    });

    new cloudwatch.MetricAlarm(`${id}DlqNotEmpty`, {
      name: physicalName(p, `${subscriptionDlqName(s.name)}-not-empty`),
      alarmDescription: `Undeliverable events of subscription ${s.name}: fix the endpoint, then redrive.`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: dlq.name },
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: [alarmTopic.arn],
      okActions: [alarmTopic.arn],
    });
    out[s.name] = { rule, apiDestination, dlq, redriveQueue };
  }
  return out;
}
