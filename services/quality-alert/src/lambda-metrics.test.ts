import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3Error } from '@ohlcv/aws/testing/s3-errors';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { batch, jobStateChange } from './testing/fixtures.ts';

describe('quality-alert Lambda entry emits its business metrics as EMF', () => {
  const s3 = mockClient(S3Client);
  const eb = mockClient(EventBridgeClient);
  beforeAll(() => {
    vi.stubEnv('BUCKET_NAME', 'lake-bucket');
    vi.stubEnv('PIPELINE_BUS_NAME', 'ohlcv-pipeline-dev');
    vi.stubEnv('ALERT_WEBHOOK_URL', '');
    vi.stubEnv('SLACK_WEBHOOK_URL', '');
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'OHLCV');
    vi.stubEnv('LOG_LEVEL', 'SILENT');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    s3.restore();
    eb.restore();
  });

  it('AlertsRaised with the service and kind dimensions, flushed by the invocation', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound'));
    s3.on(PutObjectCommand).resolves({ ETag: '"m"' });
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const docs: Record<string, unknown>[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n')) {
        if (line.includes('"_aws"')) docs.push(JSON.parse(line) as Record<string, unknown>);
      }
      return true;
    });
    const { handler } = await import('./lambda.ts');
    expect(await handler(batch(jobStateChange('FAILED')))).toEqual({ batchItemFailures: [] });

    const alerts = docs.find((d) => 'AlertsRaised' in d) as
      | { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } }
      | undefined;
    expect(alerts).toMatchObject({ service: 'quality-alert', kind: 'job-failed', AlertsRaised: 1 });
    expect(alerts?._aws.CloudWatchMetrics[0]?.Namespace).toBe('OHLCV');
    expect(alerts?._aws.CloudWatchMetrics[0]?.Dimensions[0]?.slice().sort()).toEqual(['kind', 'service']);
  });
});
