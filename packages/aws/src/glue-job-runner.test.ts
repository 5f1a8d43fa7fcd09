import {
  ConcurrentRunsExceededException,
  EntityNotFoundException,
  GlueClient,
  StartJobRunCommand,
} from '@aws-sdk/client-glue';
import type { StartJobRunInput } from '@ohlcv/core';
import { describeJobRunnerContract } from '@ohlcv/core/contracts/index';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { glueJobRunner } from './glue-job-runner.ts';

const client = () => new GlueClient({ region: 'us-east-1' });

describeJobRunnerContract(
  'glueJobRunner (mocked Glue)',
  (scenario) => {
    const mock = mockClient(GlueClient);
    const started: StartJobRunInput[] = [];
    mock.on(StartJobRunCommand).callsFake((input: { JobName: string; Arguments: Record<string, string> }) => {
      if (input.JobName !== 'ohlcv-etl') {
        throw new EntityNotFoundException({ message: 'Entity Not Found', $metadata: {} });
      }
      if (scenario === 'busy') {
        throw new ConcurrentRunsExceededException({ message: 'Concurrent runs exceeded', $metadata: {} });
      }
      started.push({ jobName: input.JobName, arguments: input.Arguments });
      return { JobRunId: `jr_${started.length}` };
    });
    return {
      runner: glueJobRunner({ client: client() }),
      started: async () => started,
      cleanup: () => mock.restore(),
    };
  },
  'ohlcv-etl',
);

describe('glueJobRunner', () => {
  it('maps a missing job to a non-retryable JobNotFound', async () => {
    const mock = mockClient(GlueClient);
    mock.on(StartJobRunCommand).rejects(new EntityNotFoundException({ message: 'nope', $metadata: {} }));
    await expect(
      glueJobRunner({ client: client() }).startJobRun({ jobName: 'x', arguments: {} }),
    ).rejects.toMatchObject({ code: 'JobNotFound', retryable: false });
    mock.restore();
  });
});
