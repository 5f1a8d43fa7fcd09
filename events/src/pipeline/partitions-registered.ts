/** catalog-sync made a run's partitions queryable. */
import { z } from 'zod';
import { envelopeSchema } from '../envelope.ts';
import { countSchema, pipelineDetail, sources } from './common.ts';

export const PARTITIONS_REGISTERED = 'Partitions Registered';
export const PARTITIONS_REGISTERED_SOURCE = sources.catalogSync;

export const partitionsRegisteredDetailSchema = pipelineDetail({
  jobRunId: z.string().min(1),
  /**
   * The run summary (`_runs/<jobRunId>/summary.json` in the bucket): every partition the
   * run wrote, with its location. Read it when a table's `partitionsOmitted` is not 0.
   */
  summaryKey: z.string().min(1).optional(),
  tables: z.array(
    z.object({
      table: z.string().min(1),
      /** Of all the run's partitions of this table, however many are listed below. */
      added: countSchema,
      existing: countSchema,
      /** Partition values, e.g. `{ date: '2024-01-02', symbol: 'AAPL' }`: the first ones, in order. */
      partitions: z.array(z.record(z.string(), z.string())),
      /**
       * Partitions not listed, so that the event stays within EventBridge's 256 KiB entry
       * limit (a backfill writes thousands); absent or 0 when `partitions` is complete.
       */
      partitionsOmitted: countSchema.optional(),
    }),
  ),
});
export const partitionsRegisteredEventSchema = envelopeSchema(
  PARTITIONS_REGISTERED_SOURCE,
  PARTITIONS_REGISTERED,
  partitionsRegisteredDetailSchema,
);

export type PartitionsRegisteredDetail = z.infer<typeof partitionsRegisteredDetailSchema>;
export type PartitionsRegisteredEvent = z.infer<typeof partitionsRegisteredEventSchema>;
