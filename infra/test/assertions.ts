/**
 * Reusable checks over a recorded resource graph. Each throws with what is missing, so the
 * broken-topology tests can show that removing a route, a policy or a DLQ is caught.
 */

import { Graph } from '../graph.ts';
import { type PolicyDocument, wildcardViolations } from '../iam.ts';
import { resourceId } from '../queues.ts';
import type { RecordedResource } from '../recorder.ts';
import type { StageConfig } from '../stages.ts';
import type { InfraTopology } from '../topology.ts';

export { Graph };

export class GraphAssertionError extends Error {}

const fail = (message: string): never => {
  throw new GraphAssertionError(message);
};

const parse = (json: unknown): PolicyDocument => JSON.parse(String(json)) as PolicyDocument;

/** Every topology queue: queue, DLQ, redrive policy, DLQ alarm, and its service's mapping. */
export function assertQueues(g: Graph, topology: InfraTopology): void {
  for (const [name, spec] of Object.entries(topology.queues)) {
    const id = resourceId(name);
    const queue = g.find('aws.sqs.Queue', `${id}Queue`) ?? fail(`queue ${name} missing`);
    const dlq = g.find('aws.sqs.Queue', `${id}Dlq`) ?? fail(`DLQ of ${name} missing`);
    if (!String(dlq.args.name).endsWith(topology.dlqName(name))) fail(`DLQ of ${name} misnamed`);
    if (!queue.args.redrivePolicy) fail(`queue ${name} has no redrive policy`);
    const redrive = JSON.parse(queue.args.redrivePolicy);
    if (redrive.deadLetterTargetArn !== g.ref(dlq, 'arn')) fail(`queue ${name} redrives elsewhere`);
    if (redrive.maxReceiveCount !== spec.maxReceiveCount) fail(`queue ${name}: maxReceiveCount`);
    if (queue.args.visibilityTimeoutSeconds !== spec.visibilityTimeoutSeconds)
      fail(`queue ${name}: visibility timeout`);
    if (queue.args.messageRetentionSeconds !== spec.retentionSeconds) fail(`queue ${name}: retention`);
    if (!queue.args.sqsManagedSseEnabled || !dlq.args.sqsManagedSseEnabled)
      fail(`queue ${name}: not encrypted`);

    const dlqAlarm = g
      .ofType('aws.cloudwatch.MetricAlarm')
      .find((a) => a.args.dimensions?.QueueName === g.ref(dlq, 'name'));
    if (dlqAlarm?.args.threshold !== 0 || dlqAlarm?.args.comparisonOperator !== 'GreaterThanThreshold')
      fail(`DLQ of ${name} has no "visible messages > 0" alarm`);

    const consumers = Object.entries(topology.services).filter(([, s]) => s.queue === name);
    if (consumers.length === 0) fail(`queue ${name} has no consuming service`);
    for (const [service] of consumers) {
      const fn =
        g.find('sst.aws.Function', `${resourceId(service)}Function`) ?? fail(`function ${service} missing`);
      const esm =
        g
          .ofType('aws.lambda.EventSourceMapping')
          .find(
            (m) => m.args.eventSourceArn === g.ref(queue, 'arn') && m.args.functionName === g.ref(fn, 'arn'),
          ) ?? fail(`no event-source mapping from ${name} to ${service}`);
      if (!esm.args.functionResponseTypes?.includes('ReportBatchItemFailures'))
        fail(`mapping ${name} → ${service} lacks ReportBatchItemFailures`);
      if (esm.args.batchSize !== spec.batchSize) fail(`mapping ${name}: batch size`);
      if (esm.args.maximumBatchingWindowInSeconds !== spec.maxBatchingWindowSeconds)
        fail(`mapping ${name}: batching window`);
      // Constraints AWS enforces only at deploy time.
      if (esm.args.batchSize > 10 && esm.args.maximumBatchingWindowInSeconds < 1)
        fail(`mapping ${name}: a batch over 10 needs a batching window of at least 1 s`);
      const timeout = Number.parseInt(String(fn.args.timeout), 10);
      if (queue.args.visibilityTimeoutSeconds < timeout)
        fail(`queue ${name}: visibility timeout below ${service}'s timeout`);
    }
  }
}

