/** Lambda configuration from the environment; fails at cold start, not mid-batch. */
import { requireEnv } from '@ohlcv/core';

export interface EtlTriggerConfig {
  bucketName: string;
  busName: string;
  jobName: string;
}

export const etlTriggerConfig = (env: NodeJS.ProcessEnv): EtlTriggerConfig => ({
  bucketName: requireEnv(env, 'BUCKET_NAME'),
  busName: requireEnv(env, 'PIPELINE_BUS_NAME'),
  jobName: requireEnv(env, 'ETL_JOB_NAME'),
});
