import { randomBytes } from 'node:crypto';
import {
  AppError,
  type Clock,
  errorMessage,
  type JobRunner,
  type Logger,
  type StartJobRunInput,
} from '@ohlcv/core';
import { buildGlueJobStateChangeEvent } from '@ohlcv/events';
import type { StateDb } from '../state-db.ts';
import type { EventRouter } from './event-router.ts';

export type JobRunState = 'WAITING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMEOUT';

export interface JobRunRecord {
  jobRunId: string;
  jobName: string;
  arguments: Record<string, string>;
  state: JobRunState;
  submittedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export type JobBody = (run: JobRunRecord, signal: AbortSignal) => Promise<void>;

export interface LocalJobRunnerOptions {
  db: StateDb;
  router: EventRouter;
  clock: Clock;
  logger: Logger;
  /** The job itself, per job name (the ETL job on DuckDB). */
  jobs: Record<string, JobBody>;
  timeoutMs?: number;
  /** Runs allowed to wait; beyond it StartJobRun answers ConcurrentRunsExceeded, as Glue does. */
  maxWaitingRuns?: number;
  account?: string;
  region?: string;
}

/**
 * The local stand-in for Glue: StartJobRun records a run and returns its id at once;
 * runs execute one at a time off the request path (Glue with job run queuing on, one
 * concurrent run), and each end emits `Glue Job State Change` in AWS's shape. Runs are
 * in SQLite: a run interrupted by a crash is run again on the next start, which is safe
 * because the ETL job is idempotent.
 */
export class LocalJobRunner implements JobRunner {
  private readonly o: Required<LocalJobRunnerOptions>;
  private running: Promise<void> | undefined;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private abort = new AbortController();

  constructor(opts: LocalJobRunnerOptions) {
    this.o = {
      ...opts,
      timeoutMs: opts.timeoutMs ?? 30 * 60_000,
      maxWaitingRuns: opts.maxWaitingRuns ?? 50,
      account: opts.account ?? '000000000000',
      region: opts.region ?? 'us-east-1',
    };
    opts.db.exec(`CREATE TABLE IF NOT EXISTS job_runs (
      job_run_id TEXT PRIMARY KEY,
      job_name TEXT NOT NULL,
      arguments TEXT NOT NULL,
      state TEXT NOT NULL,
      submitted_at TEXT NOT NULL,
      started_at TEXT,
      finished_at TEXT,
      error TEXT
    );
    CREATE INDEX IF NOT EXISTS job_runs_state ON job_runs (state, submitted_at)`);
  }

  async startJobRun(input: StartJobRunInput): Promise<{ jobRunId: string }> {
    if (!this.o.jobs[input.jobName]) {
      throw new AppError('JobNotFound', `no job named ${input.jobName}`);
    }
    const waiting = this.o.db
      .prepare("SELECT COUNT(*) AS n FROM job_runs WHERE job_name = ? AND state = 'WAITING'")
      .get(input.jobName) as { n: number };
    if (waiting.n >= this.o.maxWaitingRuns) {
      throw new AppError('ConcurrentRunsExceeded', `${input.jobName} has ${waiting.n} runs waiting`, {
        retryable: true,
      });
    }
    const jobRunId = `jr_${randomBytes(32).toString('hex')}`;
    this.o.db
      .prepare(
        "INSERT INTO job_runs (job_run_id, job_name, arguments, state, submitted_at) VALUES (?, ?, ?, 'WAITING', ?)",
      )
      .run(jobRunId, input.jobName, JSON.stringify(input.arguments), this.o.clock.now().toISOString());
    this.kick();
    return { jobRunId };
  }

  /** Starts working through waiting runs; runs interrupted by a crash are resumed. */
  start(): void {
    this.stopped = false;
    this.o.db
      .prepare("UPDATE job_runs SET state = 'WAITING', started_at = NULL WHERE state = 'RUNNING'")
      .run();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.running;
    this.abort = new AbortController();
  }

