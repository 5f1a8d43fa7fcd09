/**
 * The Glue job exactly as infra declares it, for running it on local Spark: the
 * DefaultArguments, script location, --extra-py-files and the S3 assets (key -> repo file)
 * of the recorded synth graph. `installGlueStage` lays those assets out in a folder that
 * stands for s3://<bucket>/ and returns the run's script, modules and arguments, so a
 * mismatch between what infra uploads and what the job reads fails the run.
 *
 * The one function to switch to the issue-10 stage recorder once it lands: `recordedGlueJob`.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deploy } from '../../../infra/index.ts';
import type { Platform } from '../../../infra/platform.ts';
import { stageConfig } from '../../../infra/stages.ts';
import { ACCOUNT_ID, createRecorder } from '../../../infra/test/recorder.ts';
import type { SparkJobRun } from '../src/spark-engine.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface RecordedGlueJob {
  name: string;
  /** The bucket as the graph names it (a token): s3://<bucket>/ is what gets mapped. */
  bucket: string;
  defaultArguments: Record<string, string>;
  scriptLocation: string;
  assets: Array<{ key: string; source: string }>;
}

export function recordedGlueJob(stage = 'dev'): RecordedGlueJob {
  const rec = createRecorder();
  const platform = {
    app: { name: 'ohlcv', stage },
    aws: rec.aws,
    sst: rec.sst,
    util: rec.util,
    accountId: ACCOUNT_ID,
    root: repoRoot,
  } as unknown as Platform;
  deploy(platform, stageConfig(stage, { OHLCV_AWS_REGION: 'eu-west-1', OHLCV_WATCHLIST: 'AAPL' }));
  const job = rec.resources.find((r) => r.type === 'aws.glue.Job');
  const bucketRes = rec.resources.find((r) => r.type === 'aws.s3.Bucket');
  if (!job || !bucketRes) throw new Error('the recorded graph has no Glue job or bucket');
  const bucket = `\${aws.s3.Bucket:${bucketRes.name}.bucket}`;
  return {
    name: job.args.name,
    bucket,
    defaultArguments: job.args.defaultArguments,
    scriptLocation: job.args.command.scriptLocation,
    assets: rec.resources
      .filter((r) => r.type === 'aws.s3.BucketObjectv2' && r.args.bucket === bucket)
      .map((r) => ({ key: r.args.key, source: r.args.source.path })),
  };
}

/** Copies the uploads into `s3Root` (as s3://<bucket>/) and returns a run template. */
export function installGlueStage(job: RecordedGlueJob, s3Root: string): Omit<SparkJobRun, 'now'> {
  for (const a of job.assets) {
    const dest = join(s3Root, a.key);
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(a.source, dest);
  }
  const prefix = `s3://${job.bucket}/`;
  const local = (url: string): string => {
    if (!url.startsWith(prefix)) throw new Error(`${url} is not in the job's bucket`);
    return join(s3Root, url.slice(prefix.length));
  };
  const extra = job.defaultArguments['--extra-py-files'];
  return {
    script: local(job.scriptLocation),
    pyFiles: extra ? extra.split(',').map(local) : [],
    s3Root,
    arguments: { ...job.defaultArguments, '--JOB_NAME': job.name },
  };
}
