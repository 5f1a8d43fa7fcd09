/**
 * THE adapter between a Glue job run and the local ETL engine (the one file to change when
 * packages/etl changes shape): the run's manifest, its raw objects and the partitions it may
 * rewrite are copied from the emulator's S3 into a scratch lake folder (DuckDB's httpfs cannot
 * be downloaded here), the job runs through `@ohlcv/etl`'s public entry, and what it wrote is
 * uploaded with PutObject (and what it replaced deleted) — with the Glue role's credentials,
 * so the job's S3 permissions are exercised too.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  type Clock,
  manifestSchema,
  REPROCESS_SCOPE_ARG,
  type RunSummary,
  reprocessScopeSchema,
} from '@ohlcv/core';
import { reprocessFromRaw, runEtlJob } from '@ohlcv/etl';

export interface GlueRunInput {
  s3: S3Client;
  /** The run's arguments: job defaults overlaid with StartJobRun's. */
  args: Record<string, string>;
  jobRunId: string;
  jobName: string;
  scratchDir: string;
  clock: Clock;
}

/** What the job may rewrite: existing partitions are read back by the dedupe and rollups. */
const OUTPUT_PREFIXES = ['processed/', 'quarantine/'];

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
}

async function listObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ key: string; etag: string }[]> {
  const out: { key: string; etag: string }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? [])
      if (o.Key) out.push({ key: o.Key, etag: (o.ETag ?? '').replace(/"/g, '') });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

function filesUnder(dir: string): string[] {
  let out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    out = statSync(p).isDirectory() ? out.concat(filesUnder(p)) : out.concat(p);
  }
  return out;
}

/** A key from S3 used as a local path: only plain relative segments. */
function localPath(root: string, key: string): string {
  if (key.split('/').some((s) => s === '..' || s === '.' || s === '') || key.includes('\\'))
    throw new Error(`refusing object key ${JSON.stringify(key)} as a local path`);
  return join(root, ...key.split('/'));
}

/**
 * The scratch lake is kept between runs as a mirror of the bucket's output prefixes: before
 * a run only objects whose ETag (the MD5 of a single-part upload) differs are fetched, and
 * after it only files whose MD5 changed are uploaded — the bucket stays the truth.
 */
export async function runGlueJobOnDuckDb(input: GlueRunInput): Promise<RunSummary> {
  const { s3, args, jobRunId, jobName, clock } = input;
  const bucket = args['--bucket'];
  const manifestKey = args['--manifest_key'];
  if (!bucket) throw new Error('job argument --bucket is missing');
  if (!manifestKey) throw new Error('job argument --manifest_key is missing');
  const lake = join(input.scratchDir, 'lake');
  mkdirSync(lake, { recursive: true });
  const manifest = manifestSchema.parse(
    JSON.parse(new TextDecoder().decode(await getBytes(s3, bucket, manifestKey))),
  );
  const fetchTo = async (key: string) => {
    const bytes = await getBytes(s3, bucket, key);
    const p = localPath(lake, key);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, bytes);
  };
  for (const o of manifest.objects) await fetchTo(o.key);
  /** The bucket's output objects before the run: key → MD5. */
  const before = new Map<string, string>();
  for (const prefix of OUTPUT_PREFIXES) {
    const listed = await listObjects(s3, bucket, prefix);
    for (const { key, etag } of listed) {
      const p = localPath(lake, key);
      let local: string | undefined;
      try {
        local = md5(readFileSync(p));
      } catch {
        local = undefined;
      }
      if (local !== etag) await fetchTo(key);
      before.set(key, etag);
    }
    // Local files the bucket no longer has would be read as partitions: drop them.
    for (const file of filesUnder(join(lake, prefix))) {
      const key = relative(lake, file).split(sep).join('/');
      if (!before.has(key)) rmSync(file, { force: true });
    }
  }

  // A reprocess run (`ohlcv reprocess --stage`): the local engine's reprocess of that scope.
  const scopeArg = args[REPROCESS_SCOPE_ARG];
  const summary = scopeArg
    ? (
        await reprocessFromRaw({
          lakeRoot: lake,
          manifest,
          jobRunId,
          scope: reprocessScopeSchema.parse(JSON.parse(scopeArg)),
          runJob: (lakeRoot, m, id) => runEtlJob({ lakeRoot, manifest: m, jobRunId: id, jobName, clock }),
        })
      ).summary
    : await runEtlJob({ lakeRoot: lake, manifest, jobRunId, jobName, clock });

  const written = new Set<string>();
  for (const file of [...OUTPUT_PREFIXES, `_runs/${jobRunId}/`].flatMap((p) => filesUnder(join(lake, p)))) {
    const key = relative(lake, file).split(sep).join('/');
    written.add(key);
    const body = readFileSync(file);
    if (before.get(key) === md5(body)) continue;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }
  // Partitions the run rewrote lost their old files: remove those from the bucket too.
  for (const key of before.keys())
    if (!written.has(key)) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  for (const o of manifest.objects) rmSync(localPath(lake, o.key), { force: true });
  return summary;
}
