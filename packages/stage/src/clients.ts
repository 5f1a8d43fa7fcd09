/** SDK clients on the emulator, signed with one principal's credentials. */
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface Endpoint {
  url: string;
  region: string;
}

export function awsClients(ep: Endpoint, credentials?: Credentials) {
  const base = {
    region: ep.region,
    endpoint: ep.url,
    ...(credentials ? { credentials } : {}),
    // The emulator answers at once; a few quick retries cover a busy machine.
    maxAttempts: 3,
  };
  return {
    s3: new S3Client({ ...base, forcePathStyle: true }),
    sqs: new SQSClient(base),
    iam: new IAMClient(base),
    sts: new STSClient(base),
    glue: new GlueClient(base),
    events: new EventBridgeClient(base),
    sns: new SNSClient(base),
    cloudwatch: new CloudWatchClient(base),
    athena: new AthenaClient(base),
  };
}

export type AwsClients = ReturnType<typeof awsClients>;

/** The environment an SDK v3 client (a Lambda entry's) reads its endpoint and credentials from. */
export const sdkEnv = (ep: Endpoint, c: Credentials): Record<string, string> => ({
  AWS_ENDPOINT_URL: ep.url,
  AWS_REGION: ep.region,
  AWS_DEFAULT_REGION: ep.region,
  AWS_ACCESS_KEY_ID: c.accessKeyId,
  AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
  ...(c.sessionToken ? { AWS_SESSION_TOKEN: c.sessionToken } : {}),
});
// No path-style flag is needed for the entries' own `new S3Client({})`: the SDK's S3 endpoint
// rules address a bucket by path when the endpoint host is an IP literal (127.0.0.1).
