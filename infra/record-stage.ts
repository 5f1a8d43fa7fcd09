/**
 * The synthesized graph of one stage, recorded offline: `deploy()` run against the
 * recorders of SST's and Pulumi's constructors. The synth test asserts on it, the stage
 * rehearsal (`@ohlcv/stage`) provisions from it, and the Spark test reads the Glue job's
 * default arguments and asset uploads from it — one graph, not hand-written copies.
 */

import { Graph } from './graph.ts';
import { deploy } from './index.ts';
import type { Platform } from './platform.ts';
import { ACCOUNT_ID, createRecorder, token } from './recorder.ts';
import { type StageConfig, stageConfig } from './stages.ts';
import { type InfraTopology, sharedTopology } from './topology.ts';

export interface RecordStageOptions {
  /** Environment read by stageConfig (region, watchlist, ...); defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Repository root: where assets (Glue script, sql/) are read. Defaults to the cwd. */
  root?: string;
  topology?: InfraTopology;
  appName?: string;
}

export interface RecordedStage {
  graph: Graph;
  stage: StageConfig;
  /** `deploy()`'s outputs, as recorder tokens (`${Type:name.prop}`). */
  outputs: ReturnType<typeof deploy>;
  accountId: string;
  root: string;
}

export const APP_NAME = 'ohlcv';

export function recordStage(stageName: string, opts: RecordStageOptions = {}): RecordedStage {
  const rec = createRecorder();
  const root = opts.root ?? process.cwd();
  const platform = {
    app: { name: opts.appName ?? APP_NAME, stage: stageName },
    aws: rec.aws,
    sst: rec.sst,
    util: rec.util,
    accountId: ACCOUNT_ID,
    root,
  } as unknown as Platform;
  const stage = stageConfig(stageName, opts.env ?? process.env);
  const outputs = deploy(platform, stage, opts.topology ?? sharedTopology);
  return { graph: new Graph(rec.resources), stage, outputs, accountId: ACCOUNT_ID, root };
}

export { Graph } from './graph.ts';
export { ACCOUNT_ID, type RecordedResource, token } from './recorder.ts';

export interface GlueJobDefinition {
  name: string;
  scriptLocation: string;
  /** The job's DefaultArguments, with the bucket's name in place of its token. */
  defaultArguments: Record<string, string>;
  /** What infra uploads for the job: bucket key → local file. */
  assets: { key: string; path: string }[];
}

/**
 * The ETL job as the stage declares it, for a runner that plays Glue (the stage harness, the
 * Spark test): its arguments and asset uploads, with `bucket` in place of the bucket token.
 */
export function glueJobDefinition(rec: RecordedStage, bucket: string): GlueJobDefinition {
  const bucketToken = token('aws.s3.Bucket', 'DataLake', 'bucket');
  const fill = (v: unknown): string => String(v).replaceAll(bucketToken, bucket);
  const job = rec.graph.ofType('aws.glue.Job')[0];
  if (!job) throw new Error(`stage ${rec.stage.stage} declares no Glue job`);
  return {
    name: String(job.args.name),
    scriptLocation: fill(job.args.command.scriptLocation),
    defaultArguments: Object.fromEntries(
      Object.entries(job.args.defaultArguments as Record<string, unknown>).map(([k, v]) => [k, fill(v)]),
    ),
    assets: rec.graph
      .ofType('aws.s3.BucketObjectv2')
      .map((o) => ({ key: String(o.args.key), path: String(o.args.source.path) })),
  };
}
