/**
 * Glue job runs on the emulator: StartJobRun there returns at once and runs nothing, so the
 * harness picks up each new run, runs the job with that run's arguments (the job definition's
 * defaults overlaid with StartJobRun's) on the local ETL engine, then puts the documented
 * `Glue Job State Change` event on the default bus, where the stage's rules route it.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetJobCommand, GetJobRunsCommand } from '@aws-sdk/client-glue';
import { systemClock } from '@ohlcv/core';
import {
  buildGlueJobStateChangeEvent,
  GLUE_JOB_STATE_CHANGE,
  GLUE_SOURCE,
  type GlueJobRunState,
} from '@ohlcv/events';
import type { AwsClients } from './clients.ts';
import { runGlueJobOnDuckDb } from './etl-on-duckdb.ts';

export interface GlueRunRecord {
  jobRunId: string;
  state: GlueJobRunState;
  message: string;
  rowsIn?: number;
  rowsQuarantined?: number;
}

export class GlueRuns {
  readonly runs: GlueRunRecord[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly admin: AwsClients,
    private readonly glueRole: AwsClients,
    private readonly jobName: string,
    private readonly scratchDir: string,
  ) {}

  /** Runs every job run not handled yet; returns how many. */
  async step(): Promise<number> {
    const out = await this.admin.glue.send(new GetJobRunsCommand({ JobName: this.jobName }));
    const fresh = (out.JobRuns ?? []).filter((r) => r.Id && !this.seen.has(r.Id)).reverse();
    if (fresh.length === 0) return 0;
    const job = await this.admin.glue.send(new GetJobCommand({ JobName: this.jobName }));
    for (const run of fresh) {
      const jobRunId = run.Id as string;
      this.seen.add(jobRunId);
      const args = { ...(job.Job?.DefaultArguments ?? {}), ...(run.Arguments ?? {}) };
      let record: GlueRunRecord;
      try {
        const summary = await runGlueJobOnDuckDb({
          s3: this.glueRole.s3,
          args,
          jobRunId,
          jobName: this.jobName,
          scratchDir: this.scratchDir,
          clock: systemClock,
        });
        record = {
          jobRunId,
          state: 'SUCCEEDED',
          message: 'Job run succeeded',
          rowsIn: summary.rowsIn,
          rowsQuarantined: summary.rowsQuarantined,
        };
      } catch (err) {
        record = {
          jobRunId,
          state: 'FAILED',
          message: `Job run failed: ${(err as Error).message}`.slice(0, 500),
        };
      }
      this.runs.push(record);
      await this.announce(record);
    }
    return fresh.length;
  }

  async announce(r: { jobRunId: string; state: GlueJobRunState; message: string }): Promise<void> {
    const detail = buildGlueJobStateChangeEvent({
      jobName: this.jobName,
      jobRunId: r.jobRunId,
      state: r.state,
      message: r.message,
      time: new Date(),
      id: r.jobRunId,
    }).detail;
    const out = await this.admin.events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: GLUE_SOURCE,
            DetailType: GLUE_JOB_STATE_CHANGE,
            Detail: JSON.stringify(detail),
            Resources: [],
            EventBusName: 'default',
          },
        ],
      }),
    );
    if (out.FailedEntryCount)
      throw new Error(`PutEvents of the Glue state change failed: ${JSON.stringify(out.Entries)}`);
  }
}
