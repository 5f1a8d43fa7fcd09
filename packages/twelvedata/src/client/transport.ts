/**
 * One HTTP exchange with Twelve Data, and nothing else: the API key goes into the URL
 * and never out of it (every URL and message leaving here is redacted), the per-request
 * timeout, the `api-credits-left` header handed on. Anything that is not a parseable JSON
 * body is a retryable `AppError`.
 */
import { AppError } from '@ohlcv/core';
import { type Dispatcher, request } from 'undici';
import { redactText, redactUrl } from './redact.ts';

export interface TransportOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs: number;
  dispatcher?: Dispatcher;
  /** Called with the server's `api-credits-left` header when it is a number. */
  onCreditsLeft?: (left: number) => void;
  /** Called once per HTTP request sent. */
  onRequest?: () => void;
}

export interface Transport {
  /** The `/time_series` URL with these parameters and the key. */
  url(params: Record<string, string>): string;
  exchange(url: string): Promise<{ status: number; body: unknown }>;
  /** `text` with the API key masked. */
  redact(text: string): string;
}

export function createTransport(opts: TransportOptions): Transport {
  const redact = (t: string) => redactText(t, opts.apiKey);
  return {
    redact,
    url(params) {
      const qs = new URLSearchParams({ ...params, apikey: opts.apiKey });
      return `${opts.baseUrl}/time_series?${qs.toString()}`;
    },
    async exchange(url) {
      opts.onRequest?.();
      let status: number;
      let text: string;
      try {
        const res = await request(url, {
          method: 'GET',
          signal: AbortSignal.timeout(opts.timeoutMs),
          headers: { accept: 'application/json' },
          ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
        });
        status = res.statusCode;
        const left = Number(res.headers['api-credits-left']);
        if (res.headers['api-credits-left'] !== undefined && Number.isFinite(left))
          opts.onCreditsLeft?.(left);
        text = await res.body.text();
      } catch (err) {
        const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
        throw new AppError(
          timedOut ? 'TwelveDataTimeout' : 'TwelveDataNetworkError',
          redact(
            `${timedOut ? 'timed out' : 'network error'} calling ${redactUrl(url)}: ${(err as Error).message}`,
          ),
          { retryable: true },
        );
      }
      try {
        return { status, body: JSON.parse(text) };
      } catch {
        throw new AppError(
          'TwelveDataBadResponse',
          `HTTP ${status} with a non-JSON body (${text.length} bytes) from ${redactUrl(url)}`,
          { retryable: true },
        );
      }
    },
  };
}
