/**
 * POSTs JSON to a webhook with a per-attempt timeout and bounded retries. Webhook URLs are
 * credentials (Slack's path is the secret): only the redacted form is ever logged or thrown.
 */
import { AppError, type Logger, silentLogger } from '@ohlcv/core';

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;

export interface PostOptions {
  fetch?: FetchLike;
  /** Per attempt. Default 5 s: a Lambda with a 30 s timeout can afford a few. */
  timeoutMs?: number;
  /** Attempts after the first. Default 2. */
  retries?: number;
  /** First backoff; doubles each retry. Default 250 ms. */
  backoffMs?: number;
  /** Longest wait honoured from a `Retry-After` header. Default 5 s. */
  maxRetryAfterMs?: number;
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
  headers?: Record<string, string>;
}

/** `https://hooks.slack.com/services/T0/B0/xyz` -> `https://hooks.slack.com/***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/***`;
  } catch {
    return '***';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const retryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

const retryAfterMs = (header: string | null): number | undefined => {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
};

export async function postJson(
  name: string,
  url: string,
  payload: unknown,
  opts: PostOptions = {},
): Promise<void> {
  const doFetch = opts.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const timeoutMs = opts.timeoutMs ?? 5000;
  const retries = opts.retries ?? 2;
  const backoffMs = opts.backoffMs ?? 250;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 5000;
  const sleep = opts.sleep ?? defaultSleep;
  const logger = opts.logger ?? silentLogger;
  const target = redactUrl(url);
  const body = JSON.stringify(payload);

  let lastProblem = '';
  for (let attempt = 0; attempt <= retries; attempt++) {
    let wait = backoffMs * 2 ** attempt;
    try {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...opts.headers },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status >= 200 && res.status < 300) return;
      // Bodies of error answers are short (Slack: `invalid_payload`); cap it all the same.
      const text = (await res.text().catch(() => '')).slice(0, 200);
      lastProblem = `HTTP ${res.status}${text ? ` ${text}` : ''}`;
      if (!retryableStatus(res.status)) {
        throw new AppError('WebhookRejected', `${name} webhook ${target} answered ${lastProblem}`);
      }
      const after = retryAfterMs(res.headers.get('retry-after'));
      if (after !== undefined) wait = Math.min(after, maxRetryAfterMs);
    } catch (err) {
      if (err instanceof AppError) throw err;
      const e = err as Error;
      // Never the error's own text: some fetch errors quote the URL.
      lastProblem =
        e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `timed out after ${timeoutMs} ms`
          : `${e.name}${codeOf(e)}`;
    }
    if (attempt < retries) {
      logger.warn('webhook attempt failed, retrying', {
        notifier: name,
        target,
        attempt: attempt + 1,
        problem: lastProblem,
        waitMs: wait,
      });
      await sleep(wait);
    }
  }
  throw new AppError(
    'WebhookFailed',
    `${name} webhook ${target} failed after ${retries + 1} attempt(s): ${lastProblem}`,
    {
      retryable: true,
    },
  );
}

const codeOf = (e: Error): string => {
  const cause = (e as { cause?: { code?: unknown } }).cause;
  return cause && typeof cause.code === 'string' ? ` (${cause.code})` : '';
};
