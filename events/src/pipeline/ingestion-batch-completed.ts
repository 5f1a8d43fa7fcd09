/** Ingestion wrote a batch of bars into raw/. */
import { z } from 'zod';
import { envelopeSchema } from '../envelope.ts';
import { countSchema, intervalSchema, pipelineDetail, sources, symbolsSchema } from './common.ts';

export const INGESTION_BATCH_COMPLETED = 'Ingestion Batch Completed';
export const INGESTION_BATCH_COMPLETED_SOURCE = sources.ingestion;

export const ingestionBatchCompletedDetailSchema = pipelineDetail({
  requestId: z.string().min(1),
  symbols: symbolsSchema,
  interval: intervalSchema,
  /** Raw objects written, with their row counts. */
  objects: z.array(z.object({ key: z.string().min(1), rows: countSchema })),
  bars: countSchema,
  /** Earliest and latest bar time written (absent when no bars came back). */
  from: z.string().optional(),
  to: z.string().optional(),
});
export const ingestionBatchCompletedEventSchema = envelopeSchema(
  INGESTION_BATCH_COMPLETED_SOURCE,
  INGESTION_BATCH_COMPLETED,
  ingestionBatchCompletedDetailSchema,
);

export type IngestionBatchCompletedDetail = z.infer<typeof ingestionBatchCompletedDetailSchema>;
export type IngestionBatchCompletedEvent = z.infer<typeof ingestionBatchCompletedEventSchema>;
