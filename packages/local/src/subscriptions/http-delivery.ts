/**
 * One try of one event at a subscriber's endpoint, as an API destination makes it: a POST of
 * the event envelope as JSON, the connection's API-key header, the event id as idempotency
 * key, no redirects followed, and a 5-second limit for the whole answer.
 */
import { DELIVERY_TIMEOUT_SECONDS, IDEMPOTENCY_HEADER, isRetryableStatus } from '@ohlcv/core';

export interface DeliveryRequest {
  endpoint: string;
  body: string;
  eventId: string;
  auth: { header: string; value: string };
  timeoutMs?: number;
}

export type DeliveryResult =
  | { ok: true; status: number }
  | { ok: false; status?: number; error: string; retryable: boolean };

export const USER_AGENT = 'ohlcv-local-deliverer/1';

export async function deliverOnce(req: DeliveryRequest): Promise<DeliveryResult> {
  const timeoutMs = req.timeoutMs ?? DELIVERY_TIMEOUT_SECONDS * 1000;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(req.endpoint, {
      method: 'POST',
      redirect: 'manual',
      signal,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': USER_AGENT,
        [IDEMPOTENCY_HEADER]: req.eventId,
        [req.auth.header]: req.auth.value,
      },
      body: req.body,
    });
    // Read the whole answer within the same limit: a subscriber that stalls mid-body has not answered.
    await res.arrayBuffer();
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return {
      ok: false,
      status: res.status,
      error: `HTTP ${res.status}`,
      retryable: isRetryableStatus(res.status),
    };
  } catch (e) {
    if (signal.aborted)
      return { ok: false, error: `Timeout: no answer within ${timeoutMs} ms`, retryable: true };
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const what = cause?.code ?? cause?.message ?? (e as Error).message;
    return { ok: false, error: `ConnectionFailed: ${what}`, retryable: true };
  }
}
