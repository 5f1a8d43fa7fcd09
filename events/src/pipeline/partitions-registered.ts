/** catalog-sync made a run's partitions queryable. */
import { z } from 'zod';
import { envelopeSchema } from '../envelope.ts';
import { countSchema, pipelineDetail, sources } from './common.ts';

export const PARTITIONS_REGISTERED = 'Partitions Registered';
export const PARTITIONS_REGISTERED_SOURCE = sources.catalogSync;

export const partitionsRegisteredDetailSchema = pipelineDetail({
  jobRunId: z.string().min(1),
  tables: z.array(
    z.object({
      table: z.string().min(1),
      added: countSchema,
      existing: countSchema,
      /** Partition values, e.g. `{ date: '2024-01-02', symbol: 'AAPL' }`. */
      partitions: z.array(z.record(z.string(), z.string())),
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
