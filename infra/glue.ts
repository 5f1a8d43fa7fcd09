/**
 * Glue: the catalog database and tables (built from the shared table specs in
 * `@ohlcv/core`, the same ones the DDL in sql/ddl/ is checked against), the ETL job with its
 * script, modules and the shared plan + SQL shipped as S3 assets, and a role that reads raw/
 * and writes processed/, quarantine/ and run summaries, nothing more. Data quality is the
 * plan's sql/quality rules, evaluated by the job itself (results in the run summary); no
 * DQDL ruleset, since nothing would evaluate one.
 */
import { type Dirent, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  fileColumnsOf,
  PARQUET_COMPRESSION,
  schemaVersionParameters,
  stagingJobArguments,
  type TableSpec,
  tables,
} from '@ohlcv/core';
import type * as aws from '@pulumi/aws';
import { arn, assumeRolePolicy, physicalName, policyDocument } from './iam.ts';
import type { Input, Platform } from './platform.ts';
import type { StageConfig } from './stages.ts';
import { PREFIXES } from './storage.ts';

export const GLUE_SCRIPT = 'packages/etl/glue/etl_job.py';
/** The job's modules, shipped beside the script and named in --extra-py-files. */
export const GLUE_MODULES = [
  'packages/etl/glue/etl_runner.py',
  'packages/etl/glue/etl_plan.py',
  'packages/etl/glue/etl_staging.py',
  'packages/etl/glue/etl_screen.py',
  'packages/etl/glue/etl_versions.py',
  'packages/etl/glue/etl_reprocess.py',
];
export const SQL_ROOT = 'sql';
export const ETL_SQL_DIR = 'sql/etl';
/** The folders of sql/ the job reads at run time (steps, dialect, plan; quality rules). */
export const GLUE_SQL_DIRS = ['sql/etl', 'sql/quality'] as const;
/** Where sql/ lands in the bucket; the job's `--sql_prefix` is `s3://<bucket>/` + this. */
export const GLUE_SQL_PREFIX = `${PREFIXES.glueAssets}sql/`;

/**
 * Every file the job may read, as paths relative to sql/ (`etl/dialect.json`,
 * `quality/bars_unique_key.sql`, ...), sorted: everything under GLUE_SQL_DIRS except the
 * TypeScript that loads and tests them locally.
 */
export function glueSqlAssets(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(full);
      } else if (e.isFile() && !e.name.endsWith('.ts')) {
        found.push(relative(join(root, SQL_ROOT), full).split(sep).join('/'));
      }
    }
  };
  for (const d of GLUE_SQL_DIRS) walk(join(root, d));
  return found.sort();
}

/** Glue database names allow no '-': `ohlcv_<stage>`. */
export const glueDatabaseName = (stage: string): string => `ohlcv_${stage.replace(/-/g, '_')}`;

const PARQUET = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serdeLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
};

export const glueTableArgs = (
  spec: TableSpec,
  databaseName: Input<string>,
  location: Input<string>,
): aws.glue.CatalogTableArgs => ({
  name: spec.name,
  databaseName,
  description: spec.comment,
  tableType: 'EXTERNAL_TABLE',
  // The schema version (derived from tables.ts): catalog-sync migrates a table stamped older
  // and refuses one stamped by a newer release.
  parameters: {
    classification: 'parquet',
    EXTERNAL: 'TRUE',
    'parquet.compression': PARQUET_COMPRESSION.toUpperCase(),
    ...schemaVersionParameters(spec),
  },
  storageDescriptor: {
    location,
    inputFormat: PARQUET.inputFormat,
    outputFormat: PARQUET.outputFormat,
    serDeInfo: { serializationLibrary: PARQUET.serdeLibrary, parameters: { 'serialization.format': '1' } },
    // A partition key (bars' `symbol`) lives in the path only: Glue and Athena list it under
    // partitionKeys, never among the data columns (catalog-sync rejects a table that does).
    columns: fileColumnsOf(spec).map((c) => ({ name: c.name, type: c.type, comment: c.comment })),
  },
  partitionKeys: spec.partitionKeys.map((k) => ({ name: k, type: 'string' })),
});

