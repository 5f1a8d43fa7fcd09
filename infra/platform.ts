/**
 * The constructors the infra is built from, passed in rather than read from SST's globals,
 * so the same modules run under `sst deploy` and under the offline synth test's recorders.
 * Raw resources are typed against the real `@pulumi/aws` and `@pulumi/pulumi` packages;
 * the few SST components used are typed by the small declarations below.
 */
import type * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';

export type Input<T> = pulumi.Input<T>;
export type Output<T> = pulumi.Output<T>;

export type AwsApi = Pick<
  typeof aws,
  's3' | 'sqs' | 'cloudwatch' | 'lambda' | 'iam' | 'glue' | 'athena' | 'sns' | 'schemas' | 'pipes'
>;

export type Duration = `${number} ${'second' | 'seconds' | 'minute' | 'minutes'}`;

/**
 * The subset of `sst.aws.FunctionArgs` this app sets, as in SST's platform source (the classic
 * `Function`, which takes `role`; the newer `FunctionV5` takes `existing: { role }` instead).
 */
export interface SstFunctionArgs {
  /** Physical name; SST names the log group `/aws/lambda/<name>` from it. */
  name?: Input<string>;
  /** `false`: `sst dev` deploys the real function instead of a live stub. */
  dev?: false;
  handler: string;
  runtime: 'nodejs22.x';
  architecture: 'arm64' | 'x86_64';
  memory: `${number} MB`;
  timeout: Duration;
  description?: string;
  /** An existing role: SST then adds no permissions of its own. */
  role?: Input<string>;
  environment?: Record<string, Input<string>>;
  logging?: { retention?: '1 week' | '1 month' | '3 months' | '1 year' };
  transform?: { function?: Partial<aws.lambda.FunctionArgs> };
}

export interface SstFunction {
  readonly arn: Output<string>;
  readonly name: Output<string>;
}

export interface SstSecret {
  readonly value: Output<string>;
}

export interface SstApi {
  aws: { Function: new (name: string, args: SstFunctionArgs) => SstFunction };
  Secret: new (name: string, placeholder?: string) => SstSecret;
}

export type PulumiUtil = Pick<typeof pulumi, 'interpolate' | 'jsonStringify' | 'output' | 'asset'>;

export interface Platform {
  app: { name: string; stage: string };
  aws: AwsApi;
  sst: SstApi;
  util: PulumiUtil;
  accountId: Input<string>;
  /** Absolute path of the repository root (assets are read from it at deploy time). */
  root: string;
}
