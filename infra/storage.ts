/**
 * The data lake: ONE bucket with zone prefixes (raw/, processed/, quarantine/, _manifests/,
 * _runs/, _alerts/, _state/ingestion/, athena-results/, glue-assets/). One bucket because the topology's S3 rule and the
 * local runtime's folder tree both speak of one bucket, and IAM narrows every role by prefix
 * anyway; versioning is bucket-wide, so noncurrent versions expire by lifecycle.
 */
import { policyDocument } from './iam.ts';
import type { Platform } from './platform.ts';
import type { StageConfig } from './stages.ts';

export const PREFIXES = {
  raw: 'raw/',
  processed: 'processed/',
  quarantine: 'quarantine/',
  manifests: '_manifests/',
  runs: '_runs/',
  /** catalog-sync's ledger of superseded partition versions (services/catalog-sync/src/superseded.ts). */
  superseded: '_runs/_superseded/',
  /** quality-alert's idempotency markers. */
  alerts: '_alerts/',
  /** ingestion's per-symbol cursor (latest bar fetched). */
  ingestionState: '_state/ingestion/',
  athenaResults: 'athena-results/',
  glueAssets: 'glue-assets/',
} as const;

export function createStorage(p: Platform, stage: StageConfig) {
  const { s3 } = p.aws;
  const bucket = new s3.Bucket('DataLake', {
    // Non-production stages are disposable: let `sst remove` empty the bucket.
    forceDestroy: !stage.production,
    tags: { stage: stage.stage, app: p.app.name },
  });

  new s3.BucketPublicAccessBlock('DataLakePublicAccess', {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });

  new s3.BucketOwnershipControls('DataLakeOwnership', {
    bucket: bucket.id,
    rule: { objectOwnership: 'BucketOwnerEnforced' },
  });

  new s3.BucketServerSideEncryptionConfiguration('DataLakeEncryption', {
    bucket: bucket.id,
    rules: [
      {
        // SSE-S3: Glue, Athena and Lambda read it without a KMS key policy to maintain.
        applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' },
        bucketKeyEnabled: true,
      },
    ],
  });

  new s3.BucketVersioning('DataLakeVersioning', {
    bucket: bucket.id,
    versioningConfiguration: { status: 'Enabled' },
  });

  new s3.BucketPolicy('DataLakeTlsOnly', {
    bucket: bucket.id,
    policy: p.util.jsonStringify(
      policyDocument([
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: ['s3:*'],
          Resource: [bucket.arn, p.util.interpolate`${bucket.arn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ]),
    ),
  });

  // Object Created events go to the default bus, where the topology's rules pick them up.
  new s3.BucketNotification('DataLakeEventBridge', { bucket: bucket.id, eventbridge: true });

  const days = stage.storage;
  new s3.BucketLifecycleConfiguration('DataLakeLifecycle', {
    bucket: bucket.id,
    rules: [
      {
        // raw/ is the replayable truth: it gets cheaper with age, it is never expired.
        id: 'raw-tiering',
        status: 'Enabled',
        filter: { prefix: PREFIXES.raw },
        transitions: [
          { days: days.rawInfrequentAccessDays, storageClass: 'STANDARD_IA' },
          { days: days.rawGlacierDays, storageClass: 'GLACIER_IR' },
        ],
        noncurrentVersionExpiration: { noncurrentDays: days.noncurrentVersionDays },
      },
      {
        id: 'athena-results-expiry',
        status: 'Enabled',
        filter: { prefix: PREFIXES.athenaResults },
        expiration: { days: stage.athena.resultRetentionDays },
        noncurrentVersionExpiration: { noncurrentDays: 1 },
      },
      {
        id: 'manifests-expiry',
        status: 'Enabled',
        filter: { prefix: PREFIXES.manifests },
        expiration: { days: days.manifestRetentionDays },
        noncurrentVersionExpiration: { noncurrentDays: 1 },
      },
      {
        // processed/ and quarantine/ are rewritten by every run: old versions are noise.
        id: 'noncurrent-versions',
        status: 'Enabled',
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: days.noncurrentVersionDays },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ],
  });

  return { bucket };
}

export type Storage = ReturnType<typeof createStorage>;
