/** A job run succeeded and its outcome was read from its summary (rowsIn = kept + quarantined + duplicates). */
import { z } from 'zod';
import { envelopeSchema } from '../envelope.ts';
import { countSchema, pipelineDetail, sources } from './common.ts';

export const ETL_RUN_COMPLETED = 'ETL Run Completed';
export const ETL_RUN_COMPLETED_SOURCE = sources.catalogSync;

export const etlRunCompletedDetailSchema = pipelineDetail({
  jobName: z.string().min(1),
  jobRunId: z.string().min(1),
  /** Object key of the run summary (`_runs/<jobRunId>/summary.json`). */
  summaryKey: z.string().min(1),
  rowsIn: countSchema,
  rowsKept: countSchema,
  rowsQuarantined: countSchema,
  duplicates: countSchema,
  partitionsWritten: countSchema,
});
export const etlRunCompletedEventSchema = envelopeSchema(
  ETL_RUN_COMPLETED_SOURCE,
  ETL_RUN_COMPLETED,
  etlRunCompletedDetailSchema,
);

export type EtlRunCompletedDetail = z.infer<typeof etlRunCompletedDetailSchema>;
export type EtlRunCompletedEvent = z.infer<typeof etlRunCompletedEventSchema>;
