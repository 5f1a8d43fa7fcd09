/**
 * The Glue job exactly as infra declares it, for running it on local Spark: the
 * DefaultArguments, script location, --extra-py-files and the S3 assets (key -> repo file)
 * of the recorded synth graph. `installGlueStage` lays those assets out in a folder that
 * stands for s3://<bucket>/ and returns the run's script, modules and arguments, so a
 * mismatch between what infra uploads and what the job reads fails the run.
 *
 * `recordedGlueJob` reads them from infra's own recorder (infra/record-stage.ts).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { glueJobDefinition, recordStage } from '../../../infra/record-stage.ts';
import type { SparkJobRun } from '../src/spark-engine.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface RecordedGlueJob {
  name: string;
  /** The bucket name put in place of the graph's bucket token: s3://<bucket>/ is what gets mapped. */
  bucket: string;
  defaultArguments: Record<string, string>;
  scriptLocation: string;
  assets: Array<{ key: string; source: string }>;
}

/**
 * The ETL job from the stage graph infra records (infra/record-stage.ts, issue 10's recorder).
 * `env` is the deploy's environment on top of the test's region and watchlist (e.g.
 * OHLCV_MIN_DATE, which infra turns into job arguments).
 */
export function recordedGlueJob(
  stage = 'dev',
  bucket = 'ohlcv-test-lake',
  env: Record<string, string> = {},
): RecordedGlueJob {
  const rec = recordStage(stage, {
    root: repoRoot,
    env: { OHLCV_AWS_REGION: 'eu-west-1', OHLCV_WATCHLIST: 'AAPL', ...env },
  });
  const job = glueJobDefinition(rec, bucket);
  return {
    name: job.name,
    bucket,
    defaultArguments: job.defaultArguments,
    scriptLocation: job.scriptLocation,
    assets: job.assets.map((a) => ({ key: a.key, source: a.path })),
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
