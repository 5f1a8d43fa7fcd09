/** Lambda configuration from the environment; fails at cold start, not mid-batch. */
import { requireEnv } from '@ohlcv/core';
import { graceMinutesOf } from './superseded.ts';

export interface CatalogSyncConfig {
  bucketName: string;
  busName: string;
  glueDatabase: string;
  jobName?: string;
  /** How long a superseded partition version's files stay (SUPERSEDED_GRACE_MINUTES, default 60). */
  supersededGraceMinutes: number;
}

export const catalogSyncConfig = (env: NodeJS.ProcessEnv): CatalogSyncConfig => ({
  bucketName: requireEnv(env, 'BUCKET_NAME'),
  busName: requireEnv(env, 'PIPELINE_BUS_NAME'),
  glueDatabase: requireEnv(env, 'GLUE_DATABASE'),
  ...(env.ETL_JOB_NAME ? { jobName: env.ETL_JOB_NAME } : {}),
  supersededGraceMinutes: graceMinutesOf(env.SUPERSEDED_GRACE_MINUTES),
});