/**
 * Every topology rule: an EventRule with the topology's pattern on the right bus, a target
 * on its queue, and that queue's policy letting exactly the rules routed to it send.
 */
export function assertRules(
  g: Graph,
  topology: InfraTopology,
  ctx: { bucketName: string; etlJobName: string; pipelineBusName: string },
): void {
  // No queue policy lets anything but a declared rule send...
  for (const policy of g.ofType('aws.sqs.QueuePolicy')) {
    for (const s of parse(policy.args.policy).Statement) {
      const sources = s.Condition?.ArnEquals?.['aws:SourceArn'];
      const known = g.ofType('aws.cloudwatch.EventRule').map((rule) => g.ref(rule, 'arn'));
      if (s.Effect !== 'Allow') continue;
      if (!Array.isArray(sources) || sources.length === 0)
        fail(`queue policy ${policy.name} allows without a source-ARN condition`);
      for (const src of sources as string[]) {
        if (!known.includes(src)) fail(`queue policy ${policy.name} allows unknown source ${src}`);
      }
      if (JSON.stringify(s.Action) !== '["sqs:SendMessage"]') fail(`queue policy ${policy.name}: actions`);
      if (JSON.stringify(s.Principal) !== '{"Service":"events.amazonaws.com"}')
        fail(`queue policy ${policy.name}: principal`);
    }
  }
  // ... and each topology rule is routed and allowed.
  for (const rule of topology.rules) {
    const id = resourceId(rule.name);
    const r = g.find('aws.cloudwatch.EventRule', `${id}Rule`) ?? fail(`rule ${rule.name} missing`);
    if (r.args.eventPattern !== JSON.stringify(rule.pattern(ctx))) fail(`rule ${rule.name}: pattern differs`);
    const bus = rule.bus === 'default' ? 'default' : ctx.pipelineBusName;
    if (r.args.eventBusName !== bus) fail(`rule ${rule.name}: on bus ${r.args.eventBusName}, want ${bus}`);
    const queue =
      g.find('aws.sqs.Queue', `${resourceId(rule.target)}Queue`) ?? fail(`queue ${rule.target} missing`);
    const target = g
      .ofType('aws.cloudwatch.EventTarget')
      .find((t) => t.args.rule === g.ref(r, 'name') && t.args.arn === g.ref(queue, 'arn'));
    if (!target) fail(`rule ${rule.name} has no target on queue ${rule.target}`);
    const allowed = queuePolicySources(g, g.ref(queue, 'url'), g.ref(queue, 'arn'));
    if (!allowed.includes(g.ref(r, 'arn')))
      fail(`queue ${rule.target}'s policy does not let ${rule.name} send`);
  }
}

function queuePolicySources(g: Graph, queueUrl: string, queueArn: string): string[] {
  const policy = g.ofType('aws.sqs.QueuePolicy').find((p) => p.args.queueUrl === queueUrl);
  if (!policy) return [];
  return parse(policy.args.policy)
    .Statement.filter((s) => s.Effect === 'Allow' && s.Resource?.includes(queueArn))
    .flatMap((s) => (s.Condition?.ArnEquals?.['aws:SourceArn'] as string[] | undefined) ?? []);
}

