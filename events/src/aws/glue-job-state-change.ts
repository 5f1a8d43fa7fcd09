/**
 * `Glue Job State Change` (source `aws.glue`): a Glue job run ended (SUCCEEDED, FAILED,
 * TIMEOUT, STOPPED). The local job runner emits the same JSON when a DuckDB run ends.
 */
import { z } from 'zod';
import { buildEnvelope, envelopeSchema } from '../envelope.ts';

export const GLUE_JOB_STATE_CHANGE = 'Glue Job State Change';
export const GLUE_SOURCE = 'aws.glue';

/** Glue's JobRunState values; only the terminal ones arrive as a state change. */
export const glueJobRunStates = [
  'STARTING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
  'SUCCEEDED',
  'FAILED',
  'TIMEOUT',
  'ERROR',
  'WAITING',
  'EXPIRED',
] as const;
export type GlueJobRunState = (typeof glueJobRunStates)[number];

export const glueJobStateChangeDetailSchema = z.object({
  jobName: z.string().min(1),
  severity: z.enum(['INFO', 'WARN', 'ERROR']),
  state: z.enum(glueJobRunStates),
  jobRunId: z.string().min(1),
  message: z.string(),
  /** Present when the job has a delay-notification threshold set. */
  notificationCondition: z.object({ NotifyDelayAfter: z.number() }).optional(),
});
export const glueJobStateChangeEventSchema = envelopeSchema(
  GLUE_SOURCE,
  GLUE_JOB_STATE_CHANGE,
  glueJobStateChangeDetailSchema,
);

export type GlueJobStateChangeDetail = z.infer<typeof glueJobStateChangeDetailSchema>;
export type GlueJobStateChangeEvent = z.infer<typeof glueJobStateChangeEventSchema>;

export interface GlueJobStateChangeInput {
  jobName: string;
  jobRunId: string;
  state: GlueJobRunState;
  time: Date | string;
  id: string;
  /** Defaults to Glue's own wording for the state, e.g. `Job run succeeded`. */
  message?: string;
  severity?: GlueJobStateChangeDetail['severity'];
  account?: string;
  region?: string;
}

const defaultSeverity = (s: GlueJobRunState): GlueJobStateChangeDetail['severity'] =>
  s === 'FAILED' || s === 'ERROR' ? 'ERROR' : s === 'TIMEOUT' || s === 'STOPPED' ? 'WARN' : 'INFO';

const defaultMessage: Partial<Record<GlueJobRunState, string>> = {
  SUCCEEDED: 'Job run succeeded',
  FAILED: 'Job run failed',
  TIMEOUT: 'Job run timed out',
  STOPPED: 'Job run stopped',
  ERROR: 'Job run errored',
};

/** A `Glue Job State Change` event in AWS's exact shape and key order. */
export const buildGlueJobStateChangeEvent = (i: GlueJobStateChangeInput): GlueJobStateChangeEvent =>
  buildEnvelope(
    GLUE_SOURCE,
    GLUE_JOB_STATE_CHANGE,
    {
      jobName: i.jobName,
      severity: i.severity ?? defaultSeverity(i.state),
      state: i.state,
      jobRunId: i.jobRunId,
      message: i.message ?? defaultMessage[i.state] ?? `Job run ${i.state.toLowerCase()}`,
    },
    { id: i.id, time: i.time, account: i.account, region: i.region },
  );
