/** Ingestion gave up on a batch (after its retries, or at once for a permanent error). */
import { z } from 'zod';
import { envelopeSchema } from '../envelope.ts';
import { intervalSchema, pipelineDetail, sources, symbolsSchema } from './common.ts';

export const INGESTION_BATCH_FAILED = 'Ingestion Batch Failed';
export const INGESTION_BATCH_FAILED_SOURCE = sources.ingestion;

export const ingestionBatchFailedDetailSchema = pipelineDetail({
  requestId: z.string().min(1),
  symbols: symbolsSchema,
  interval: intervalSchema,
  error: z.object({ code: z.string().min(1), message: z.string(), retryable: z.boolean() }),
});
export const ingestionBatchFailedEventSchema = envelopeSchema(
  INGESTION_BATCH_FAILED_SOURCE,
  INGESTION_BATCH_FAILED,
  ingestionBatchFailedDetailSchema,
);

export type IngestionBatchFailedDetail = z.infer<typeof ingestionBatchFailedDetailSchema>;
export type IngestionBatchFailedEvent = z.infer<typeof ingestionBatchFailedEventSchema>;
