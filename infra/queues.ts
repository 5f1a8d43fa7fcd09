/**
 * Queues, DLQs, rules, targets and queue policies, all generated from the shared topology:
 * a route added there appears here with no other edit.
 */
import type * as aws from '@pulumi/aws';
import type { Buses } from './buses.ts';
import { physicalName, policyDocument, type Statement } from './iam.ts';
import type { Input, Platform } from './platform.ts';
import type { InfraTopology } from './topology.ts';

export interface QueuePair {
  queue: aws.sqs.Queue;
  dlq: aws.sqs.Queue;
}

/** A rule allowed to send to a queue: the queue policy names exactly these rule ARNs. */
export interface QueueSender {
  queue: string;
  ruleArn: Input<string>;
}

export function createQueues(p: Platform, topology: InfraTopology) {
  const { sqs } = p.aws;
  const pairs: Record<string, QueuePair> = {};
  for (const [name, spec] of Object.entries(topology.queues)) {
    const id = resourceId(name);
    const dlq = new sqs.Queue(`${id}Dlq`, {
      name: physicalName(p, topology.dlqName(name)),
      messageRetentionSeconds: topology.dlqRetentionSeconds,
      sqsManagedSseEnabled: true,
    });
    const queue = new sqs.Queue(`${id}Queue`, {
      name: physicalName(p, name),
      visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds,
      messageRetentionSeconds: spec.retentionSeconds,
      sqsManagedSseEnabled: true,
      redrivePolicy: p.util.jsonStringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: spec.maxReceiveCount,
      }),
    });
    // Only the source queue may redrive from its DLQ (the `dlq redrive` verb on AWS).
    new sqs.RedriveAllowPolicy(`${id}DlqRedriveAllow`, {
      queueUrl: dlq.url,
      redriveAllowPolicy: p.util.jsonStringify({
        redrivePermission: 'byQueue',
        sourceQueueArns: [queue.arn],
      }),
    });
    pairs[name] = { queue, dlq };
  }
  return pairs;
}

export function createRules(
  p: Platform,
  topology: InfraTopology,
  buses: Buses,
  pairs: Record<string, QueuePair>,
  bucketName: Input<string>,
  etlJobName: string,
): QueueSender[] {
  const { cloudwatch } = p.aws;
  const senders: QueueSender[] = [];
  for (const rule of topology.rules) {
    const target = pairs[rule.target];
    if (!target) throw new Error(`rule ${rule.name} targets unknown queue ${rule.target}`);
    const id = resourceId(rule.name);
    const eventBusName = rule.bus === 'default' ? 'default' : buses.pipelineBus.name;
    const eventRule = new cloudwatch.EventRule(`${id}Rule`, {
      name: physicalName(p, rule.name),
      description: rule.description,
      eventBusName,
      eventPattern: p.util
        .output(bucketName)
        .apply((name) => JSON.stringify(rule.pattern({ bucketName: name, etlJobName }))),
    });
    new cloudwatch.EventTarget(`${id}Target`, {
      rule: eventRule.name,
      eventBusName,
      arn: target.queue.arn,
      // Undeliverable events (e.g. policy missing) land in the target's DLQ, not nowhere.
      deadLetterConfig: { arn: target.dlq.arn },
      retryPolicy: { maximumEventAgeInSeconds: 24 * 3600, maximumRetryAttempts: 185 },
    });
    senders.push({ queue: rule.target, ruleArn: eventRule.arn });
  }
  return senders;
}

/**
 * One policy per queue (SQS allows one): EventBridge may send only when the source is one
 * of the rules routed to that queue. The DLQ accepts EventBridge's dead letters from them.
 */
export function createQueuePolicies(p: Platform, pairs: Record<string, QueuePair>, senders: QueueSender[]) {
  for (const [name, pair] of Object.entries(pairs)) {
    const ruleArns = senders.filter((s) => s.queue === name).map((s) => s.ruleArn);
    if (ruleArns.length === 0) continue;
    const id = resourceId(name);
    const allowRules = (sid: string, queueArn: Input<string>): Statement => ({
      Sid: sid,
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['sqs:SendMessage'],
      Resource: [queueArn],
      Condition: { ArnEquals: { 'aws:SourceArn': ruleArns } },
    });
    new p.aws.sqs.QueuePolicy(`${id}QueuePolicy`, {
      queueUrl: pair.queue.url,
      policy: p.util.jsonStringify(policyDocument([allowRules('AllowOwnRules', pair.queue.arn)])),
    });
    new p.aws.sqs.QueuePolicy(`${id}DlqPolicy`, {
      queueUrl: pair.dlq.url,
      policy: p.util.jsonStringify(policyDocument([allowRules('AllowOwnRulesDeadLetters', pair.dlq.arn)])),
    });
  }
}

/** `etl-trigger` → `EtlTrigger`: Pulumi logical names stay stable and readable. */
export const resourceId = (name: string): string =>
  name
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join('');
