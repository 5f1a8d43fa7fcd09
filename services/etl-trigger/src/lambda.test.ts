import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3Error } from '@ohlcv/aws/testing/s3-errors';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { batch, objectCreated } from './testing/fixtures.ts';

describe('etl-trigger Lambda entry (AWS adapters on mocked clients)', () => {
  const s3 = mockClient(S3Client);
  const glue = mockClient(GlueClient);
  const eb = mockClient(EventBridgeClient);
  beforeAll(() => {
    vi.stubEnv('BUCKET_NAME', 'lake-bucket');
    vi.stubEnv('PIPELINE_BUS_NAME', 'ohlcv-pipeline-dev');
    vi.stubEnv('ETL_JOB_NAME', 'ohlcv-etl-dev');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('LOG_LEVEL', 'SILENT');
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    s3.restore();
    glue.restore();
    eb.restore();
  });

  it('writes the manifest to the bucket, starts the Glue job and publishes on the pipeline bus', async () => {
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound'));
    s3.on(PutObjectCommand).resolves({ ETag: '"abc"' });
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_aws_1' });
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const { handler } = await import('./lambda.ts');

    const res = await handler(batch(objectCreated('raw/a.csv', 'e1', { id: 'evt-1' })));

    expect(res).toEqual({ batchItemFailures: [] });
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put?.Bucket).toBe('lake-bucket');
    expect(put?.Key).toMatch(/^_manifests\/m-[0-9a-f]{32}\.json$/);
    const start = glue.commandCalls(StartJobRunCommand)[0]?.args[0].input;
    expect(start).toEqual({
      JobName: 'ohlcv-etl-dev',
      Arguments: { '--manifest_key': put?.Key, '--correlation_id': 'evt-1' },
    });
    const entry = eb.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: 'ohlcv-pipeline-dev',
      Source: 'ohlcv.etl-trigger',
      DetailType: 'ETL Run Requested',
    });
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({ jobRunId: 'jr_aws_1', objectCount: 1 });
  });
});