  /** Resolves when this runner has no run left to work on (at once when stopped). */
  async idle(): Promise<void> {
    if (!this.running) {
      if (this.stopped || this.waiting() === 0) return;
      this.kick();
    }
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private waiting(): number {
    return (
      this.o.db.prepare("SELECT COUNT(*) AS n FROM job_runs WHERE state = 'WAITING'").get() as { n: number }
    ).n;
  }

  pending(): number {
    return (
      this.o.db.prepare("SELECT COUNT(*) AS n FROM job_runs WHERE state IN ('WAITING', 'RUNNING')").get() as {
        n: number;
      }
    ).n;
  }

  runs(limit = 20): JobRunRecord[] {
    return (
      this.o.db.prepare('SELECT * FROM job_runs ORDER BY rowid DESC LIMIT ?').all(limit) as RunRow[]
    ).map(toRecord);
  }

  counts(): Record<JobRunState, number> {
    const out: Record<JobRunState, number> = { WAITING: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, TIMEOUT: 0 };
    for (const r of this.o.db.prepare('SELECT state, COUNT(*) AS n FROM job_runs GROUP BY state').all() as {
      state: JobRunState;
      n: number;
    }[])
      out[r.state] = r.n;
    return out;
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    // The first run starts on a later turn of the event loop: a job's synchronous start
    // (opening DuckDB, reading the manifest) never runs inside StartJobRun's caller.
    this.running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.loop())
      .finally(() => {
        this.running = undefined;
        // Only WAITING runs are this runner's work: a RUNNING row of another runner (or one
        // left by a crash, before start() resets it) must not make this loop spin.
        if (this.waiting() === 0 || this.stopped) {
          for (const w of this.idleWaiters.splice(0)) w();
        } else this.kick();
      });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const row = this.o.db
        // rowid is submission order; submitted_at ties within a millisecond (and run ids are random).
        .prepare("SELECT * FROM job_runs WHERE state = 'WAITING' ORDER BY rowid LIMIT 1")
        .get() as RunRow | undefined;
      if (!row) return;
      await this.execute(toRecord(row));
    }
  }

  private async execute(run: JobRunRecord): Promise<void> {
    const startedAt = this.o.clock.now();
    const claimed = this.o.db
      .prepare(
        "UPDATE job_runs SET state = 'RUNNING', started_at = ? WHERE job_run_id = ? AND state = 'WAITING'",
      )
      .run(startedAt.toISOString(), run.jobRunId);
    if (claimed.changes === 0) return; // another engine took it
    const body = this.o.jobs[run.jobName]!;
    let state: JobRunState = 'SUCCEEDED';
    let error: string | null = null;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.o.timeoutMs);
    try {
      await Promise.race([
        body(
          { ...run, state: 'RUNNING', startedAt: startedAt.toISOString() },
          anySignal(timeout.signal, this.abort.signal),
        ),
        new Promise<never>((_, reject) =>
          timeout.signal.addEventListener('abort', () => reject(new JobTimeout()), { once: true }),
        ),
      ]);
    } catch (err) {
      // Decided by the timer, not by which rejection won the race: a job that honours its
      // signal rejects with its own error at the same moment the timeout fires.
      const timedOut = err instanceof JobTimeout || timeout.signal.aborted;
      if (this.stopped && !timedOut) {
        // Shutting down mid-run: leave it RUNNING so the next start runs it again.
        clearTimeout(timer);
        return;
      }
      state = timedOut ? 'TIMEOUT' : 'FAILED';
      error = timedOut ? `timed out after ${this.o.timeoutMs} ms` : errorMessage(err);
      this.o.logger.error('job run failed', { jobRunId: run.jobRunId, state, error });
    } finally {
      clearTimeout(timer);
    }
    const finishedAt = this.o.clock.now().toISOString();
    const envelope = buildGlueJobStateChangeEvent({
      id: crypto.randomUUID(),
      time: finishedAt,
      account: this.o.account,
      region: this.o.region,
      jobName: run.jobName,
      jobRunId: run.jobRunId,
      state,
      message: error ?? 'Job run succeeded',
    }) as unknown as Record<string, unknown>;
    // The state change and the event commit together: no finished run without its event.
    this.o.router.deliver('default', [envelope], () => {
      this.o.db
        .prepare('UPDATE job_runs SET state = ?, finished_at = ?, error = ? WHERE job_run_id = ?')
        .run(state, finishedAt, error, run.jobRunId);
    });
    this.o.logger.info('job run finished', { jobRunId: run.jobRunId, state });
  }
}

class JobTimeout extends Error {}

function anySignal(...signals: AbortSignal[]): AbortSignal {
  const c = new AbortController();
  for (const s of signals) {
    if (s.aborted) c.abort();
    else s.addEventListener('abort', () => c.abort(), { once: true });
  }
  return c.signal;
}

interface RunRow {
  job_run_id: string;
  job_name: string;
  arguments: string;
  state: JobRunState;
  submitted_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
}

const toRecord = (r: RunRow): JobRunRecord => ({
  jobRunId: r.job_run_id,
  jobName: r.job_name,
  arguments: JSON.parse(r.arguments) as Record<string, string>,
  state: r.state,
  submittedAt: r.submitted_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error,
});
