/**
 * The four services (any service in the topology, really): a least-privilege role, the
 * Lambda function built by SST from `services/<name>/src/lambda.ts`, and its SQS event
 * source mapping with the topology's batch size and window.
 */
import {
  arn,
  assumeRolePolicy,
  consumeQueue,
  physicalName,
  policyDocument,
  type Statement,
  traceToXRay,
  writeLogs,
} from './iam.ts';
import { METRICS_NAMESPACE } from './observability.ts';
import type { Input, Platform, SstFunction } from './platform.ts';
import type { QueuePair } from './queues.ts';
import { resourceId } from './queues.ts';
import type { Secrets } from './secrets.ts';
import type { StageConfig } from './stages.ts';
import type { InfraTopology } from './topology.ts';

export interface FunctionContext {
  bucketName: Input<string>;
  pipelineBusName: Input<string>;
  etlJobName: string;
  glueDatabase: Input<string>;
  athenaWorkgroup: Input<string>;
  secrets: Secrets;
  quarantineThreshold: number;
}

/** `services/ingestion/src/lambda.ts` → `services/ingestion/src/lambda.handler`. */
export const handlerOf = (entry: string): string => entry.replace(/\.ts$/, '.handler');

export type ExtraPolicies = Record<string, Statement[]>;

export function createFunctions(
  p: Platform,
  stage: StageConfig,
  topology: InfraTopology,
  pairs: Record<string, QueuePair>,
  ctx: FunctionContext,
  extraPolicies: ExtraPolicies,
  extraEnvironment: Record<string, Record<string, Input<string>>>,
) {
  const functions: Record<string, SstFunction> = {};
  for (const [name, svc] of Object.entries(topology.services)) {
    const pair = pairs[svc.queue];
    if (!pair) throw new Error(`service ${name} consumes unknown queue ${svc.queue}`);
    const queueSpec = topology.queues[svc.queue];
    if (queueSpec && queueSpec.visibilityTimeoutSeconds < svc.timeoutSeconds) {
      // Lambda rejects the mapping otherwise, and messages would be handled twice.
      throw new Error(`queue ${svc.queue}: visibility timeout below ${name}'s timeout`);
    }
    const id = resourceId(name);
    const functionName = physicalName(p, name);
    const role = new p.aws.iam.Role(`${id}Role`, {
      name: physicalName(p, `${name}-fn`),
      assumeRolePolicy: JSON.stringify(assumeRolePolicy('lambda.amazonaws.com')),
    });
    new p.aws.iam.RolePolicy(`${id}Policy`, {
      role: role.id,
      policy: p.util.jsonStringify(
        policyDocument([
          consumeQueue(pair.queue.arn),
          writeLogs(arn.logGroup(p, stage.region, `/aws/lambda/${functionName}`)),
          traceToXRay(),
          ...(extraPolicies[name] ?? []),
        ]),
      ),
    });
    const fn = new p.sst.aws.Function(`${id}Function`, {
      name: functionName,
      // The local runtime is this app's dev loop; `sst dev` deploys the real functions.
      dev: false,
      handler: handlerOf(svc.entry),
      description: svc.description,
      runtime: 'nodejs22.x',
      architecture: 'arm64',
      memory: `${svc.memoryMB} MB`,
      timeout: `${svc.timeoutSeconds} seconds`,
      role: role.arn,
      logging: { retention: stage.logRetention },
      environment: {
        POWERTOOLS_SERVICE_NAME: name,
        POWERTOOLS_LOG_LEVEL: stage.logLevel,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        STAGE: stage.stage,
        BUCKET_NAME: ctx.bucketName,
        PIPELINE_BUS_NAME: ctx.pipelineBusName,
        ETL_JOB_NAME: ctx.etlJobName,
        GLUE_DATABASE: ctx.glueDatabase,
        ATHENA_WORKGROUP: ctx.athenaWorkgroup,
        QUARANTINE_THRESHOLD: String(ctx.quarantineThreshold),
        ...(extraEnvironment[name] ?? {}),
      },
      transform: { function: { tracingConfig: { mode: 'Active' } } },
    });
    new p.aws.lambda.EventSourceMapping(`${id}EventSource`, {
      eventSourceArn: pair.queue.arn,
      functionName: fn.arn,
      batchSize: queueSpec?.batchSize ?? 1,
      maximumBatchingWindowInSeconds: queueSpec?.maxBatchingWindowSeconds ?? 0,
      functionResponseTypes: ['ReportBatchItemFailures'],
      enabled: true,
    });
    functions[name] = fn;
  }
  return functions;
}
