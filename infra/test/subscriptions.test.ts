/**
 * Synth checks of the subscriptions and the schema registry. moto's API destinations send no
 * body and ignore retries, DLQ and auth, and moto has no schema registry: so this test proves
 * the resources per subscription (rule, API destination, connection, retry policy, DLQ, redrive
 * path, registry) from the recorded graph, and the stage rehearsal proves the routing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Subscription, type SubscriptionInput, subscriptionSchema } from '@ohlcv/core';
import { registryEntries, registrySchemaName } from '@ohlcv/events';
import { afterEach, describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../iam.ts';
import { deploy } from '../index.ts';
import type { Platform } from '../platform.ts';
import { ACCOUNT_ID, createRecorder, token } from '../recorder.ts';
import { stageConfig } from '../stages.ts';
import { assertLeastPrivilege, Graph, GraphAssertionError } from './assertions.ts';

const env = { OHLCV_AWS_REGION: 'eu-west-1' };
const root = process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'ohlcv-subs-synth-'));
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const declared: SubscriptionInput[] = [
  {
    name: 'critical-alerts',
    description: 'Critical alerts to the on-call webhook.',
    pattern: {
      source: ['ohlcv.quality-alert'],
      'detail-type': ['Alert Raised'],
      detail: { severity: ['critical'] },
    },
    endpoint: 'https://hooks.example.com/ohlcv/alerts',
    auth: { header: 'X-Api-Key', secret: 'AlertsHookKey' },
    retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeSeconds: 7200 },
    rateLimitPerSecond: 5,
  },
  {
    name: 'runs',
    pattern: {
      source: ['ohlcv.catalog-sync'],
      'detail-type': ['ETL Run Completed', 'Partitions Registered'],
    },
    endpoint: 'https://warehouse.example.com/ingest?team=data',
    // Shares the secret of the first: one SST secret, two connections.
    auth: { header: 'Authorization', secret: 'AlertsHookKey' },
  },
];

function synth(subs: unknown[], stage = 'dev'): Graph {
  const file = join(dir, `${stage}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ subscriptions: subs }));
  process.env.OHLCV_SUBSCRIPTIONS = file;
  const rec = createRecorder();
  const platform = {
    app: { name: 'ohlcv', stage },
    aws: rec.aws,
    sst: rec.sst,
    util: rec.util,
    accountId: ACCOUNT_ID,
    root,
  } as unknown as Platform;
  deploy(platform, stageConfig(stage, env));
  return new Graph(rec.resources);
}

const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new GraphAssertionError(what);
  return v;
};
const doc = (json: unknown): PolicyDocument => JSON.parse(String(json)) as PolicyDocument;

/** Everything one subscription needs on AWS; throws naming what is missing or wrong. */
function assertSubscription(g: Graph, s: Subscription, stage: string): void {
  const busName = token('aws.cloudwatch.EventBus', 'PipelineBus', 'name');
  const rule = need(
    g.ofType('aws.cloudwatch.EventRule').find((r) => r.args.name === `${stage}-sub-${s.name}`),
    `rule of ${s.name}`,
  );
  if (rule.args.eventBusName !== busName)
    throw new GraphAssertionError(`${s.name}: rule not on the pipeline bus`);
  expect(JSON.parse(rule.args.eventPattern)).toEqual(s.pattern);
  const target = need(
    g.ofType('aws.cloudwatch.EventTarget').find((t) => t.args.rule === g.ref(rule, 'name')),
    `target of ${s.name}`,
  );
  const dest = need(
    g.ofType('aws.cloudwatch.EventApiDestination').find((d) => g.ref(d, 'arn') === target.args.arn),
    `${s.name}: target is not an API destination`,
  );
  expect(dest.args).toMatchObject({
    invocationEndpoint: s.endpoint,
    httpMethod: 'POST',
    invocationRateLimitPerSecond: s.rateLimitPerSecond,
  });
  const connection = need(
    g.ofType('aws.cloudwatch.EventConnection').find((c) => g.ref(c, 'arn') === dest.args.connectionArn),
    `${s.name}: API destination without its connection`,
  );
  expect(connection.args.authorizationType).toBe('API_KEY');
  expect(connection.args.authParameters).toEqual({
    apiKey: { key: s.auth.header, value: token('sst.Secret', s.auth.secret, 'value') },
  });
  expect(target.args.eventBusName).toBe(busName);
  expect(target.args.httpTarget).toEqual({ headerParameters: { 'Idempotency-Key': '$.id' } });
  expect(target.args.retryPolicy).toEqual({
    maximumRetryAttempts: s.retryPolicy.maximumRetryAttempts,
    maximumEventAgeInSeconds: s.retryPolicy.maximumEventAgeSeconds,
  });
  const dlq = need(
    g.ofType('aws.sqs.Queue').find((q) => g.ref(q, 'arn') === target.args.deadLetterConfig?.arn),
    `${s.name}: target without a DLQ`,
  );
  expect(dlq.args.name).toBe(`${stage}-sub-${s.name}-dlq`);
  expect(dlq.args.sqsManagedSseEnabled).toBe(true);
  const dlqPolicy = need(
    g.ofType('aws.sqs.QueuePolicy').find((q) => q.args.queueUrl === g.ref(dlq, 'url')),
    `${s.name}: DLQ without a policy letting its rule dead-letter`,
  );
  expect(doc(dlqPolicy.args.policy).Statement).toEqual([
    expect.objectContaining({
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['sqs:SendMessage'],
      Resource: [g.ref(dlq, 'arn')],
      Condition: { ArnEquals: { 'aws:SourceArn': [g.ref(rule, 'arn')] } },
    }),
  ]);
  const role = need(
    g.ofType('aws.iam.Role').find((r) => g.ref(r, 'arn') === target.args.roleArn),
    `${s.name}: target without a role`,
  );
  expect(doc(role.args.assumeRolePolicy).Statement[0]?.Principal).toEqual({
    Service: 'events.amazonaws.com',
  });
  const rolePolicy = need(
    g.ofType('aws.iam.RolePolicy').find((r) => r.args.role === g.ref(role, 'id')),
    `${s.name}: invoke role without a policy`,
  );
  expect(doc(rolePolicy.args.policy).Statement).toEqual([
    { Effect: 'Allow', Action: ['events:InvokeApiDestination'], Resource: [g.ref(dest, 'arn')] },
  ]);

  // Redrive to this subscription only: DLQ -> redrive queue -> pipe -> the same API destination.
  const pipe = need(
    g.ofType('aws.pipes.Pipe').find((p) => p.args.target === g.ref(dest, 'arn')),
    `${s.name}: no redrive pipe into its API destination`,
  );
  const redriveQueue = need(
    g.ofType('aws.sqs.Queue').find((q) => g.ref(q, 'arn') === pipe.args.source),
    `${s.name}: redrive pipe without its queue`,
  );
  expect(JSON.parse(redriveQueue.args.redrivePolicy)).toEqual({
    deadLetterTargetArn: g.ref(dlq, 'arn'),
    maxReceiveCount: s.retryPolicy.maximumRetryAttempts + 1,
  });
  expect(pipe.args.targetParameters).toEqual({
    inputTemplate: '<$.body>',
    httpParameters: { headerParameters: { 'Idempotency-Key': '$.body.id' } },
  });
  const pipeRole = need(
    g.ofType('aws.iam.Role').find((r) => g.ref(r, 'arn') === pipe.args.roleArn),
    `${s.name}: pipe without a role`,
  );
  expect(doc(pipeRole.args.assumeRolePolicy).Statement[0]?.Principal).toEqual({
    Service: 'pipes.amazonaws.com',
  });
  const pipePolicy = need(
    g.ofType('aws.iam.RolePolicy').find((r) => r.args.role === g.ref(pipeRole, 'id')),
    `${s.name}: pipe role without a policy`,
  );
  expect(doc(pipePolicy.args.policy).Statement).toEqual([
    {
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      Resource: [g.ref(redriveQueue, 'arn')],
    },
    { Effect: 'Allow', Action: ['events:InvokeApiDestination'], Resource: [g.ref(dest, 'arn')] },
  ]);
  need(
    g.ofType('aws.cloudwatch.MetricAlarm').find((a) => a.args.dimensions?.QueueName === g.ref(dlq, 'name')),
    `${s.name}: DLQ without an alarm`,
  );
}

