/** etl-trigger coalesced raw objects into a manifest and started one job run. */
import { z } from 'zod';
import { envelopeSchema } from '../envelope.ts';
import { countSchema, pipelineDetail, sources } from './common.ts';

export const ETL_RUN_REQUESTED = 'ETL Run Requested';
export const ETL_RUN_REQUESTED_SOURCE = sources.etlTrigger;

export const etlRunRequestedDetailSchema = pipelineDetail({
  jobName: z.string().min(1),
  jobRunId: z.string().min(1),
  manifestId: z.string().min(1),
  manifestKey: z.string().min(1),
  objectCount: countSchema,
});
export const etlRunRequestedEventSchema = envelopeSchema(
  ETL_RUN_REQUESTED_SOURCE,
  ETL_RUN_REQUESTED,
  etlRunRequestedDetailSchema,
);

export type EtlRunRequestedDetail = z.infer<typeof etlRunRequestedDetailSchema>;
export type EtlRunRequestedEvent = z.infer<typeof etlRunRequestedEventSchema>;
