/** JobRunner on AWS Glue: StartJobRun with `--key` arguments. */
import { GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { AppError, type JobRunner } from '@ohlcv/core';
import { awsErrorName, isTransientAwsError } from './aws-errors.ts';

export interface GlueJobRunnerOptions {
  client?: GlueClient;
}

export function glueJobRunner(opts: GlueJobRunnerOptions = {}): JobRunner {
  const client = opts.client ?? new GlueClient({});
  return {
    async startJobRun({ jobName, arguments: args }) {
      try {
        const out = await client.send(new StartJobRunCommand({ JobName: jobName, Arguments: args }));
        if (!out.JobRunId) throw new AppError('GlueNoRunId', `StartJobRun ${jobName} answered no JobRunId`);
        return { jobRunId: out.JobRunId };
      } catch (err) {
        if (err instanceof AppError) throw err;
        const name = awsErrorName(err);
        if (name === 'ConcurrentRunsExceededException') {
          throw new AppError('ConcurrentRunsExceeded', `job ${jobName} is at its concurrent-run limit`, {
            retryable: true,
            cause: err,
          });
        }
        if (name === 'EntityNotFoundException') {
          throw new AppError('JobNotFound', `no Glue job named ${jobName}`, { cause: err });
        }
        throw new AppError('GlueStartJobRunFailed', `StartJobRun ${jobName} failed: ${name ?? String(err)}`, {
          retryable: isTransientAwsError(err) || name === 'OperationTimeoutException',
          cause: err,
        });
      }
    },
  };
}