/** The lake bucket: private, encrypted, TLS-only, versioned, EventBridge on, lifecycle. */
export function assertBucket(g: Graph): void {
  const buckets = g.ofType('aws.s3.Bucket');
  if (buckets.length !== 1) fail(`expected one bucket, found ${buckets.length}`);
  const b = buckets[0] as RecordedResource;
  const id = g.ref(b, 'id');
  const on = (type: string) => g.ofType(type).find((r) => r.args.bucket === id) ?? fail(`${type} missing`);
  const pab = on('aws.s3.BucketPublicAccessBlock');
  for (const k of ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'])
    if (pab.args[k] !== true) fail(`public access: ${k} not true`);
  const sse = on('aws.s3.BucketServerSideEncryptionConfiguration');
  if (!sse.args.rules?.[0]?.applyServerSideEncryptionByDefault?.sseAlgorithm) fail('no default encryption');
  if (on('aws.s3.BucketVersioning').args.versioningConfiguration?.status !== 'Enabled')
    fail('versioning off');
  if (on('aws.s3.BucketNotification').args.eventbridge !== true) fail('EventBridge notifications off');
  const policy = parse(on('aws.s3.BucketPolicy').args.policy);
  const tls = policy.Statement.find(
    (s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
  );
  if (!tls) fail('bucket policy does not deny non-TLS access');
  const arn = g.ref(b, 'arn');
  if (!tls?.Resource?.includes(arn) || !tls.Resource.includes(`${arn}/*`))
    fail('TLS deny does not cover bucket and objects');
  const rules = on('aws.s3.BucketLifecycleConfiguration').args.rules as {
    filter?: { prefix?: string };
    expiration?: unknown;
    transitions?: unknown[];
  }[];
  const raw = rules.find((r) => r.filter?.prefix === 'raw/') ?? fail('no lifecycle rule for raw/');
  if (raw.expiration) fail('raw/ objects must never expire');
  if (!raw.transitions?.length) fail('raw/ objects are not tiered');
  const results = rules.find((r) => r.filter?.prefix === 'athena-results/');
  if (!results?.expiration) fail('Athena results never expire');
}

/** No policy grants a wildcard it does not need; functions bring their own narrow role. */
export function assertLeastPrivilege(g: Graph): string[] {
  const violations = g
    .ofType('aws.iam.RolePolicy')
    .flatMap((p) => wildcardViolations(parse(p.args.policy), p.name));
  if (violations.length) fail(`wildcards:\n${violations.join('\n')}`);
  for (const fn of g.ofType('sst.aws.Function')) {
    if (!fn.args.role) fail(`${fn.name} has no explicit role: SST would create a broader one`);
    if (fn.args.permissions || fn.args.link) fail(`${fn.name} adds permissions outside its role policy`);
  }
  const glue = g.find('aws.iam.RolePolicy', 'GlueJobPolicy') ?? fail('Glue job policy missing');
  const written = parse(glue.args.policy)
    .Statement.filter((s) => s.Action.some((a) => a === 's3:PutObject' || a === 's3:DeleteObject'))
    .flatMap((s) => s.Resource ?? [])
    .map((r) => String(r).replace(/^.*\.arn\}\//, ''))
    .sort();
  if (JSON.stringify(written) !== JSON.stringify(['_runs/*', 'processed/*', 'quarantine/*']))
    fail(`Glue job writes ${written.join(', ')}`);
  return g.ofType('aws.iam.RolePolicy').map((p) => p.name);
}

/** Functions: Node 22, arm64, tracing, Powertools env, handler and sizing from the topology. */
export function assertFunctions(g: Graph, topology: InfraTopology, stage: StageConfig): void {
  for (const [name, svc] of Object.entries(topology.services)) {
    const fn = g.find('sst.aws.Function', `${resourceId(name)}Function`) ?? fail(`function ${name} missing`);
    const a = fn.args;
    if (a.runtime !== 'nodejs22.x' || a.architecture !== 'arm64') fail(`${name}: runtime/architecture`);
    if (a.name !== `${stage.stage}-${name}`) fail(`${name}: physical name ${a.name}`);
    if (a.handler !== `services/${name}/src/lambda.handler`) fail(`${name}: handler ${a.handler}`);
    if (a.memory !== `${svc.memoryMB} MB` || a.timeout !== `${svc.timeoutSeconds} seconds`)
      fail(`${name}: sizing`);
    if (a.transform?.function?.tracingConfig?.mode !== 'Active') fail(`${name}: tracing not active`);
    const role = g.find('aws.iam.Role', `${resourceId(name)}Role`) ?? fail(`${name}: role missing`);
    if (a.role !== g.ref(role, 'arn')) fail(`${name}: not running as its own role`);
    const policy =
      g.find('aws.iam.RolePolicy', `${resourceId(name)}Policy`) ?? fail(`${name}: policy missing`);
    const logs = parse(policy.args.policy).Statement.find((s) => s.Action.includes('logs:PutLogEvents'));
    if (!logs?.Resource?.some((r) => String(r).endsWith(`:log-group:/aws/lambda/${a.name}:*`)))
      fail(`${name}: may not write to its own log group`);
    const env = a.environment ?? {};
    if (
      env.POWERTOOLS_SERVICE_NAME !== name ||
      env.POWERTOOLS_LOG_LEVEL !== stage.logLevel ||
      !env.POWERTOOLS_METRICS_NAMESPACE
    )
      fail(`${name}: Powertools environment`);
    for (const k of ['BUCKET_NAME', 'PIPELINE_BUS_NAME', 'ETL_JOB_NAME', 'QUARANTINE_THRESHOLD'])
      if (env[k] === undefined) fail(`${name}: ${k} not set`);
  }
}

/** Production stages keep their data: retain + protect, and no force-destroy anywhere. */
export function assertRetention(
  g: Graph,
  app: { removal?: string; protect?: boolean },
  stage: StageConfig,
): void {
  if (stage.production) {
    if (app.removal !== 'retain' || app.protect !== true) fail(`${stage.stage}: not retain + protect`);
    const destroyable = g.resources.filter((r) => r.args?.forceDestroy === true).map((r) => r.name);
    if (destroyable.length) fail(`${stage.stage}: forceDestroy on ${destroyable.join(', ')}`);
  } else if (app.removal !== 'remove' || app.protect) {
    fail(`${stage.stage}: a non-production stage should be removable`);
  }
}

/** Log groups AWS creates itself (Glue's), which no resource of the graph declares. */
const AWS_MANAGED_LOG_GROUPS = ['/aws-glue/jobs/output', '/aws-glue/jobs/error', '/aws-glue/jobs/logs-v2'];

/**
 * Every resource a policy names exists in the graph: a token must reference a recorded
 * resource, an ARN built from a name must name a declared job, table, database, ruleset or
 * function log group. A typo in a name would otherwise grant nothing, silently.
 */
export function assertPolicyResourcesExist(g: Graph, stage: StageConfig): void {
  const names = (type: string) => new Set(g.ofType(type).map((r) => String(r.args?.name)));
  const jobs = names('aws.glue.Job');
  const databases = names('aws.glue.CatalogDatabase');
  const rulesets = names('aws.glue.DataQualityRuleset');
  const tableNames = names('aws.glue.CatalogTable');
  const logGroups = new Set([
    ...[...names('sst.aws.Function')].map((n) => `/aws/lambda/${n}`),
    ...AWS_MANAGED_LOG_GROUPS,
  ]);
  const problems: string[] = [];
  for (const policy of [
    ...g.ofType('aws.iam.RolePolicy'),
    ...g.ofType('aws.sqs.QueuePolicy'),
    ...g.ofType('aws.sns.TopicPolicy'),
  ]) {
    for (const s of parse(policy.args.policy).Statement) {
      for (const raw of s.Resource ?? []) {
        const r = String(raw);
        if (r === '*') continue;
        const tokens = [...r.matchAll(/\$\{([^:}]+):([^.}]+)\.[^}]+\}/g)];
        const missingToken = tokens.find(([, type, name]) => !g.find(String(type), String(name)));
        if (missingToken) {
          problems.push(`${policy.name}: ${r} references no resource`);
          continue;
        }
        if (tokens.length > 0) continue;
        const m = /^arn:aws:([a-z0-9-]+):([a-z0-9-]*):([^:]*):(.*)$/.exec(r);
        if (!m) {
          problems.push(`${policy.name}: ${r} is neither a reference nor an ARN`);
          continue;
        }
        const [, service, region, , rest = ''] = m;
        if (region && region !== stage.region) problems.push(`${policy.name}: ${r} is in another region`);
        const ok =
          (service === 'glue' && rest === 'catalog') ||
          (service === 'glue' && rest.startsWith('job/') && jobs.has(rest.slice(4))) ||
          (service === 'glue' && rest.startsWith('database/') && databases.has(rest.slice(9))) ||
          (service === 'glue' &&
            rest.startsWith('dataQualityRuleset/') &&
            rulesets.has(rest.slice('dataQualityRuleset/'.length))) ||
          (service === 'glue' &&
            rest.startsWith('table/') &&
            databases.has(rest.split('/')[1] ?? '') &&
            tableNames.has(rest.split('/')[2] ?? '')) ||
          (service === 'logs' && logGroups.has(rest.replace(/^log-group:/, '').replace(/:\*$/, '')));
        if (!ok) problems.push(`${policy.name}: ${r} names no resource of the stage`);
      }
    }
  }
  if (problems.length) fail(problems.join('\n'));
}
