/**
 * The shape of the shared topology as the infra reads it. The real one comes from
 * `@ohlcv/core`; the synth test passes deliberately broken ones through the same path.
 */
import {
  DLQ_RETENTION_SECONDS,
  dlqName,
  ETL_JOB_NAME,
  PIPELINE_BUS,
  type QueueSpec,
  queues,
  type RuleSpec,
  rules,
  type ServiceSpec,
  services,
} from '@ohlcv/core';

export interface InfraRule extends Omit<RuleSpec, 'target'> {
  target: string;
}
export interface InfraService extends Omit<ServiceSpec, 'queue'> {
  queue: string;
}

export interface InfraTopology {
  queues: Readonly<Record<string, QueueSpec>>;
  rules: readonly InfraRule[];
  services: Readonly<Record<string, InfraService>>;
  dlqName: (queue: string) => string;
  dlqRetentionSeconds: number;
  pipelineBus: string;
  etlJobName: string;
}

export const sharedTopology: InfraTopology = {
  queues,
  rules,
  services,
  dlqName: dlqName as (queue: string) => string,
  dlqRetentionSeconds: DLQ_RETENTION_SECONDS,
  pipelineBus: PIPELINE_BUS,
  etlJobName: ETL_JOB_NAME,
};
