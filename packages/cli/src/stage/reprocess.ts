/**
 * `ohlcv reprocess --stage NAME`: the stage's form of reprocess from raw. Lists the raw keys
 * the range needs (ListObjectsV2, paged; narrowed by the raw date layout, rawKeyInScope),
 * writes them as one manifest under `_manifests/` (the format etl-trigger writes for a normal
 * run), and starts exactly one Glue job run with it, marked as a reprocess by
 * `--reprocess_scope` (the job then rebuilds the range from those objects alone and replaces
 * the partitions in scope; catalog-sync switches them when the run succeeds).
 */
import { createHash } from 'node:crypto';
import { GlueClient } from '@aws-sdk/client-glue';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { glueJobRunner } from '@ohlcv/aws';
import {
  type Manifest,
  manifestKey,
  manifestSchema,
  REPROCESS_SCOPE_ARG,
  type ReprocessScopeArg,
  reprocessScopeSchema,
  skipReasonOf,
} from '@ohlcv/core';
import { rawKeyInScope } from '@ohlcv/etl/reprocess';
import { formatOf, parse, toJson } from '../args.ts';
import type { CommandIO } from '../command.ts';
import { reprocessScopeOf } from '../commands/reprocess.ts';
import { STAGE_OPTIONS, stageFlagsOf } from './commands.ts';
import { stageResources } from './resources.ts';

/** What etl-trigger skips (hidden and `_` files, folder markers) is never ETL input here either. */
const isInput = (key: string): boolean => skipReasonOf(key) === undefined;

export async function stageReprocess(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parse(argv, {
    ...STAGE_OPTIONS,
    from: { type: 'string' },
    to: { type: 'string' },
    symbols: { type: 'string' },
    format: { type: 'string', default: 'table' },
  });
  const format = formatOf(values.format, ['table', 'json']);
  const { from, to, symbols } = reprocessScopeOf(values);
  const scope: ReprocessScopeArg = reprocessScopeSchema.parse({
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(symbols ? { symbols } : {}),
  });
  const res = stageResources(stageFlagsOf(values), io.cwd, io.env);
  const s3 = new S3Client({});

  const objects: Manifest['objects'] = [];
  let listed = 0;
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: res.bucket, Prefix: 'raw/', ContinuationToken }),
    );
    for (const o of page.Contents ?? []) {
      if (!o.Key || !isInput(o.Key)) continue;
      listed++;
      if (!rawKeyInScope(o.Key, scope)) continue;
      objects.push({
        key: o.Key,
        etag: (o.ETag ?? '').replace(/"/g, ''),
        size: o.Size ?? 0,
        lastModified: (o.LastModified ?? new Date(0)).toISOString(),
      });
    }
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  if (objects.length === 0) {
    io.stderr(
      `ohlcv reprocess: no raw object in s3://${res.bucket}/raw/ can hold bars of that range (${listed} listed): nothing to rebuild\n`,
    );
    return 1;
  }

  // Named by what it rebuilds from and how: the same request twice is the same manifest.
  const hash = createHash('sha256').update(JSON.stringify(scope));
  for (const o of objects) hash.update(`${o.key}\u0000${o.etag}\n`);
  const id = `reprocess-${hash.digest('hex').slice(0, 24)}`;
  const manifest = manifestSchema.parse({
    manifestId: id,
    createdAt: new Date().toISOString(),
    correlationId: id,
    objects,
  });
  const key = manifestKey(id);
  await s3.send(
    new PutObjectCommand({
      Bucket: res.bucket,
      Key: key,
      Body: JSON.stringify(manifest, null, 2),
      ContentType: 'application/json',
    }),
  );
  const { jobRunId } = await glueJobRunner({ client: new GlueClient({}) }).startJobRun({
    jobName: res.etlJob,
    arguments: {
      '--manifest_key': key,
      '--correlation_id': id,
      [REPROCESS_SCOPE_ARG]: JSON.stringify(scope),
    },
  });
  const out = {
    stage: res.stage,
    jobName: res.etlJob,
    jobRunId,
    manifestKey: key,
    objects: objects.length,
    scope,
  };
  if (format === 'json') io.stdout(`${toJson(out)}\n`);
  else
    io.stdout(
      `started reprocess run ${jobRunId} of ${res.etlJob} from ${objects.length} raw object(s) (manifest s3://${res.bucket}/${key})\n` +
        `follow it: ohlcv status --stage ${res.stage}   or   aws glue get-job-run --job-name ${res.etlJob} --run-id ${jobRunId}\n` +
        'when it succeeds, catalog-sync switches the rebuilt partitions (Partitions Registered on the pipeline bus)\n',
    );
  return 0;
}
