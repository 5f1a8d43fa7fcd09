/**
 * The local API destination: takes each subscription's due events from its durable queue and
 * POSTs them one at a time, retrying retryable failures with exponential backoff and jitter
 * (as EventBridge does) until the retry policy runs out, then dead-letters them. Subscriptions
 * are served side by side, so a slow subscriber delays only itself.
 */
import {
  type Clock,
  DELIVERY_TIMEOUT_SECONDS,
  type Logger,
  redactEndpoint,
  type Subscription,
  secretEnvVar,
  systemClock,
  systemTimers,
  type Timers,
} from '@ohlcv/core';
import { type DeliveryResult, deliverOnce } from './http-delivery.ts';
import type { ClaimedDelivery, FailureOutcome, SubscriptionStore } from './subscription-store.ts';

export interface BackoffOptions {
  /** Wait before the first retry; doubles with every further one. */
  baseMs: number;
  /** Longest wait between two tries. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 5 * 60 * 1000 };

/** Wait after the `attempt`-th failed try: exponential, capped, with "equal jitter" (half fixed, half random). */
export const backoffMs = (
  attempt: number,
  random: number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
): number => {
  const exp = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random);
};

/** The correlation id of a pipeline event's body, so a delivery's log line joins the rest of its work. */
const correlationIdOf = (body: string): string | undefined => {
  try {
    const id = (JSON.parse(body) as { detail?: { correlationId?: unknown } }).detail?.correlationId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
};

export interface SubscriptionDelivererOptions {
  store: SubscriptionStore;
  subscriptions: readonly Subscription[];
  /** The value of a named secret; locally the environment variable `secretEnvVar(name)`. */
  secret: (name: string) => string | undefined;
  clock?: Clock;
  /** What the continuous loop sleeps on between passes. */
  timers?: Timers;
  /** In [0, 1): the jitter's randomness. */
  random?: () => number;
  logger?: Logger;
  timeoutMs?: number;
  backoff?: BackoffOptions;
  /** Wake-up interval of the continuous loop when nothing is due sooner. */
  idlePollMs?: number;
}

export interface DeliveryPass {
  tried: number;
  delivered: number;
  failed: number;
  deadLettered: number;
}

export class SubscriptionDeliverer {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly timeoutMs: number;
  private readonly backoff: BackoffOptions;
  private running: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  /** A notify() that came while a pass ran: the next sleep is skipped. */
  private notified = false;

  constructor(private readonly opts: SubscriptionDelivererOptions) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.timeoutMs = opts.timeoutMs ?? DELIVERY_TIMEOUT_SECONDS * 1000;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
  }

  get subscriptions(): readonly Subscription[] {
    return this.opts.subscriptions;
  }

  /** Tries every event that is due now, once, for every subscription; retries wait for a later pass. */
  async runOnce(): Promise<DeliveryPass> {
    const passes = await Promise.all(this.opts.subscriptions.map((s) => this.drainSubscription(s)));
    return passes.reduce(
      (a, b) => ({
        tried: a.tried + b.tried,
        delivered: a.delivered + b.delivered,
        failed: a.failed + b.failed,
        deadLettered: a.deadLettered + b.deadLettered,
      }),
      { tried: 0, delivered: 0, failed: 0, deadLettered: 0 },
    );
  }

  private async drainSubscription(sub: Subscription): Promise<DeliveryPass> {
    const pass: DeliveryPass = { tried: 0, delivered: 0, failed: 0, deadLettered: 0 };
    // The lease outlives the request's own limit, so only a dead process lets it expire.
    const leaseMs = this.timeoutMs + 30_000;
    const passStart = this.clock.now().getTime();
    for (;;) {
      if (this.stopping) break;
      const claimed = this.opts.store.claim(sub.name, sub.retryPolicy, leaseMs, passStart);
      if (!claimed) break;
      pass.tried++;
      const result = await this.tryOne(sub, claimed);
      if (result.ok) {
        this.opts.store.delivered(claimed, result.status);
        pass.delivered++;
        this.opts.logger?.debug('subscription delivered', {
          correlationId: correlationIdOf(claimed.body),
          subscription: sub.name,
          eventId: claimed.eventId,
          attempt: claimed.attempt,
          status: result.status,
        });
        continue;
      }
      pass.failed++;
      const outcome = this.outcomeOf(sub, claimed, result);
      this.opts.store.failed(claimed, { status: result.status, error: result.error }, outcome);
      if ('deadLetter' in outcome) pass.deadLettered++;
      this.opts.logger?.warn('subscription delivery failed', {
        correlationId: correlationIdOf(claimed.body),
        subscription: sub.name,
        endpoint: redactEndpoint(sub.endpoint),
        eventId: claimed.eventId,
        attempt: claimed.attempt,
        error: result.error,
        ...('retryInMs' in outcome ? { retryInMs: outcome.retryInMs } : { deadLettered: outcome.deadLetter }),
      });
    }
    return pass;
  }

  private async tryOne(sub: Subscription, d: ClaimedDelivery): Promise<DeliveryResult> {
    const value = this.opts.secret(sub.auth.secret);
    if (value === undefined || value === '') {
      return {
        ok: false,
        error: `SecretMissing: secret ${sub.auth.secret} is not set (locally: environment variable ${secretEnvVar(sub.auth.secret)})`,
        retryable: true,
      };
    }
    return deliverOnce({
      endpoint: sub.endpoint,
      body: d.body,
      eventId: d.eventId,
      auth: { header: sub.auth.header, value },
      timeoutMs: this.timeoutMs,
    });
  }

  private outcomeOf(
    sub: Subscription,
    d: ClaimedDelivery,
    result: Extract<DeliveryResult, { ok: false }>,
  ): FailureOutcome {
    if (!result.retryable) return { deadLetter: `NotRetryable: ${result.error}` };
    if (d.attempt >= sub.retryPolicy.maximumRetryAttempts + 1) {
      return { deadLetter: `RetriesExhausted: ${d.attempt} tries, last ${result.error}` };
    }
    return { retryInMs: backoffMs(d.attempt, this.random(), this.backoff) };
  }

  /** When the next try of any subscription is due, if any is pending. */
  nextDueAt(): Date | undefined {
    let next: Date | undefined;
    for (const s of this.opts.subscriptions) {
      const t = this.opts.store.nextDueAt(s.name);
      if (t && (!next || t < next)) next = t;
    }
    return next;
  }

  /** Delivers continuously until `stop()`: after each pass, sleeps until the next due try or a `notify()`. */
  start(): void {
    if (this.running || this.opts.subscriptions.length === 0) return;
    this.stopping = false;
    const idle = this.opts.idlePollMs ?? 1000;
    this.running = (async () => {
      while (!this.stopping) {
        this.notified = false;
        try {
          await this.runOnce();
        } catch (e) {
          this.opts.logger?.error('subscription deliverer pass failed', { error: (e as Error).message });
        }
        if (this.stopping) break;
        if (this.notified) continue;
        const due = this.nextDueAt();
        const wait = due ? Math.max(0, Math.min(idle, due.getTime() - this.clock.now().getTime())) : idle;
        const timers = this.opts.timers ?? systemTimers;
        await new Promise<void>((resolve) => {
          const cancel = timers.setTimeout(resolve, Math.max(wait, 10), { unref: true });
          this.wake = () => {
            cancel();
            resolve();
          };
        });
        this.wake = undefined;
      }
    })();
  }

  /** New events were queued: deliver them without waiting for the idle poll. */
  notify(): void {
    this.notified = true;
    this.wake?.();
  }

  /** Stops after the tries in flight have finished and been recorded. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }
}
