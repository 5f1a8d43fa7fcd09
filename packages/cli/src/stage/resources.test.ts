import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stageResources } from './resources.ts';

describe('stageResources', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ohlcv-outputs-'));
  mkdirSync(join(cwd, '.sst'));
  writeFileSync(
    join(cwd, '.sst', 'outputs.json'),
    JSON.stringify({
      bucket: 'ohlcv-dev-datalakebucket-abc',
      etlJob: 'dev-ohlcv-etl',
      glueDatabase: 'ohlcv_dev',
      athenaWorkgroup: 'dev-ohlcv',
    }),
  );
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('reads the deployed stage’s outputs', () => {
    expect(stageResources({ stage: 'dev' }, cwd, {})).toMatchObject({
      bucket: 'ohlcv-dev-datalakebucket-abc',
      glueDatabase: 'ohlcv_dev',
      athenaWorkgroup: 'dev-ohlcv',
    });
  });

  it('ignores outputs of another stage (they hold the last deploy only) and takes overrides', () => {
    expect(() => stageResources({ stage: 'pr-7' }, cwd, {})).toThrow(/no outputs of stage pr-7 .*--bucket/);
    expect(stageResources({ stage: 'pr-7', bucket: 'b', database: 'd' }, cwd, {})).toMatchObject({
      bucket: 'b',
      glueDatabase: 'd',
      athenaWorkgroup: 'pr-7-ohlcv',
      etlJob: 'pr-7-ohlcv-etl',
      source: 'naming convention',
    });
  });

  it('rejects names that cannot be a stage', () => {
    expect(() => stageResources({ stage: 'Prod_1' }, cwd, {})).toThrow(/not a stage name/);
  });
});
