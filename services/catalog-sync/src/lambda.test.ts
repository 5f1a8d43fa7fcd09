import { describe, expect, it } from 'vitest';
import { catalogSyncConfig } from './config.ts';

describe('catalog-sync lambda', () => {
  it('exports a handler wired from the environment', async () => {
    const mod = await import('./lambda.ts');
    expect(typeof mod.handler).toBe('function');
  });

  it('fails fast on missing configuration', () => {
    expect(() => catalogSyncConfig({ BUCKET_NAME: 'b', PIPELINE_BUS_NAME: 'bus' })).toThrow(/GLUE_DATABASE/);
    expect(
      catalogSyncConfig({ BUCKET_NAME: 'b', PIPELINE_BUS_NAME: 'bus', GLUE_DATABASE: 'ohlcv_dev' }),
    ).toEqual({
      bucketName: 'b',
      busName: 'bus',
      glueDatabase: 'ohlcv_dev',
      supersededGraceMinutes: 60,
    });
    expect(() =>
      catalogSyncConfig({
        BUCKET_NAME: 'b',
        PIPELINE_BUS_NAME: 'bus',
        GLUE_DATABASE: 'd',
        SUPERSEDED_GRACE_MINUTES: 'soon',
      }),
    ).toThrow(/SUPERSEDED_GRACE_MINUTES must be a number/);
  });
});
