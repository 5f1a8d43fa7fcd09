/**
 * The Spark engine: one long-lived Python process (spark/driver.py) holding one
 * SparkSession, to which job runs are sent one at a time. It runs the Glue job script
 * (glue/etl_job.py) with Glue-style arguments; OHLCV_ETL_S3_ROOT maps s3://<bucket>/ to a
 * folder. Used by the local runtime (OHLCV_ETL_ENGINE=spark) and the parity suite.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  AppError,
  DEFAULT_STAGING_LIMITS,
  type RunSummary,
  runSummarySchema,
  type StagingLimits,
  stagingJobArguments,
} from '@ohlcv/core';

export const glueScriptDir = fileURLToPath(new URL('../glue/', import.meta.url));
export const sparkDriverScript = fileURLToPath(new URL('../spark/driver.py', import.meta.url));
/** The job script and its modules, as infra uploads them (script first). */
export const glueJobFiles = [
  'etl_job.py',
  'etl_runner.py',
  'etl_plan.py',
  'etl_staging.py',
  'etl_screen.py',
  'etl_versions.py',
  'etl_reprocess.py',
] as const;

/** Python with pyspark: OHLCV_SPARK_PYTHON, else the project venv (.ci/prepare.d/10-python.sh). */
export function sparkPython(): string | undefined {
  const explicit = process.env.OHLCV_SPARK_PYTHON;
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  const cache = process.env.OHLCV_CACHE_DIR ?? join(homedir(), '.cache', 'ohlcv-data-engine');
  const p = join(cache, 'venv', 'bin', 'python');
  return existsSync(p) ? p : undefined;
}

export interface SparkEngineOptions {
  python?: string;
  /** Default: SPARK_MASTER, else local[*]. */
  master?: string;
  shufflePartitions?: number;
  /** JVM options of the driver (spark.driver.extraJavaOptions); default: the JVM's own. */
  javaOptions?: string;
  /** Called with each line Spark writes to stderr (its logs). */
  onLog?: (line: string) => void;
}

export interface SparkJobRun {
  /** The job script and --extra-py-files (local paths). */
  script: string;
  pyFiles: string[];
  /** Glue-style arguments: `--name value` pairs (merged DefaultArguments and run arguments). */
  arguments: Record<string, string>;
  /** The folder standing for s3://<bucket>/. */
  s3Root: string;
  /** Test knob: the run's clock (future-timestamp rule). */
  now?: string;
  /** Test knob (spark/driver.py): fail the run right after this many partitions are published. */
  faults?: { failAfterPublishes: number };
}

interface Reply {
  id: number;
  ok: boolean;
  summary?: unknown;
  error?: string;
  ready?: boolean;
}

export class SparkEngine {
  private nextId = 1;
  private readonly waiting = new Map<number, (r: Reply) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private exited: Error | undefined;
  private readonly stderrTail: string[] = [];

  private constructor(private readonly child: ChildProcess) {}

  static async start(opts: SparkEngineOptions = {}): Promise<SparkEngine> {
    const python = opts.python ?? sparkPython();
    if (!python) {
      throw new AppError(
        'SparkUnavailable',
        'OHLCV_ETL_ENGINE=spark needs Python with pyspark 3.5: run .ci/prepare.d/10-python.sh or set OHLCV_SPARK_PYTHON',
      );
    }
    const child = spawn(python, [sparkDriverScript], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SPARK_MASTER: opts.master ?? process.env.SPARK_MASTER ?? 'local[*]',
        OHLCV_SPARK_SHUFFLE_PARTITIONS: String(opts.shufflePartitions ?? 8),
        ...(opts.javaOptions ? { OHLCV_SPARK_JAVA_OPTIONS: opts.javaOptions } : {}),
        PYTHONUNBUFFERED: '1',
      },
    });
    const engine = new SparkEngine(child);
    const ready = new Promise<Reply>((resolve) => engine.waiting.set(0, resolve));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('@@ ')) return;
      const r = JSON.parse(line.slice(3)) as Reply;
      engine.waiting.get(r.id)?.(r);
      engine.waiting.delete(r.id);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      engine.stderrTail.push(line);
      if (engine.stderrTail.length > 40) engine.stderrTail.shift();
      opts.onLog?.(line);
    });
    child.on('exit', (code, signal) => {
      engine.exited = new Error(
        `Spark driver exited (${signal ?? code}): ${engine.stderrTail.slice(-15).join('\n')}`,
      );
      for (const w of engine.waiting.values()) w({ id: -1, ok: false, error: engine.exited.message });
      engine.waiting.clear();
    });
    const r = await ready;
    if (!r.ok) throw new AppError('SparkUnavailable', r.error ?? 'Spark driver did not start');
    return engine;
  }

  /** Runs one job run (runs are serialized); resolves with the run summary it wrote. */
  run(job: SparkJobRun): Promise<RunSummary> {
    const next = this.queue.then(() => this.send(job));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async send(job: SparkJobRun): Promise<RunSummary> {
    if (this.exited) throw this.exited;
    const id = this.nextId++;
    const argv = [job.script, ...Object.entries(job.arguments).flat()];
    const reply = new Promise<Reply>((resolve) => this.waiting.set(id, resolve));
    this.child.stdin!.write(
      `${JSON.stringify({ id, script: job.script, pyFiles: job.pyFiles, argv, s3Root: job.s3Root, now: job.now, faults: job.faults })}\n`,
    );
    const r = await reply;
    if (!r.ok) throw new AppError('EtlJobFailed', `Spark job run failed: ${r.error}`);
    return runSummarySchema.parse(r.summary);
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGTERM'), 20_000);
    await done;
    clearTimeout(timer);
  }
}

/**
 * Arguments for a run of the repo's job on a local lake folder: what infra declares, with
 * the local sql tree as --sql_prefix (the runtime has no upload step) and the staging
 * limits as job arguments, as infra passes them (core's stagingJobArguments).
 */
export function localSparkJobRun(input: {
  lakeRoot: string;
  bucket: string;
  manifestKey: string;
  jobRunId: string;
  jobName: string;
  sqlRoot: string;
  limits?: StagingLimits;
}): SparkJobRun {
  const [script, ...pyFiles] = glueJobFiles.map((f) => join(glueScriptDir, f));
  return {
    script: script!,
    pyFiles,
    s3Root: input.lakeRoot,
    arguments: {
      '--JOB_NAME': input.jobName,
      '--JOB_RUN_ID': input.jobRunId,
      '--bucket': input.bucket,
      '--sql_prefix': input.sqlRoot.endsWith('/') ? input.sqlRoot : `${input.sqlRoot}/`,
      '--manifest_key': input.manifestKey,
      ...stagingJobArguments(input.limits ?? DEFAULT_STAGING_LIMITS),
    },
  };
}
