/**
 * Provisions a stage into an AWS API endpoint from the graph infra records (`recordStage`),
 * resource by resource, in dependency order. Every token of the graph (`${Type:name.prop}`)
 * is resolved to what the emulator answered. What the emulator cannot hold is listed in
 * `skipped` with the reason, never silently dropped.
 */
import { readFileSync } from 'node:fs';
import { CreateWorkGroupCommand } from '@aws-sdk/client-athena';
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateDatabaseCommand, CreateJobCommand, CreateTableCommand } from '@aws-sdk/client-glue';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SetTopicAttributesCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { PolicyDocument } from '@ohlcv/infra/iam';
import type { RecordedResource, RecordedStage } from '@ohlcv/infra/record-stage';
import type { AwsClients, Credentials, Endpoint } from './clients.ts';
import { widenForEmulator } from './policies.ts';

export interface QueueHandle {
  name: string;
  url: string;
  arn: string;
  dlqUrl: string;
  dlqArn: string;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
}

export interface FunctionHandle {
  service: string;
  functionName: string;
  /** Exactly the environment infra synthesizes for the function, tokens resolved. */
  environment: Record<string, string>;
  queue: QueueHandle;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  roleName: string;
  /** The role's policy as synthesized (tokens resolved), before any harness widening. */
  policy: PolicyDocument;
  credentials: Credentials;
}

export interface ProvisionedStage {
  stageName: string;
  region: string;
  accountId: string;
  bucket: string;
  pipelineBus: string;
  etlJobName: string;
  glueDatabase: string;
  athenaWorkgroup: string;
  queues: Record<string, QueueHandle>;
  functions: Record<string, FunctionHandle>;
  glueJob: { name: string; roleName: string; policy: PolicyDocument; credentials: Credentials };
  /** Rule name → its target input transformer, for the harness to render schedules itself. */
  schedules: {
    ruleName: string;
    queueUrl: string;
    inputPaths: Record<string, string>;
    inputTemplate: string;
  }[];
  skipped: string[];
}

export interface ProvisionOptions {
  endpoint: Endpoint;
  admin: AwsClients;
  /** Values for the SST secrets (`sst secret set` on a real stage). */
  secrets: Record<string, string>;
  /** Per resource name: policy statements removed (Sid), for the negative cases. */
  removeStatements?: Record<string, string[]>;
  /** A unique suffix for global names (bucket), so stages never collide on a shared endpoint. */
  suffix?: string;
  /** The endpoint's account (STS GetCallerIdentity); ARNs built by infra are moved into it. */
  accountId?: string;
}

const TOKEN = /\$\{([^:}]+):([^.}]+)\.([^}]+)\}/g;

export class TokenTable {
  private readonly values = new Map<string, string>();
  set(r: { type: string; name: string }, props: Record<string, string>): void {
    for (const [k, v] of Object.entries(props)) this.values.set(`${r.type}:${r.name}.${k}`, v);
  }
  resolve<T>(value: T): T {
    if (typeof value === 'string') {
      return value.replace(TOKEN, (whole, type, name, prop) => {
        const v = this.values.get(`${type}:${name}.${prop}`);
        if (v === undefined) throw new Error(`unresolved reference ${whole}: provisioned out of order?`);
        return v;
      }) as T;
    }
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)) as T;
    if (value && typeof value === 'object' && value.constructor === Object) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)])) as T;
    }
    return value;
  }
}

const nameOf = (token: string): { type: string; name: string } | undefined => {
  const m = /^\$\{([^:}]+):([^.}]+)\.[^}]+\}$/.exec(token);
  return m ? { type: m[1] as string, name: m[2] as string } : undefined;
};

