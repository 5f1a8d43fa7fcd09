/**
 * The synthesized graph of one stage, recorded offline: `deploy()` run against the
 * recorders of SST's and Pulumi's constructors. The synth test asserts on it, the stage
 * rehearsal (`@ohlcv/stage`) provisions from it, and the Spark test reads the Glue job's
 * default arguments and asset uploads from it — one graph, not hand-written copies.
 */

import { Graph } from './graph.ts';
import { deploy } from './index.ts';
import type { Platform } from './platform.ts';
import { ACCOUNT_ID, createRecorder } from './recorder.ts';
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
