import { describe, expect, it } from 'vitest';
import { policyDocument, WILDCARD_EXCEPTIONS, wildcardViolations } from '../iam.ts';

describe('wildcardViolations', () => {
  it('flags wildcard actions and * resources outside the exceptions', () => {
    const doc = policyDocument([
      { Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::b/raw/*'] },
      { Effect: 'Allow', Action: ['*'], Resource: ['arn:aws:sqs:us-east-1:1:q'] },
      { Effect: 'Allow', Action: ['s3:GetObject', 'xray:PutTraceSegments'], Resource: ['*'] },
    ]);
    expect(wildcardViolations(doc, 'p')).toEqual([
      'p: wildcard action s3:*',
      'p: wildcard action *',
      'p: s3:GetObject on resource *',
    ]);
  });

  it('accepts the listed exceptions, prefix-scoped resources and broad denies', () => {
    const doc = policyDocument([
      { Effect: 'Allow', Action: WILDCARD_EXCEPTIONS.map((e) => e.action), Resource: ['*'] },
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/raw/*'] },
      { Effect: 'Deny', Principal: '*', Action: ['s3:*'], Resource: ['*'] },
    ]);
    expect(wildcardViolations(doc, 'p')).toEqual([]);
    expect(WILDCARD_EXCEPTIONS.every((e) => e.reason.length > 20)).toBe(true);
  });
});
