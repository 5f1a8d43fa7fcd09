/** zod schemas of the Twelve Data `/time_series` payloads we consume. */
import { twelveDataIntervals } from '@ohlcv/events';
import { z } from 'zod';

/** The intervals `/time_series` accepts: declared once, in the event catalog. */
export const INTERVALS = twelveDataIntervals;
export const intervalSchema = z.enum(INTERVALS);
export type Interval = z.infer<typeof intervalSchema>;

const MINUTE = 60_000;
/** Nominal bar length; months and weeks use an upper bound (only used for "is it closed yet"). */
export const intervalMs: Record<Interval, number> = {
  '1min': MINUTE,
  '5min': 5 * MINUTE,
  '15min': 15 * MINUTE,
  '30min': 30 * MINUTE,
  '45min': 45 * MINUTE,
  '1h': 60 * MINUTE,
  '2h': 120 * MINUTE,
  '4h': 240 * MINUTE,
  '8h': 480 * MINUTE,
  '1day': 1440 * MINUTE,
  '1week': 7 * 1440 * MINUTE,
  '1month': 31 * 1440 * MINUTE,
};

export const isIntraday = (i: Interval): boolean => intervalMs[i] < 1440 * MINUTE;

/** All numbers arrive as strings; a malformed one fails the parse, not a NaN later. */
const decimalString = z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, 'not a decimal string');

export const valueSchema = z.object({
  datetime: z.string(),
  open: decimalString,
  high: decimalString,
  low: decimalString,
  close: decimalString,
  volume: decimalString.optional(),
});
export type TimeSeriesValue = z.infer<typeof valueSchema>;

export const metaSchema = z.object({
  symbol: z.string(),
  interval: z.string(),
  currency: z.string().optional(),
  currency_base: z.string().optional(),
  currency_quote: z.string().optional(),
  exchange_timezone: z.string().optional(),
  exchange: z.string().optional(),
  mic_code: z.string().optional(),
  type: z.string().optional(),
});
export type TimeSeriesMeta = z.infer<typeof metaSchema>;

export const okSeriesSchema = z.object({
  meta: metaSchema,
  values: z.array(valueSchema),
  status: z.literal('ok'),
});
export type OkSeries = z.infer<typeof okSeriesSchema>;

export const errorBodySchema = z
  .object({
    code: z.coerce.number().int(),
    message: z.string(),
    status: z.literal('error'),
  })
  .loose();
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const seriesOrErrorSchema = z.union([okSeriesSchema, errorBodySchema]);
export type SeriesOrError = z.infer<typeof seriesOrErrorSchema>;

/** A batch answer: one entry per requested symbol, each with its own status. */
export const batchSchema = z.record(z.string(), seriesOrErrorSchema);
