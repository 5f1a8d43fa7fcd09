/** The scheduler (or a user) asks for bars: fanned out to the ingestion-requests queue. */
import { z } from 'zod';
import { envelopeSchema } from '../envelope.ts';
import { intervalSchema, isoTimeSchema, pipelineDetail, sources, symbolsSchema } from './common.ts';

export const INGESTION_REQUESTED = 'Ingestion Requested';
export const INGESTION_REQUESTED_SOURCE = sources.scheduler;

export const ingestionRequestedDetailSchema = pipelineDetail({
  requestId: z.string().min(1),
  symbols: symbolsSchema,
  interval: intervalSchema,
  start: isoTimeSchema.optional(),
  end: isoTimeSchema.optional(),
  lookbackDays: z.number().int().positive().optional(),
  /** Fetch only bars after the latest one already stored. */
  incremental: z.boolean().default(true),
});
export const ingestionRequestedEventSchema = envelopeSchema(
  INGESTION_REQUESTED_SOURCE,
  INGESTION_REQUESTED,
  ingestionRequestedDetailSchema,
);

export type IngestionRequestedDetail = z.infer<typeof ingestionRequestedDetailSchema>;
export type IngestionRequestedEvent = z.infer<typeof ingestionRequestedEventSchema>;
