/**
 * The EventBridge envelope every event travels in, on AWS and in the local runtime,
 * and the one parse step consumers use to unwrap an SQS body into a typed event.
 */
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';

/** Any EventBridge event: any source, any detail. AWS's field names, from Powertools. */
export const eventBridgeEnvelopeSchema = EventBridgeSchema;
export type EventBridgeEnvelope = z.infer<typeof eventBridgeEnvelopeSchema>;

/** The envelope of one event: its source and detail-type pinned, its detail typed. */
export const envelopeSchema = <S extends string, D extends string, T extends z.ZodType>(
  source: S,
  detailType: D,
  detail: T,
) =>
  EventBridgeSchema.extend({
    source: z.literal(source),
    'detail-type': z.literal(detailType),
    detail,
  });

/** EventBridge writes `time` to the second, `Z` suffix; Powertools' schema insists on it. */
export const eventTime = (time: Date | string): string => {
  const d = typeof time === 'string' ? new Date(time) : time;
  if (Number.isNaN(d.getTime())) throw new RangeError(`invalid event time: ${String(time)}`);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
};

/** Account and region the local runtime stamps on the events it emits. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

export interface EnvelopeFields {
  id: string;
  time: Date | string;
  account?: string;
  region?: string;
  resources?: string[];
}

/** An envelope in AWS's exact key order, as PutEvents delivers it. */
export const buildEnvelope = <S extends string, D extends string, T>(
  source: S,
  detailType: D,
  detail: T,
  f: EnvelopeFields,
) => ({
  version: '0' as const,
  id: f.id,
  'detail-type': detailType,
  source,
  account: f.account ?? LOCAL_ACCOUNT,
  time: eventTime(f.time),
  region: f.region ?? LOCAL_REGION,
  resources: f.resources ?? [],
  detail,
});

export type ParseResult<T> = { success: true; data: T } | { success: false; error: string };

/** One line per issue, with the path into the event: readable in a log line or DLQ note. */
export const formatIssues = (error: z.ZodError): string =>
  error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');

/** Validates an already-decoded value; never throws. */
export const parseEvent = <T extends z.ZodType>(value: unknown, schema: T): ParseResult<z.output<T>> => {
  const r = schema.safeParse(value);
  return r.success ? { success: true, data: r.data } : { success: false, error: formatIssues(r.error) };
};

/**
 * Unwraps a message body (an SQS record's `body`) into a typed event; never throws,
 * so one bad record fails alone and the rest of the batch goes on.
 */
export const parseEnvelope = <T extends z.ZodType>(body: string, schema: T): ParseResult<z.output<T>> => {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    return { success: false, error: `body is not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  return parseEvent(value, schema);
};
