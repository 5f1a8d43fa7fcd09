/** Lambda configuration from the environment; fails at cold start, not mid-batch. */
import { AppError } from '@ohlcv/core';

export interface CatalogSyncConfig {
  bucketName: string;
  busName: string;
  glueDatabase: string;
  jobName?: string;
}

const requireEnv = (env: NodeJS.ProcessEnv, name: string): string => {
  const value = env[name];
  if (!value) throw new AppError('ConfigMissing', `environment variable ${name} is not set`);
  return value;
};

export const catalogSyncConfig = (env: NodeJS.ProcessEnv): CatalogSyncConfig => ({
  bucketName: requireEnv(env, 'BUCKET_NAME'),
  busName: requireEnv(env, 'PIPELINE_BUS_NAME'),
  glueDatabase: requireEnv(env, 'GLUE_DATABASE'),
  ...(env.ETL_JOB_NAME ? { jobName: env.ETL_JOB_NAME } : {}),
});
