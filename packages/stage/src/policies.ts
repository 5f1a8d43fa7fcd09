/**
 * The one place the harness deviates from the synthesized policies. moto checks resource
 * ARNs only for S3, SQS, IAM and STS; every other service's call is compared against `*`,
 * so an exact Glue/EventBridge/Logs/SNS ARN would never match there. Those statements'
 * resources become `*` for the worker principals; actions stay exact everywhere, S3/SQS
 * resources stay exact. (infra's synth test checks that every ARN names a graph resource.)
 */
import type { PolicyDocument } from '@ohlcv/infra/iam';

const ARN_CHECKED_BY_MOTO = ['s3', 'sqs', 'iam', 'sts'];

export function widenForEmulator(doc: PolicyDocument): PolicyDocument {
  return {
    ...doc,
    Statement: doc.Statement.map((s) => {
      const services = new Set(s.Action.map((a) => a.split(':')[0] ?? ''));
      const checked = [...services].every((svc) => ARN_CHECKED_BY_MOTO.includes(svc));
      return checked ? s : { ...s, Resource: ['*'] };
    }),
  };
}
