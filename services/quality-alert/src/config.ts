/** Lambda configuration from the environment; fails at cold start, not mid-batch. */
import { AppError, requireEnv } from '@ohlcv/core';

export interface QualityAlertConfig {
  bucketName: string;
  busName: string;
  quarantineThreshold: number;
}

export const DEFAULT_QUARANTINE_THRESHOLD = 0.05;

export function parseThreshold(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_QUARANTINE_THRESHOLD;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new AppError('ConfigInvalid', `QUARANTINE_THRESHOLD must be a share within 0..1, got ${raw}`);
  }
  return n;
}

export const qualityAlertConfig = (env: NodeJS.ProcessEnv): QualityAlertConfig => ({
  bucketName: requireEnv(env, 'BUCKET_NAME'),
  busName: requireEnv(env, 'PIPELINE_BUS_NAME'),
  quarantineThreshold: parseThreshold(env.QUARANTINE_THRESHOLD),
});
