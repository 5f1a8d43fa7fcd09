import { isAppError, systemClock } from '@ohlcv/core';
import { fixedClock, memoryLogger } from '@ohlcv/core/contracts/in-memory';
import { describeJobRunnerContract } from '@ohlcv/core/contracts/index';
import { glueJobStateChangeEventSchema } from '@ohlcv/events';
import { afterEach, describe, expect, it } from 'vitest';
import { type JobBody, LocalJobRunner, type LocalJobRunnerOptions } from './local-job-runner.ts';
import { eventually, type RuntimeKit, runtimeKit, TEST_JOB } from './testing/runtime-kit.ts';

const args = (i: number) => ({ '--manifest_key': `_manifests/m${i}.json`, '--correlation_id': `c${i}` });

/** A promise the test resolves: holds a job body until released. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

const kits: RuntimeKit[] = [];
const runners: LocalJobRunner[] = [];
afterEach(async () => {
  for (const r of runners.splice(0)) await r.stop();
  for (const k of kits.splice(0)) k.cleanup();
});

function setup(body: JobBody, opts: Partial<LocalJobRunnerOptions> = {}, kit = runtimeKit()) {
  if (!kits.includes(kit)) kits.push(kit);
  const logger = memoryLogger();
  const runner = new LocalJobRunner({
    db: kit.db,
    router: kit.router,
    clock: systemClock,
    logger,
    jobs: { [TEST_JOB]: body },
    ...opts,
  });
  runners.push(runner);
  const glueEvents = (queue: 'catalog-sync' | 'quality-alert') =>
    kit.messages(queue).map((b) => {
      const parsed = glueJobStateChangeEventSchema.safeParse(b);
      expect(parsed.success).toBe(true);
      return parsed.data!;
    });
  return { kit, runner, logger, glueEvents };
}

describeJobRunnerContract(
  'LocalJobRunner',
  (scenario) => {
    const { runner, kit } = setup(async () => {}, { maxWaitingRuns: scenario === 'busy' ? 0 : 50 });
    return {
      runner,
      started: async () => runner.runs().map((r) => ({ jobName: r.jobName, arguments: r.arguments })),
      cleanup: async () => {
        await runner.stop();
        kit.cleanup();
      },
    };
  },
  TEST_JOB,
);

describe('LocalJobRunner', () => {
  it('StartJobRun returns at once; the run happens off the request path', async () => {
    const g = gate();
    let calls = 0;
    const { runner } = setup(async () => {
      calls++;
      await g.wait;
    });
    const pending = runner.startJobRun({ jobName: TEST_JOB, arguments: args(1) });
    // Not even the synchronous start of the job body runs inside the caller's turn.
    expect(calls).toBe(0);
    const { jobRunId } = await pending;
    expect(jobRunId).toMatch(/^jr_[0-9a-f]{64}$/);
    await eventually(() => runner.runs()[0]?.state === 'RUNNING');
    expect(calls).toBe(1);
    g.open();
    await runner.idle();
    expect(runner.runs()[0]).toMatchObject({ jobRunId, state: 'SUCCEEDED', error: null, arguments: args(1) });
    expect(runner.pending()).toBe(0);
  });

  it('a successful run emits Glue Job State Change SUCCEEDED, routed to catalog-sync only', async () => {
    const { runner, glueEvents } = setup(async () => {});
    const { jobRunId } = await runner.startJobRun({ jobName: TEST_JOB, arguments: args(1) });
    await runner.idle();
    const [event, ...rest] = glueEvents('catalog-sync');
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      source: 'aws.glue',
      'detail-type': 'Glue Job State Change',
      detail: {
        jobName: TEST_JOB,
        jobRunId,
        state: 'SUCCEEDED',
        severity: 'INFO',
        message: 'Job run succeeded',
      },
    });
    expect(glueEvents('quality-alert')).toEqual([]);
    expect(runner.counts()).toMatchObject({ SUCCEEDED: 1, FAILED: 0, WAITING: 0, RUNNING: 0 });
  });

  it('a throwing run ends FAILED with its message, routed to quality-alert', async () => {
    const { runner, glueEvents, logger } = setup(async () => {
      throw new Error('Binder Error: column "clse" not found');
    });
    const { jobRunId } = await runner.startJobRun({ jobName: TEST_JOB, arguments: args(1) });
    await runner.idle();
    expect(glueEvents('catalog-sync')).toEqual([]);
    const alerts = glueEvents('quality-alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.detail).toMatchObject({
      jobRunId,
      state: 'FAILED',
      severity: 'ERROR',
      message: 'Binder Error: column "clse" not found',
    });
    expect(runner.runs()[0]).toMatchObject({
      state: 'FAILED',
      error: 'Binder Error: column "clse" not found',
    });
    expect(logger.lines.some((l) => l.level === 'error' && l.extra?.jobRunId === jobRunId)).toBe(true);
  });

  it('a run slower than the timeout ends TIMEOUT (its signal aborted), routed to quality-alert', async () => {
    let aborted = false;
    const { runner, glueEvents } = setup(
      (_run, signal) =>
        new Promise<void>((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
      { timeoutMs: 50 },
    );
    const { jobRunId } = await runner.startJobRun({ jobName: TEST_JOB, arguments: args(1) });
    await runner.idle();
    expect(aborted).toBe(true);
    expect(glueEvents('quality-alert').map((e) => e.detail)).toMatchObject([
      { jobRunId, state: 'TIMEOUT', severity: 'WARN' },
    ]);
    expect(runner.runs()[0]).toMatchObject({ state: 'TIMEOUT', error: 'timed out after 50 ms' });
  });

  it('runs one at a time, in submission order (even within one millisecond)', async () => {
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    const kit = runtimeKit();
    const { runner } = setup(
      async (run) => {
        active++;
        maxActive = Math.max(maxActive, active);
        log.push(`start ${run.arguments['--correlation_id']}`);
        await new Promise((r) => setTimeout(r, 5));
        log.push(`end ${run.arguments['--correlation_id']}`);
        active--;
      },
      // A frozen clock: every run is submitted at the same instant.
      { clock: fixedClock('2026-01-02T03:04:05.000Z') },
      kit,
    );
    for (let i = 1; i <= 6; i++) await runner.startJobRun({ jobName: TEST_JOB, arguments: args(i) });
    await runner.idle();
    expect(maxActive).toBe(1);
    expect(log).toEqual([1, 2, 3, 4, 5, 6].flatMap((i) => [`start c${i}`, `end c${i}`]));
    expect(runner.runs().map((r) => r.arguments['--correlation_id'])).toEqual([
      'c6',
      'c5',
      'c4',
      'c3',
      'c2',
      'c1',
    ]);
    expect(kit.messages('catalog-sync')).toHaveLength(6);
  });

  it('beyond maxWaitingRuns StartJobRun answers ConcurrentRunsExceeded, retryable', async () => {
    const g = gate();
    const { runner } = setup(() => g.wait, { maxWaitingRuns: 2 });
    await runner.startJobRun({ jobName: TEST_JOB, arguments: args(1) });
    await eventually(() => runner.counts().RUNNING === 1);
    await runner.startJobRun({ jobName: TEST_JOB, arguments: args(2) });
    await runner.startJobRun({ jobName: TEST_JOB, arguments: args(3) });
    const err = await runner.startJobRun({ jobName: TEST_JOB, arguments: args(4) }).catch((e: unknown) => e);
    expect(isAppError(err) && [err.code, err.retryable]).toEqual(['ConcurrentRunsExceeded', true]);
    g.open();
    await runner.idle();
    expect(runner.counts()).toMatchObject({ SUCCEEDED: 3, WAITING: 0, RUNNING: 0 });
  });

  it('an unknown job name is JobNotFound, nothing recorded', async () => {
    const { runner } = setup(async () => {});
    const err = await runner.startJobRun({ jobName: 'nope', arguments: {} }).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('JobNotFound');
    expect(runner.runs()).toEqual([]);
  });

  it('a run left RUNNING by a crashed process is run again by the next start()', async () => {
    const first = setup(async () => {});
    await first.runner.stop(); // nothing picks runs up: the "process" only records them
    const { jobRunId } = await first.runner.startJobRun({ jobName: TEST_JOB, arguments: args(7) });
    // What a process that claimed the run and then died leaves behind.
    first.kit.db
      .prepare("UPDATE job_runs SET state = 'RUNNING', started_at = ? WHERE job_run_id = ?")
      .run(new Date().toISOString(), jobRunId);

    const seen: string[] = [];
    const next = setup(
      async (run) => {
        seen.push(`${run.jobRunId} ${run.arguments['--manifest_key']}`);
      },
      {},
      first.kit.reopen(),
    );
    // Before start(): the orphan is not this runner's work, and idle() does not hang on it.
    await next.runner.idle();
    expect(seen).toEqual([]);
    next.runner.start();
    await eventually(() => next.runner.counts().SUCCEEDED === 1);
    await next.runner.idle();
    expect(seen).toEqual([`${jobRunId} _manifests/m7.json`]);
    expect(next.glueEvents('catalog-sync').map((e) => e.detail.jobRunId)).toEqual([jobRunId]);
  });

  it('stop() mid-run leaves the run RUNNING; the next start() runs it again', async () => {
    const first = setup(
      (_run, signal) =>
        new Promise<void>((_, reject) =>
          signal.addEventListener('abort', () => reject(new Error('stopping'))),
        ),
    );
    const { jobRunId } = await first.runner.startJobRun({ jobName: TEST_JOB, arguments: args(8) });
    await eventually(() => first.runner.counts().RUNNING === 1);
    await first.runner.stop();
    expect(first.runner.runs()[0]).toMatchObject({ jobRunId, state: 'RUNNING' });
    expect(first.kit.messages('quality-alert')).toEqual([]);
    await first.runner.idle(); // stopped: resolves at once

    const next = setup(async () => {}, {}, first.kit.reopen());
    next.runner.start();
    await eventually(() => next.runner.counts().SUCCEEDED === 1);
    expect(next.glueEvents('catalog-sync').map((e) => e.detail)).toMatchObject([
      { jobRunId, state: 'SUCCEEDED' },
    ]);
    expect(next.glueEvents('quality-alert')).toEqual([]);
  });
});
