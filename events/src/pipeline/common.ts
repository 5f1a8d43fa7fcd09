/** What every `ohlcv.*` pipeline event detail carries, and the value types they share. */
import { z } from 'zod';

/** Bumped only for a breaking change; additive fields keep version 1. */
export const SCHEMA_VERSION = 1 as const;

export const sources = {
  scheduler: 'ohlcv.scheduler',
  ingestion: 'ohlcv.ingestion',
  etlTrigger: 'ohlcv.etl-trigger',
  catalogSync: 'ohlcv.catalog-sync',
  qualityAlert: 'ohlcv.quality-alert',
} as const;
export type PipelineSource = (typeof sources)[keyof typeof sources];

/** The intervals Twelve Data's `time_series` endpoint accepts. */
export const twelveDataIntervals = [
  '1min',
  '5min',
  '15min',
  '30min',
  '45min',
  '1h',
  '2h',
  '4h',
  '8h',
  '1day',
  '1week',
  '1month',
] as const;
export const intervalSchema = z.enum(twelveDataIntervals);
export type TwelveDataInterval = z.infer<typeof intervalSchema>;

export const symbolsSchema = z.array(z.string().min(1)).min(1).max(120);
export const countSchema = z.number().int().nonnegative();
/** A date (`2024-01-02`) or a date-time with zone (`2024-01-02T14:30:00Z`). */
export const isoTimeSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/** A pipeline event detail: the event's own fields plus `schemaVersion` and `correlationId`. */
export const pipelineDetail = <T extends z.ZodRawShape>(shape: T) =>
  z.object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    /** Follows one piece of work across services; logged on every line about it. */
    correlationId: z.string().min(1),
    ...shape,
  });
