/**
 * The JobRunner contract: a run starts with its arguments and gets an id; a busy runner
 * answers `ConcurrentRunsExceeded`, retryable, so the caller can hand the work back to
 * its queue; a job that does not exist is `JobNotFound`, not retryable (Glue's
 * `EntityNotFoundException` is mapped onto it by the Glue adapter).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import type { JobRunner, StartJobRunInput } from '../ports.ts';

export interface JobRunnerFixture {
  runner: JobRunner;
  /** Runs the runner was asked to start and accepted. */
  started: () => Promise<StartJobRunInput[]>;
  cleanup?: () => Promise<void> | void;
}

export function describeJobRunnerContract(
  name: string,
  makeRunner: (scenario: 'idle' | 'busy') => Promise<JobRunnerFixture> | JobRunnerFixture,
  jobName: string,
): void {
  describe(`JobRunner contract: ${name}`, () => {
    let fixture: JobRunnerFixture | undefined;
    const open = async (scenario: 'idle' | 'busy'): Promise<JobRunnerFixture> => {
      fixture = await makeRunner(scenario);
      return fixture;
    };
    afterEach(async () => {
      await fixture?.cleanup?.();
      fixture = undefined;
    });

    it('starts a run with its arguments and returns a run id', async () => {
      const f = await open('idle');
      const input = {
        jobName,
        arguments: { '--manifest_key': '_manifests/m1.json', '--correlation_id': 'c1' },
      };
      const { jobRunId } = await f.runner.startJobRun(input);
      expect(typeof jobRunId).toBe('string');
      expect(jobRunId.length).toBeGreaterThan(0);
      const started = await f.started();
      expect(started).toHaveLength(1);
      expect(started[0]).toEqual(input);
    });

    it('answers ConcurrentRunsExceeded, retryable, when busy', async () => {
      const f = await open('busy');
      const err = await f.runner
        .startJobRun({ jobName, arguments: { '--manifest_key': '_manifests/m2.json' } })
        .catch((e: unknown) => e);
      expect(isAppError(err)).toBe(true);
      expect(isAppError(err) && err.code).toBe('ConcurrentRunsExceeded');
      expect(isAppError(err) && err.retryable).toBe(true);
    });

    it('answers JobNotFound, not retryable, for a job that does not exist; nothing starts', async () => {
      const f = await open('idle');
      const err = await f.runner
        .startJobRun({ jobName: `${jobName}-missing`, arguments: { '--manifest_key': '_manifests/m3.json' } })
        .catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('JobNotFound');
      expect(isAppError(err) && err.retryable).toBe(false);
      expect(await f.started()).toEqual([]);
    });
  });
}