export function createGlue(
  p: Platform,
  stage: StageConfig,
  bucket: { arn: Input<string>; bucket: Input<string> },
  etlJobName: string,
) {
  const { glue, s3, iam } = p.aws;
  const s3Url = (prefix: string) => p.util.interpolate`s3://${bucket.bucket}/${prefix}`;
  const databaseName = glueDatabaseName(stage.stage);
  const database = new glue.CatalogDatabase('GlueDatabase', {
    name: databaseName,
    description: 'OHLCV bars, rollups and quarantine (Parquet, hive partitions).',
  });
  const glueTables = Object.values(tables).map(
    (spec) =>
      new glue.CatalogTable(
        `GlueTable_${spec.name}`,
        glueTableArgs(spec, database.name, s3Url(spec.location)),
      ),
  );

  const assetKey = (file: string) => `${PREFIXES.glueAssets}${file.split('/').pop()}`;
  const script = new s3.BucketObjectv2('GlueScript', {
    bucket: bucket.bucket,
    key: assetKey(GLUE_SCRIPT),
    source: new p.util.asset.FileAsset(join(p.root, GLUE_SCRIPT)),
  });
  for (const file of GLUE_MODULES) {
    new s3.BucketObjectv2(`GlueModule_${file.split('/').pop()}`, {
      bucket: bucket.bucket,
      key: assetKey(file),
      source: new p.util.asset.FileAsset(join(p.root, file)),
    });
  }
  for (const file of glueSqlAssets(p.root)) {
    new s3.BucketObjectv2(`GlueSql_${file}`, {
      bucket: bucket.bucket,
      key: `${GLUE_SQL_PREFIX}${file}`,
      source: new p.util.asset.FileAsset(join(p.root, SQL_ROOT, file)),
    });
  }

  const role = new iam.Role('GlueJobRole', {
    name: physicalName(p, 'etl-glue-job'),
    assumeRolePolicy: JSON.stringify(assumeRolePolicy('glue.amazonaws.com')),
  });
  const objects = (prefix: string) => arn.objects(p, bucket.arn, prefix);
  const glueLogGroups = ['/aws-glue/jobs/output', '/aws-glue/jobs/error', '/aws-glue/jobs/logs-v2'];
  new iam.RolePolicy('GlueJobPolicy', {
    role: role.id,
    policy: p.util.jsonStringify(
      policyDocument([
        {
          Sid: 'ReadInputsAndAssets',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: [objects(PREFIXES.raw), objects(PREFIXES.manifests), objects(PREFIXES.glueAssets)],
        },
        {
          // Partition overwrites list, read and replace what a previous run wrote.
          Sid: 'WriteOutputs',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          Resource: [objects(PREFIXES.processed), objects(PREFIXES.quarantine), objects(PREFIXES.runs)],
        },
        {
          Sid: 'ListOwnPrefixes',
          Effect: 'Allow',
          Action: ['s3:ListBucket'],
          Resource: [bucket.arn],
          Condition: {
            StringLike: {
              's3:prefix': [
                `${PREFIXES.raw}*`,
                `${PREFIXES.processed}*`,
                `${PREFIXES.quarantine}*`,
                `${PREFIXES.runs}*`,
                `${PREFIXES.glueAssets}*`,
              ],
            },
          },
        },
        {
          Sid: 'ReadCatalog',
          Effect: 'Allow',
          Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions'],
          Resource: [
            arn.glueCatalog(p, stage.region),
            arn.glueDatabase(p, stage.region, databaseName),
            ...Object.values(tables).map((t) => arn.glueTable(p, stage.region, databaseName, t.name)),
          ],
        },
        {
          Sid: 'JobLogs',
          Effect: 'Allow',
          Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: glueLogGroups.map((g) => arn.logGroup(p, stage.region, g)),
        },
        {
          Sid: 'JobMetrics',
          Effect: 'Allow',
          Action: ['cloudwatch:PutMetricData'],
          Resource: ['*'],
          Condition: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
        },
      ]),
    ),
  });

  const job = new glue.Job('EtlJob', {
    name: etlJobName,
    description: 'Clean, dedupe, quality-check, derive and roll up the raw objects of one manifest.',
    roleArn: role.arn,
    glueVersion: '5.0',
    workerType: stage.glue.workerType,
    numberOfWorkers: stage.glue.numberOfWorkers,
    timeout: stage.glue.timeoutMinutes,
    // etl-trigger retries through its queue; a Glue retry would run the manifest twice at once.
    maxRetries: 0,
    executionProperty: { maxConcurrentRuns: stage.glue.maxConcurrentRuns },
    command: {
      name: 'glueetl',
      pythonVersion: '3',
      scriptLocation: s3Url(assetKey(GLUE_SCRIPT)),
    },
    defaultArguments: {
      // The manifest names the input; bookmarks would second-guess it.
      '--job-bookmark-option': 'job-bookmark-disable',
      '--enable-metrics': 'true',
      '--enable-observability-metrics': 'true',
      '--enable-continuous-cloudwatch-log': 'true',
      '--bucket': bucket.bucket,
      '--database': databaseName,
      // The root of the sql/ tree: the job reads `<sql_prefix>etl/...` and `<sql_prefix>quality/...`.
      '--sql_prefix': s3Url(GLUE_SQL_PREFIX),
      '--extra-py-files': p.util
        .output(bucket.bucket)
        .apply((b) => GLUE_MODULES.map((f) => `s3://${b}/${assetKey(f)}`).join(',')),
      // The staging limits (--MIN_DATE, --MAX_LINE_BYTES, --MAX_OBJECT_BYTES), from the
      // same setting as the local runtime's: without them the job would use its defaults.
      ...stagingJobArguments(stage.staging),
      // Overridden per run by etl-trigger's StartJobRun.
      '--manifest_key': '',
      '--correlation_id': '',
      // Set only by `ohlcv reprocess --stage` (JSON, core's reprocessScopeSchema): rebuild
      // that range from the manifest's raw objects alone; empty is a normal run.
      '--reprocess_scope': '',
    },
  });

  return { database, tables: glueTables, job, role, script, databaseName };
}

export type Glue = ReturnType<typeof createGlue>;
