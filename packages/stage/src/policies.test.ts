import { describe, expect, it } from 'vitest';
import { widenForEmulator } from './policies.ts';

describe('widenForEmulator', () => {
  it('keeps S3/SQS resources exact and every action as synthesized; only other services get *', () => {
    const doc = widenForEmulator({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'S3', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/raw/*'] },
        {
          Sid: 'Q',
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage'],
          Resource: ['arn:aws:sqs:us-east-1:1:q'],
        },
        {
          Sid: 'G',
          Effect: 'Allow',
          Action: ['glue:StartJobRun'],
          Resource: ['arn:aws:glue:us-east-1:1:job/j'],
        },
        {
          Sid: 'E',
          Effect: 'Allow',
          Action: ['events:PutEvents'],
          Resource: ['arn:aws:events:us-east-1:1:event-bus/b'],
        },
      ],
    });
    expect(doc.Statement.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      ['S3', ['s3:GetObject'], ['arn:aws:s3:::b/raw/*']],
      ['Q', ['sqs:ReceiveMessage'], ['arn:aws:sqs:us-east-1:1:q']],
      ['G', ['glue:StartJobRun'], ['*']],
      ['E', ['events:PutEvents'], ['*']],
    ]);
  });
});
