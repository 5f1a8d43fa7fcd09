/**
 * The correlation id a log line, trace and alert carry: our pipeline events' own
 * `detail.correlationId`, else the EventBridge envelope `id` (AWS-native events carry none).
 * Pure, no SDK: the local runtime uses it too.
 */
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function correlationIdOfEnvelope(envelope: unknown): string | undefined {
  if (!isObject(envelope)) return undefined;
  const detail = envelope.detail;
  if (isObject(detail) && typeof detail.correlationId === 'string' && detail.correlationId) {
    return detail.correlationId;
  }
  return typeof envelope.id === 'string' && envelope.id ? envelope.id : undefined;
}

/** From an SQS record body holding an EventBridge envelope; undefined when it is not JSON. */
export function correlationIdOfBody(body: string): string | undefined {
  try {
    return correlationIdOfEnvelope(JSON.parse(body));
  } catch {
    return undefined;
  }
}
