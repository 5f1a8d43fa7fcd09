/** Athena workgroup: results forced under athena-results/, SSE-S3, a per-query scan cutoff. */
import { physicalName } from './iam.ts';
import type { Input, Platform } from './platform.ts';
import type { StageConfig } from './stages.ts';
import { PREFIXES } from './storage.ts';

export function createAthena(p: Platform, stage: StageConfig, bucketName: Input<string>) {
  const workgroup = new p.aws.athena.Workgroup('AthenaWorkgroup', {
    name: physicalName(p, 'ohlcv'),
    description: 'OHLCV queries (sql/queries/).',
    forceDestroy: !stage.production,
    configuration: {
      enforceWorkgroupConfiguration: true,
      publishCloudwatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: stage.athena.bytesScannedCutoffPerQuery,
      engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
      resultConfiguration: {
        outputLocation: p.util.interpolate`s3://${bucketName}/${PREFIXES.athenaResults}`,
        encryptionConfiguration: { encryptionOption: 'SSE_S3' },
      },
    },
  });
  return { workgroup };
}
