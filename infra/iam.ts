/**
 * Least-privilege policy builders and the wildcard check the synth test runs over every
 * policy the stage declares. Statements name exact resources; the few places where AWS
 * offers nothing narrower than `*` are listed in WILDCARD_EXCEPTIONS with the reason.
 */
import type { Input, Platform } from './platform.ts';

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource?: Input<string>[];
  Principal?: Record<string, string | string[]> | '*';
  Condition?: Record<string, Record<string, Input<string> | Input<string>[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

export const policyDocument = (statements: Statement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements,
});

export const assumeRolePolicy = (service: string): PolicyDocument =>
  policyDocument([
    {
      Effect: 'Allow',
      Principal: { Service: service },
      Action: ['sts:AssumeRole'],
    },
  ]);

/** Stage-scoped physical name: the topology's base names prefixed by the stage. */
export const physicalName = (p: Platform, base: string): string => `${p.app.stage}-${base}`;

/** ARN builders for resources referenced by name (partition `aws`). */
export const arn = {
  logGroup: (p: Platform, region: string, group: string) =>
    p.util.interpolate`arn:aws:logs:${region}:${p.accountId}:log-group:${group}:*`,
  glueCatalog: (p: Platform, region: string) =>
    p.util.interpolate`arn:aws:glue:${region}:${p.accountId}:catalog`,
  glueDatabase: (p: Platform, region: string, db: Input<string>) =>
    p.util.interpolate`arn:aws:glue:${region}:${p.accountId}:database/${db}`,
  glueTable: (p: Platform, region: string, db: Input<string>, table: string) =>
    p.util.interpolate`arn:aws:glue:${region}:${p.accountId}:table/${db}/${table}`,
  glueJob: (p: Platform, region: string, job: string) =>
    p.util.interpolate`arn:aws:glue:${region}:${p.accountId}:job/${job}`,
  glueRuleset: (p: Platform, region: string, ruleset: string) =>
    p.util.interpolate`arn:aws:glue:${region}:${p.accountId}:dataQualityRuleset/${ruleset}`,
  objects: (p: Platform, bucketArn: Input<string>, prefix: string) =>
    p.util.interpolate`${bucketArn}/${prefix}*`,
};

/** Actions and conditions that AWS does not scope by resource, each with why it is allowed. */
export const WILDCARD_EXCEPTIONS: readonly { action: string; reason: string }[] = [
  {
    action: 'xray:PutTraceSegments',
    reason: 'X-Ray has no resource-level permissions; needed for active tracing.',
  },
  {
    action: 'xray:PutTelemetryRecords',
    reason: 'X-Ray has no resource-level permissions; needed for active tracing.',
  },
  {
    action: 'cloudwatch:PutMetricData',
    reason:
      'CloudWatch metrics have no resource ARNs; narrowed by a cloudwatch:namespace condition (Glue job metrics).',
  },
];

const isWildcardAction = (action: string): boolean => action === '*' || action.endsWith(':*');

/**
 * Returns a description of each Allow statement that grants a wildcard action, or a `*`
 * resource for an action not in WILDCARD_EXCEPTIONS. Deny statements may be broad: they
 * only take away.
 */
export function wildcardViolations(doc: PolicyDocument, where: string): string[] {
  const found: string[] = [];
  for (const s of doc.Statement) {
    if (s.Effect !== 'Allow') continue;
    for (const action of s.Action) {
      if (isWildcardAction(action)) found.push(`${where}: wildcard action ${action}`);
    }
    const starResource = (s.Resource ?? []).some((r) => r === '*');
    if (!starResource) continue;
    for (const action of s.Action) {
      if (!WILDCARD_EXCEPTIONS.some((e) => e.action === action)) {
        found.push(`${where}: ${action} on resource *`);
      }
    }
  }
  return found;
}

/** Consume one SQS queue as a Lambda event source. */
export const consumeQueue = (queueArn: Input<string>): Statement => ({
  Sid: 'ConsumeOwnQueue',
  Effect: 'Allow',
  Action: [
    'sqs:ReceiveMessage',
    'sqs:DeleteMessage',
    'sqs:ChangeMessageVisibility',
    'sqs:GetQueueAttributes',
  ],
  Resource: [queueArn],
});

export const writeLogs = (logGroupArn: Input<string>): Statement => ({
  Sid: 'WriteOwnLogs',
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: [logGroupArn],
});

export const traceToXRay = (): Statement => ({
  Sid: 'ActiveTracing',
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: ['*'],
});

export const readObjects = (sid: string, objectArns: Input<string>[]): Statement => ({
  Sid: sid,
  Effect: 'Allow',
  Action: ['s3:GetObject'],
  Resource: objectArns,
});

export const writeObjects = (sid: string, objectArns: Input<string>[]): Statement => ({
  Sid: sid,
  Effect: 'Allow',
  Action: ['s3:PutObject'],
  Resource: objectArns,
});

export const putEvents = (busArn: Input<string>): Statement => ({
  Sid: 'PublishPipelineEvents',
  Effect: 'Allow',
  Action: ['events:PutEvents'],
  Resource: [busArn],
});

/**
 * s3:ListBucket on the bucket, conditioned on the prefixes a service reads. Without it S3
 * answers a GET/HEAD of a missing key with 403 instead of 404, so "not there yet" (an
 * idempotency marker, a cursor) could not be told from "not allowed".
 */
export const listPrefixes = (sid: string, bucketArn: Input<string>, prefixes: string[]): Statement => ({
  Sid: sid,
  Effect: 'Allow',
  Action: ['s3:ListBucket'],
  Resource: [bucketArn],
  Condition: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } },
});

export const readWriteObjects = (sid: string, objectArns: Input<string>[]): Statement => ({
  Sid: sid,
  Effect: 'Allow',
  Action: ['s3:GetObject', 's3:PutObject'],
  Resource: objectArns,
});
