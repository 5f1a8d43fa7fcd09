/** Lambda configuration from the environment; fails at cold start, not mid-batch. */
import { AppError, requireEnv } from '@ohlcv/core';
import { isUnsetSecret } from '@ohlcv/core/unset-secret';

export interface IngestionConfig {
  bucketName: string;
  busName: string;
  stage?: string;
  twelveData: {
    /** Secrets Manager id of the API key, tried after the SST link and the env var. */
    secretId?: string;
    baseUrl?: string;
    creditsPerMinute?: number;
    creditsPerDay?: number;
  };
}

const optional = (env: NodeJS.ProcessEnv, name: string): string | undefined => env[name] || undefined;

const positiveInt = (env: NodeJS.ProcessEnv, name: string): number | undefined => {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw new AppError('ConfigInvalid', `${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return n;
};

const httpUrl = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('ConfigInvalid', `${name} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AppError('ConfigInvalid', `${name} must be an http(s) URL, got ${url.protocol}`);
  }
  return raw;
};

export const ingestionConfig = (env: NodeJS.ProcessEnv): IngestionConfig => {
  const twelveData: IngestionConfig['twelveData'] = {};
  const secretId = optional(env, 'TWELVE_DATA_SECRET_ID');
  const baseUrl = httpUrl(env, 'TWELVE_DATA_BASE_URL');
  const perMinute = positiveInt(env, 'TWELVE_DATA_CREDITS_PER_MINUTE');
  const perDay = positiveInt(env, 'TWELVE_DATA_CREDITS_PER_DAY');
  if (secretId) twelveData.secretId = secretId;
  if (baseUrl) twelveData.baseUrl = baseUrl;
  if (perMinute !== undefined) twelveData.creditsPerMinute = perMinute;
  if (perDay !== undefined) twelveData.creditsPerDay = perDay;
  const stage = optional(env, 'STAGE');
  return {
    bucketName: requireEnv(env, 'BUCKET_NAME'),
    busName: requireEnv(env, 'PIPELINE_BUS_NAME'),
    ...(stage ? { stage } : {}),
    twelveData,
  };
};

/** The API key, or a clear error saying how to set it when infra's placeholder is still there. */
export function requireApiKey(value: string, stage: string | undefined): string {
  if (isUnsetSecret(value)) {
    throw new AppError(
      'ConfigMissing',
      `secret TwelveDataApiKey is not set for this stage: run \`npx sst secret set TwelveDataApiKey <key> --stage ${stage ?? '<stage>'}\` and redeploy`,
    );
  }
  return value;
}
