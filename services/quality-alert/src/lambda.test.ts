import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3Error } from '@ohlcv/aws/testing/s3-errors';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseThreshold } from './config.ts';
import { batch, jobStateChange } from './testing/fixtures.ts';

describe('quality-alert Lambda entry (AWS adapters on mocked clients)', () => {
  const s3 = mockClient(S3Client);
  const eb = mockClient(EventBridgeClient);
  beforeAll(() => {
    vi.stubEnv('BUCKET_NAME', 'lake-bucket');
    vi.stubEnv('PIPELINE_BUS_NAME', 'ohlcv-pipeline-dev');
    vi.stubEnv('QUARANTINE_THRESHOLD', '0.1');
    vi.stubEnv('ALERT_WEBHOOK_URL', '');
    vi.stubEnv('SLACK_WEBHOOK_URL', '');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('LOG_LEVEL', 'SILENT');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    s3.restore();
    eb.restore();
  });

  it('turns a failed Glue run into an alert marker in the bucket and Alert Raised on the pipeline bus', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound'));
    s3.on(PutObjectCommand).resolves({ ETag: '"m"' });
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const { handler } = await import('./lambda.ts');

    expect(await handler(batch(jobStateChange('FAILED')))).toEqual({ batchItemFailures: [] });

    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'lake-bucket' });
    const entry = eb.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: 'ohlcv-pipeline-dev',
      Source: 'ohlcv.quality-alert',
      DetailType: 'Alert Raised',
    });
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({ kind: 'job-failed', severity: 'critical' });
  });
});

describe('parseThreshold', () => {
  it('defaults to 5% and rejects values outside 0..1', () => {
    expect(parseThreshold(undefined)).toBe(0.05);
    expect(parseThreshold('0.2')).toBe(0.2);
    expect(() => parseThreshold('5')).toThrow(/QUARANTINE_THRESHOLD/);
    expect(() => parseThreshold('abc')).toThrow(/QUARANTINE_THRESHOLD/);
  });
});