/** Pulumi's camelCase bucket lifecycle rules → the S3 API's shape. */
function lifecycleRules(rules: Record<string, unknown>[]) {
  // biome-ignore lint/suspicious/noExplicitAny: recorded Pulumi args are untyped data.
  return rules.map((r: any) => ({
    ID: r.id,
    Status: r.status,
    Filter: r.filter?.prefix !== undefined ? { Prefix: r.filter.prefix } : { Prefix: '' },
    ...(r.transitions
      ? {
          Transitions: r.transitions.map((t: { days: number; storageClass: string }) => ({
            Days: t.days,
            StorageClass: t.storageClass,
          })),
        }
      : {}),
    ...(r.expiration ? { Expiration: { Days: r.expiration.days } } : {}),
    ...(r.noncurrentVersionExpiration
      ? { NoncurrentVersionExpiration: { NoncurrentDays: r.noncurrentVersionExpiration.noncurrentDays } }
      : {}),
    ...(r.abortIncompleteMultipartUpload
      ? {
          AbortIncompleteMultipartUpload: {
            DaysAfterInitiation: r.abortIncompleteMultipartUpload.daysAfterInitiation,
          },
        }
      : {}),
  }));
}

const without = (doc: PolicyDocument, sids: string[] | undefined): PolicyDocument =>
  sids?.length ? { ...doc, Statement: doc.Statement.filter((s) => !s.Sid || !sids.includes(s.Sid)) } : doc;