describe('subscriptions on AWS (synth)', () => {
  it('one rule on the pipeline bus + API destination + API-key connection + retry policy + DLQ + redrive pipe per subscription', () => {
    const g = synth(declared);
    for (const s of declared) assertSubscription(g, subscriptionSchema.parse(s), 'dev');
    // A shared secret is one SST secret.
    expect(g.ofType('sst.Secret').filter((r) => r.name === 'AlertsHookKey')).toHaveLength(1);
    // The wildcard check covers the new roles too.
    expect(assertLeastPrivilege(g)).toEqual(
      expect.arrayContaining(['SubCriticalAlertsInvokePolicy', 'SubRunsRedrivePipePolicy']),
    );
    // Nothing a subscription adds re-publishes to the bus: no PutEvents anywhere in its policies.
    const subPolicies = g.ofType('aws.iam.RolePolicy').filter((r) => r.name.startsWith('Sub'));
    expect(subPolicies.map((r) => r.args.policy).join()).not.toContain('events:PutEvents');
  });

  it('catches a missing DLQ, retry policy or redrive pipe (the check can fail)', () => {
    const g = synth(declared);
    const s = subscriptionSchema.parse(declared[0]);
    const noDlq = new Graph(
      g.resources.map((r) =>
        r.name === 'SubCriticalAlertsTarget' ? { ...r, args: { ...r.args, deadLetterConfig: undefined } } : r,
      ),
    );
    expect(() => assertSubscription(noDlq, s, 'dev')).toThrow('target without a DLQ');
    const noRetry = new Graph(
      g.resources.map((r) =>
        r.name === 'SubCriticalAlertsTarget' ? { ...r, args: { ...r.args, retryPolicy: undefined } } : r,
      ),
    );
    expect(() => assertSubscription(noRetry, s, 'dev')).toThrow();
    expect(() =>
      assertSubscription(
        g.without((r) => r.type === 'aws.pipes.Pipe'),
        s,
        'dev',
      ),
    ).toThrow('no redrive pipe');
  });

  it('the checked-in declaration synthesizes', () => {
    delete process.env.OHLCV_SUBSCRIPTIONS;
    const rec = createRecorder();
    deploy(
      {
        app: { name: 'ohlcv', stage: 'dev' },
        aws: rec.aws,
        sst: rec.sst,
        util: rec.util,
        accountId: ACCOUNT_ID,
        root,
      } as unknown as Platform,
      stageConfig('dev', env),
    );
    const subs = JSON.parse(readFileSync(join(root, 'subscriptions.json'), 'utf8'))
      .subscriptions as unknown[];
    expect(rec.resources.filter((r) => r.type === 'aws.cloudwatch.EventApiDestination')).toHaveLength(
      subs.length,
    );
  });

  it('refuses a loopback endpoint unless the AWS endpoint is an emulator on loopback (the stage rehearsal)', () => {
    const loop = { ...declared[1], endpoint: 'http://127.0.0.1:8787/hook' };
    delete process.env.AWS_ENDPOINT_URL;
    expect(() => synth([loop])).toThrow('is loopback; AWS API destinations need a public HTTPS endpoint');
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:5000';
    const g = synth([loop]);
    expect(g.ofType('aws.cloudwatch.EventApiDestination')[0]?.args.invocationEndpoint).toBe(loop.endpoint);
  });

  it("refuses a service's secret as a subscription's", () => {
    expect(() =>
      synth([{ ...declared[0], auth: { header: 'X-Api-Key', secret: 'TwelveDataApiKey' } }]),
    ).toThrow('belongs to a service');
  });

  it('an invalid declaration fails synth with the field named', () => {
    expect(() => synth([{ ...declared[0], endpoint: 'http://hooks.example.com/x' }])).toThrow(
      /subscriptions\[0\]\.endpoint: must be https/,
    );
  });
});

describe('EventBridge schema registry (synth)', () => {
  it('one registry per stage and one draft-4 schema per pipeline detail-type, content as checked in', () => {
    const g = synth([], 'production');
    const registries = g.ofType('aws.schemas.Registry');
    expect(registries.map((r) => r.args.name)).toEqual(['production-ohlcv-events']);
    const schemas = g.ofType('aws.schemas.Schema');
    expect(schemas.map((s) => s.args.name).sort()).toEqual(registryEntries().map(registrySchemaName).sort());
    expect(schemas).toHaveLength(8);
    for (const e of registryEntries()) {
      const s = schemas.find((x) => x.args.name === registrySchemaName(e));
      expect(s?.args.type).toBe('JSONSchemaDraft4');
      expect(s?.args.registryName).toBe(g.ref(registries[0]!, 'name'));
      expect(s?.args.content).toBe(
        readFileSync(join(root, 'events/schemas/registry', `${e.name}.json`), 'utf8'),
      );
      expect(JSON.parse(s?.args.content).$schema).toBe('http://json-schema.org/draft-04/schema#');
    }
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
