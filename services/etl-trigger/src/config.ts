/** Lambda configuration from the environment; fails at cold start, not mid-batch. */
import { AppError } from '@ohlcv/core';

export const requireEnv = (env: NodeJS.ProcessEnv, name: string): string => {
  const value = env[name];
  if (!value) throw new AppError('ConfigMissing', `environment variable ${name} is not set`);
  return value;
};

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