export async function provisionStage(rec: RecordedStage, opts: ProvisionOptions): Promise<ProvisionedStage> {
  const { admin } = opts;
  const t = new TokenTable();
  const g = rec.graph;
  const skipped: string[] = [];
  const stageName = rec.stage.stage;
  const region = opts.endpoint.region;
  const accountId = opts.accountId ?? rec.accountId;
  const arnFixup = (s: string) => s.replaceAll(`:${rec.accountId}:`, `:${accountId}:`);
  const all = (type: string) => g.ofType(type);
  const one = (type: string): RecordedResource => {
    const [r] = all(type);
    if (!r) throw new Error(`the graph has no ${type}`);
    return r;
  };

  // ---- S3 ---------------------------------------------------------------------------
  const bucketRes = one('aws.s3.Bucket');
  const bucket = `${stageName}-ohlcv-datalake-${opts.suffix ?? 'rehearsal'}`.slice(0, 63);
  await admin.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  t.set(bucketRes, { bucket, id: bucket, arn: `arn:aws:s3:::${bucket}` });
  for (const r of all('aws.s3.BucketVersioning'))
    await admin.s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: r.args.versioningConfiguration.status },
      }),
    );
  for (const r of all('aws.s3.BucketServerSideEncryptionConfiguration'))
    await admin.s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: r.args.rules.map(
            (x: {
              applyServerSideEncryptionByDefault: { sseAlgorithm: string };
              bucketKeyEnabled: boolean;
            }) => ({
              ApplyServerSideEncryptionByDefault: {
                SSEAlgorithm: x.applyServerSideEncryptionByDefault.sseAlgorithm,
              },
              BucketKeyEnabled: x.bucketKeyEnabled,
            }),
          ),
        },
      }),
    );
  for (const r of all('aws.s3.BucketPublicAccessBlock'))
    await admin.s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: r.args.blockPublicAcls,
          BlockPublicPolicy: r.args.blockPublicPolicy,
          IgnorePublicAcls: r.args.ignorePublicAcls,
          RestrictPublicBuckets: r.args.restrictPublicBuckets,
        },
      }),
    );
  for (const r of all('aws.s3.BucketLifecycleConfiguration'))
    await admin.s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: lifecycleRules(r.args.rules) as never },
      }),
    );
  for (const r of all('aws.s3.BucketPolicy'))
    skipped.push(
      `${r.name}: bucket policy not applied: its TLS-only Deny (aws:SecureTransport) would refuse the harness's plain-HTTP loopback calls; the synth test asserts it`,
    );
  for (const r of all('aws.s3.BucketOwnershipControls'))
    skipped.push(`${r.name}: ownership controls not applied (no ACLs are used anywhere)`);
  for (const r of all('aws.s3.BucketNotification'))
    skipped.push(
      `${r.name}: moto's own S3→EventBridge events are kept out (wrong field names, sent to every rule of every bus); the harness announces raw/ objects in AWS's documented shape instead`,
    );

  // ---- SNS --------------------------------------------------------------------------
  for (const r of all('aws.sns.Topic')) {
    const out = await admin.sns.send(new CreateTopicCommand({ Name: r.args.name }));
    t.set(r, { arn: out.TopicArn as string, name: r.args.name, id: out.TopicArn as string });
  }

  // ---- SQS: DLQs first, then queues with their redrive policy -------------------------
  const queueRes = all('aws.sqs.Queue');
  const created = new Map<string, { url: string; arn: string }>();
  const createQueue = async (r: RecordedResource) => {
    const a = t.resolve(r.args);
    const attrs: Record<string, string> = {};
    if (a.visibilityTimeoutSeconds !== undefined)
      attrs.VisibilityTimeout = String(a.visibilityTimeoutSeconds);
    if (a.messageRetentionSeconds !== undefined)
      attrs.MessageRetentionPeriod = String(a.messageRetentionSeconds);
    if (a.sqsManagedSseEnabled) attrs.SqsManagedSseEnabled = 'true';
    if (a.redrivePolicy) attrs.RedrivePolicy = arnFixup(a.redrivePolicy);
    const out = await admin.sqs.send(new CreateQueueCommand({ QueueName: a.name, Attributes: attrs }));
    const url = out.QueueUrl as string;
    const got = await admin.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    const arn = got.Attributes?.QueueArn as string;
    t.set(r, { url, arn, name: a.name, id: url });
    created.set(r.name, { url, arn });
  };
  for (const r of queueRes.filter((q) => !q.args.redrivePolicy)) await createQueue(r);
  for (const r of queueRes.filter((q) => q.args.redrivePolicy)) await createQueue(r);
  for (const r of all('aws.sqs.RedriveAllowPolicy')) {
    const a = t.resolve(r.args);
    await admin.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: a.queueUrl,
        Attributes: { RedriveAllowPolicy: arnFixup(a.redriveAllowPolicy) },
      }),
    );
  }

  // ---- EventBridge ------------------------------------------------------------------
  for (const r of all('aws.cloudwatch.EventBus')) {
    const out = await admin.events.send(new CreateEventBusCommand({ Name: r.args.name }));
    t.set(r, { name: r.args.name, arn: out.EventBusArn as string, id: r.args.name });
  }
  for (const r of all('aws.cloudwatch.EventArchive')) {
    const a = t.resolve(r.args);
    await admin.events.send(
      new CreateArchiveCommand({
        ArchiveName: a.name,
        EventSourceArn: a.eventSourceArn,
        RetentionDays: a.retentionDays,
        EventPattern: a.eventPattern,
      }),
    );
  }
  const rulesByName = new Map<string, RecordedResource>();
  for (const r of all('aws.cloudwatch.EventRule')) {
    const a = t.resolve(r.args);
    const out = await admin.events.send(
      new PutRuleCommand({
        Name: a.name,
        Description: a.description,
        EventBusName: a.eventBusName ?? 'default',
        ...(a.eventPattern ? { EventPattern: a.eventPattern } : {}),
        ...(a.scheduleExpression ? { ScheduleExpression: a.scheduleExpression } : {}),
      }),
    );
    t.set(r, { name: a.name, arn: out.RuleArn as string, id: a.name });
    rulesByName.set(a.name, r);
  }
  const schedules: ProvisionedStage['schedules'] = [];
  for (const r of all('aws.cloudwatch.EventTarget')) {
    const a = t.resolve(r.args);
    const rule = rulesByName.get(a.rule);
    if (a.arn.startsWith('arn:aws:sns:')) {
      skipped.push(
        `${r.name}: SNS target of ${a.rule} not provisioned (moto's EventBridge raises NotImplemented delivering to SNS, which would fail every PutEvents on the bus)`,
      );
      continue;
    }
    if (rule?.args.scheduleExpression && a.inputTransformer) {
      const queue = [...created.entries()].find(([, q]) => q.arn === a.arn)?.[1];
      if (queue)
        schedules.push({
          ruleName: a.rule,
          queueUrl: queue.url,
          inputPaths: a.inputTransformer.inputPaths,
          inputTemplate: a.inputTransformer.inputTemplate,
        });
    }
    await admin.events.send(
      new PutTargetsCommand({
        Rule: a.rule,
        EventBusName: a.eventBusName ?? 'default',
        Targets: [
          {
            Id: r.name.slice(0, 64),
            Arn: a.arn,
            ...(a.deadLetterConfig ? { DeadLetterConfig: { Arn: a.deadLetterConfig.arn } } : {}),
            ...(a.retryPolicy
              ? {
                  RetryPolicy: {
                    MaximumEventAgeInSeconds: a.retryPolicy.maximumEventAgeInSeconds,
                    MaximumRetryAttempts: a.retryPolicy.maximumRetryAttempts,
                  },
                }
              : {}),
            ...(a.inputTransformer
              ? {
                  InputTransformer: {
                    InputPathsMap: a.inputTransformer.inputPaths,
                    InputTemplate: a.inputTransformer.inputTemplate,
                  },
                }
              : {}),
          },
        ],
      }),
    );
  }
  for (const r of all('aws.sqs.QueuePolicy')) {
    const a = t.resolve(r.args);
    await admin.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: a.queueUrl, Attributes: { Policy: arnFixup(a.policy) } }),
    );
  }
  for (const r of all('aws.sns.TopicPolicy')) {
    const a = t.resolve(r.args);
    await admin.sns.send(
      new SetTopicAttributesCommand({
        TopicArn: a.arn,
        AttributeName: 'Policy',
        AttributeValue: arnFixup(a.policy),
      }),
    );
  }

  // ---- IAM: one role per function (and the Glue job), each with a worker principal ---
  const roles = new Map<string, { roleName: string; policy?: PolicyDocument; credentials?: Credentials }>();
  for (const r of all('aws.iam.Role')) {
    const a = t.resolve(r.args);
    const out = await admin.iam.send(
      new CreateRoleCommand({ RoleName: a.name, AssumeRolePolicyDocument: a.assumeRolePolicy }),
    );
    t.set(r, { arn: out.Role?.Arn as string, id: a.name, name: a.name });
    roles.set(r.name, { roleName: a.name });
  }
  for (const r of all('aws.iam.RolePolicy')) {
    const a = t.resolve(r.args);
    const role = [...roles.values()].find((x) => x.roleName === a.role);
    if (!role) throw new Error(`${r.name}: role ${a.role} not in the graph`);
    const synthesized = JSON.parse(arnFixup(a.policy)) as PolicyDocument;
    const policy = without(synthesized, opts.removeStatements?.[role.roleName]);
    await admin.iam.send(
      new PutRolePolicyCommand({
        RoleName: role.roleName,
        PolicyName: r.name,
        PolicyDocument: JSON.stringify(policy),
      }),
    );
    // The worker signs as an IAM user holding the same document (moto only trusts the
    // role's own service principal for AssumeRole), widened only where moto compares `*`.
    const user = `${role.roleName}-worker`;
    await admin.iam.send(new CreateUserCommand({ UserName: user }));
    await admin.iam.send(
      new PutUserPolicyCommand({
        UserName: user,
        PolicyName: r.name,
        PolicyDocument: JSON.stringify(widenForEmulator(policy)),
      }),
    );
    const key = await admin.iam.send(new CreateAccessKeyCommand({ UserName: user }));
    role.policy = policy;
    role.credentials = {
      accessKeyId: key.AccessKey?.AccessKeyId as string,
      secretAccessKey: key.AccessKey?.SecretAccessKey as string,
    };
  }

  // ---- Glue -------------------------------------------------------------------------
  for (const r of all('aws.glue.CatalogDatabase')) {
    await admin.glue.send(
      new CreateDatabaseCommand({ DatabaseInput: { Name: r.args.name, Description: r.args.description } }),
    );
    t.set(r, { name: r.args.name, id: r.args.name });
  }
  for (const r of all('aws.glue.CatalogTable')) {
    const a = t.resolve(r.args);
    const sd = a.storageDescriptor;
    await admin.glue.send(
      new CreateTableCommand({
        DatabaseName: a.databaseName,
        TableInput: {
          Name: a.name,
          Description: a.description,
          TableType: a.tableType,
          Parameters: a.parameters,
          StorageDescriptor: {
            Location: sd.location,
            InputFormat: sd.inputFormat,
            OutputFormat: sd.outputFormat,
            SerdeInfo: {
              SerializationLibrary: sd.serDeInfo.serializationLibrary,
              Parameters: sd.serDeInfo.parameters,
            },
            Columns: sd.columns.map((c: { name: string; type: string; comment?: string }) => ({
              Name: c.name,
              Type: c.type,
              Comment: c.comment,
            })),
          },
          PartitionKeys: a.partitionKeys.map((k: { name: string; type: string }) => ({
            Name: k.name,
            Type: k.type,
          })),
        },
      }),
    );
    t.set(r, { name: a.name, id: a.name });
  }
  for (const r of all('aws.s3.BucketObjectv2')) {
    const a = t.resolve(r.args);
    await admin.s3.send(
      new PutObjectCommand({ Bucket: a.bucket, Key: a.key, Body: readFileSync(a.source.path) }),
    );
  }
  const jobRes = one('aws.glue.Job');
  const job = t.resolve(jobRes.args);
  await admin.glue.send(
    new CreateJobCommand({
      Name: job.name,
      Description: job.description,
      Role: job.roleArn,
      GlueVersion: job.glueVersion,
      WorkerType: job.workerType,
      NumberOfWorkers: job.numberOfWorkers,
      Timeout: job.timeout,
      MaxRetries: job.maxRetries,
      ExecutionProperty: { MaxConcurrentRuns: job.executionProperty.maxConcurrentRuns },
      Command: {
        Name: job.command.name,
        PythonVersion: job.command.pythonVersion,
        ScriptLocation: job.command.scriptLocation,
      },
      DefaultArguments: job.defaultArguments,
    }),
  );
  t.set(jobRes, { name: job.name, id: job.name });
  for (const r of all('aws.glue.DataQualityRuleset'))
    skipped.push(
      `${r.name}: moto has no Glue Data Quality API (the rules run as SQL in the ETL run instead)`,
    );

  // ---- Athena, alarms, secrets ---------------------------------------------------------
  const wgRes = one('aws.athena.Workgroup');
  const wg = t.resolve(wgRes.args);
  await admin.athena.send(
    new CreateWorkGroupCommand({
      Name: wg.name,
      Description: wg.description,
      Configuration: {
        EnforceWorkGroupConfiguration: wg.configuration.enforceWorkgroupConfiguration,
        PublishCloudWatchMetricsEnabled: wg.configuration.publishCloudwatchMetricsEnabled,
        BytesScannedCutoffPerQuery: wg.configuration.bytesScannedCutoffPerQuery,
        ResultConfiguration: { OutputLocation: wg.configuration.resultConfiguration.outputLocation },
      },
    }),
  );
  t.set(wgRes, { name: wg.name, id: wg.name });
  for (const r of all('sst.Secret')) {
    const value = opts.secrets[r.name] ?? (typeof r.args === 'string' ? r.args : undefined);
    if (value === undefined) throw new Error(`secret ${r.name} has no value and no placeholder`);
    t.set(r, { value });
  }
  for (const r of all('sst.aws.Function')) {
    const a = r.args;
    t.set(r, { name: a.name, arn: `arn:aws:lambda:${region}:${accountId}:function:${a.name}` });
  }
  for (const r of all('aws.cloudwatch.MetricAlarm')) {
    const a = t.resolve(r.args);
    await admin.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: a.name,
        AlarmDescription: a.alarmDescription,
        Namespace: a.namespace,
        MetricName: a.metricName,
        Dimensions: Object.entries(a.dimensions ?? {}).map(([Name, Value]) => ({
          Name,
          Value: String(Value),
        })),
        Statistic: a.statistic,
        Period: a.period,
        EvaluationPeriods: a.evaluationPeriods,
        Threshold: a.threshold,
        ComparisonOperator: a.comparisonOperator,
        TreatMissingData: a.treatMissingData,
        AlarmActions: a.alarmActions,
        OKActions: a.okActions,
      }),
    );
  }

  // ---- functions and their event-source mappings ---------------------------------------
  const queues: Record<string, QueueHandle> = {};
  const queueByArn = new Map<string, QueueHandle>();
  for (const r of queueRes.filter((q) => q.args.redrivePolicy)) {
    const q = created.get(r.name) as { url: string; arn: string };
    const redrive = JSON.parse(arnFixup(t.resolve(r.args.redrivePolicy)));
    const dlq = [...created.values()].find((d) => d.arn === redrive.deadLetterTargetArn);
    if (!dlq) throw new Error(`${r.name}: DLQ not found`);
    const logical = String(r.args.name).slice(stageName.length + 1);
    const h: QueueHandle = {
      name: logical,
      url: q.url,
      arn: q.arn,
      dlqUrl: dlq.url,
      dlqArn: dlq.arn,
      maxReceiveCount: redrive.maxReceiveCount,
      visibilityTimeoutSeconds: r.args.visibilityTimeoutSeconds,
    };
    queues[logical] = h;
    queueByArn.set(q.arn, h);
  }
  const functions: Record<string, FunctionHandle> = {};
  for (const m of all('aws.lambda.EventSourceMapping')) {
    const fnRef = nameOf(m.args.functionName);
    const fn = fnRef && g.find(fnRef.type, fnRef.name);
    if (!fn) throw new Error(`${m.name}: function not in the graph`);
    const queue = queueByArn.get(t.resolve(m.args.eventSourceArn));
    if (!queue) throw new Error(`${m.name}: source queue not provisioned`);
    const roleRef = nameOf(fn.args.role);
    const role = roleRef && roles.get(roleRef.name);
    if (!role?.credentials || !role.policy) throw new Error(`${fn.name}: role has no policy`);
    const service = String(fn.args.environment.POWERTOOLS_SERVICE_NAME);
    functions[service] = {
      service,
      functionName: fn.args.name,
      environment: t.resolve(fn.args.environment),
      queue,
      batchSize: m.args.batchSize,
      maxBatchingWindowSeconds: m.args.maximumBatchingWindowInSeconds,
      roleName: role.roleName,
      policy: role.policy,
      credentials: role.credentials,
    };
  }
  const glueRoleRef = nameOf(jobRes.args.roleArn);
  const glueRole = glueRoleRef && roles.get(glueRoleRef.name);
  if (!glueRole?.credentials || !glueRole.policy) throw new Error('Glue job role has no policy');

  return {
    stageName,
    region,
    accountId,
    bucket,
    pipelineBus: t.resolve(String(rec.outputs.pipelineBus)),
    etlJobName: job.name,
    glueDatabase: t.resolve(rec.outputs.glueDatabase),
    athenaWorkgroup: wg.name,
    queues,
    functions,
    glueJob: {
      name: job.name,
      roleName: glueRole.roleName,
      policy: glueRole.policy,
      credentials: glueRole.credentials,
    },
    schedules,
    skipped,
  };
}
