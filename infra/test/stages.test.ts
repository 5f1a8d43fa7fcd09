import { describe, expect, it } from 'vitest';
import { isProductionStage, regionFrom, stageConfig } from '../stages.ts';

describe('stageConfig', () => {
  it('retains and protects production stages only', () => {
    for (const stage of ['production', 'prod']) {
      const s = stageConfig(stage, {});
      expect([s.production, s.removal, s.protect]).toEqual([true, 'retain', true]);
    }
    for (const stage of ['dev', 'staging', 'pr-42', 'production-copy']) {
      const s = stageConfig(stage, {});
      expect([s.production, s.removal, s.protect]).toEqual([false, 'remove', false]);
    }
    expect(isProductionStage('Prod')).toBe(false);
  });

  it('rejects stage names that cannot be part of AWS resource names', () => {
    expect(() => stageConfig('Dev', {})).toThrow(/invalid stage name/);
    expect(() => stageConfig('my_stage', {})).toThrow(/invalid stage name/);
    expect(() => stageConfig('a'.repeat(22), {})).toThrow(/invalid stage name/);
  });

  it('reads region, watchlist and alarm e-mail from the environment', () => {
    const s = stageConfig('dev', {
      AWS_REGION: 'eu-central-1',
      OHLCV_WATCHLIST: ' AAPL , ETH/USD ',
      OHLCV_ALARM_EMAIL: 'ops@example.com',
    });
    expect(s.region).toBe('eu-central-1');
    expect(s.watchlist.symbols).toEqual(['AAPL', 'ETH/USD']);
    expect(s.alarms.email).toBe('ops@example.com');
    expect(regionFrom({ OHLCV_AWS_REGION: 'ap-south-1', AWS_REGION: 'eu-central-1' })).toBe('ap-south-1');
    expect(regionFrom({})).toBe('us-east-1');
  });

  it('sizes production Glue runs larger and caps Athena scans', () => {
    const dev = stageConfig('dev', {});
    const prod = stageConfig('prod', {});
    expect(prod.glue.numberOfWorkers).toBeGreaterThan(dev.glue.numberOfWorkers);
    expect(dev.glue.numberOfWorkers).toBeGreaterThanOrEqual(2); // G.1X minimum
    expect(dev.athena.bytesScannedCutoffPerQuery).toBe(1024 ** 3);
  });
});
