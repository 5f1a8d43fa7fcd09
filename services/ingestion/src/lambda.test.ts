import { describe, expect, it } from 'vitest';
import { ingestionConfig, requireApiKey } from './config.ts';

describe('ingestion configuration', () => {
  const base = { BUCKET_NAME: 'lake', PIPELINE_BUS_NAME: 'dev-ohlcv-pipeline' };

  it('exports a handler wired from the environment', async () => {
    const mod = await import('./lambda.ts');
    expect(typeof mod.handler).toBe('function');
  });

  it('reads bucket, bus and the Twelve Data settings, and fails fast naming the variable', () => {
    expect(
      ingestionConfig({
        ...base,
        STAGE: 'dev',
        TWELVE_DATA_BASE_URL: 'http://127.0.0.1:8080',
        TWELVE_DATA_CREDITS_PER_MINUTE: '8',
      }),
    ).toEqual({
      bucketName: 'lake',
      busName: 'dev-ohlcv-pipeline',
      stage: 'dev',
      twelveData: { baseUrl: 'http://127.0.0.1:8080', creditsPerMinute: 8 },
    });
    expect(() => ingestionConfig({ BUCKET_NAME: 'lake' })).toThrow(/PIPELINE_BUS_NAME is not set/);
    expect(() => ingestionConfig({ ...base, TWELVE_DATA_CREDITS_PER_DAY: '1.5' })).toThrow(
      /TWELVE_DATA_CREDITS_PER_DAY must be a positive integer, got "1.5"/,
    );
    expect(() => ingestionConfig({ ...base, TWELVE_DATA_BASE_URL: 'file:///etc/passwd' })).toThrow(
      /TWELVE_DATA_BASE_URL must be an http\(s\) URL/,
    );
  });

  it('says how to set the API key while the deploy placeholder is still there', async () => {
    const { UNSET_SECRET } = await import('@ohlcv/core/unset-secret');
    expect(() => requireApiKey(UNSET_SECRET, 'pr-7')).toThrow(
      /sst secret set TwelveDataApiKey <key> --stage pr-7/,
    );
    expect(() => requireApiKey('', undefined)).toThrow(/--stage <stage>/);
  });
});
