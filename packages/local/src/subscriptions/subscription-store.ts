/**
 * The durable per-subscription delivery queues, in the runtime's SQLite file: one row per
 * (subscription, event id). They follow the semantics of an EventBridge target rather than of
 * SQS (whose receive-count redrive dead-letters only on the receive after the last failure):
 * each try is counted when it is claimed, a retryable failure is retried after a backoff until
 * the retry policy's attempts or event age run out, a final one dead-letters at once.
 *
 * Every method is synchronous (better-sqlite3), so `enqueue` runs inside the router's
 * transaction: an event is logged, sent to the topology queues and queued for its
 * subscriptions together, or not at all.
 */
import { randomUUID } from 'node:crypto';
import { type Clock, type RetryPolicy, systemClock } from '@ohlcv/core';
import type { StateDb } from '../state-db.ts';

export type DeliveryState = 'pending' | 'delivered' | 'dead';

export interface ClaimedDelivery {
  subscription: string;
  eventId: string;
  /** The event envelope as JSON text: the request body. */
  body: string;
  /** Tries so far, this one included. */
  attempt: number;
  /** Only the holder of the current lease may record the outcome. */
  leaseToken: string;
}

export interface SubscriptionCounts {
  subscription: string;
  /** Events delivered (a 2xx answer). */
  delivered: number;
  /** Failed tries (non-2xx, timeout, connection error), retried or not. */
  failed: number;
  /** Events ever moved to the dead-letter queue. */
  deadLettered: number;
  /** Events in the dead-letter queue now (dead-lettered and not redriven). */
  inDlq: number;
  /** Events waiting for their first or next try, or in flight. */
  pending: number;
}

export interface DeadLetter {
  eventId: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  deadLetteredAt: string;
  body: string;
}

/** Why a try is not the last: how long to wait before the next one. */
export type FailureOutcome = { retryInMs: number } | { deadLetter: string };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS subscription_deliveries (
  subscription TEXT NOT NULL,
  event_id TEXT NOT NULL,
  body TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  due_at INTEGER NOT NULL,
  lease_token TEXT,
  lease_until INTEGER,
  last_status INTEGER,
  last_error TEXT,
  finished_at INTEGER,
  PRIMARY KEY (subscription, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS subscription_deliveries_due
  ON subscription_deliveries (subscription, state, due_at);
CREATE TABLE IF NOT EXISTS subscription_counters (
  subscription TEXT PRIMARY KEY,
  delivered INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  dead_lettered INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
`;

/** Delivered rows are kept this long so a re-routed duplicate of the same event is recognised. */
const DELIVERED_RETENTION_MS = 14 * 24 * 3600 * 1000;

export class SubscriptionStore {
  constructor(
    private readonly db: StateDb,
    private readonly clock: Clock = systemClock,
  ) {
    db.exec(SCHEMA);
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private bump(subscription: string, column: 'delivered' | 'failed' | 'dead_lettered'): void {
    this.db
      .prepare(
        `INSERT INTO subscription_counters (subscription, ${column}) VALUES (?, 1)
         ON CONFLICT (subscription) DO UPDATE SET ${column} = ${column} + 1`,
      )
      .run(subscription);
  }

  /**
   * Queues one event for one subscription. The event id is the key: the same event routed
   * twice (at-least-once upstream) is queued once. Returns false for such a duplicate.
   */
  enqueue(subscription: string, eventId: string, body: string): boolean {
    const now = this.now();
    return (
      this.db
        .prepare(
          `INSERT INTO subscription_deliveries (subscription, event_id, body, enqueued_at, state, due_at)
           VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING`,
        )
        .run(subscription, eventId, body, now, now).changes === 1
    );
  }

  /**
   * Takes the next due event of `subscription` for one try, leased for `leaseMs`: a process
   * that dies mid-delivery leaves a lease that expires, and the event is tried again (same
   * idempotency key). Events past the policy's age or tries are dead-lettered instead.
   */
  claim(
    subscription: string,
    policy: RetryPolicy,
    leaseMs: number,
    /** Only events due by then (ms): a pass takes what was due when it began, not its own retries. */
    dueBy = Number.POSITIVE_INFINITY,
  ): ClaimedDelivery | undefined {
    const maxTries = policy.maximumRetryAttempts + 1;
    return this.db
      .transaction((): ClaimedDelivery | undefined => {
        for (;;) {
          const now = this.now();
          const row = this.db
            .prepare(
              `SELECT event_id, body, attempts, enqueued_at FROM subscription_deliveries
               WHERE subscription = ? AND state = 'pending' AND due_at <= ?
                 AND (lease_until IS NULL OR lease_until <= ?)
               ORDER BY due_at, enqueued_at LIMIT 1`,
            )
            .get(subscription, Math.min(now, dueBy), now) as
            | { event_id: string; body: string; attempts: number; enqueued_at: number }
            | undefined;
          if (!row) return undefined;
          if (now - row.enqueued_at > policy.maximumEventAgeSeconds * 1000) {
            this.toDlq(
              subscription,
              row.event_id,
              'MaximumEventAgeExceeded: not delivered within the retry policy',
            );
            continue;
          }
          if (row.attempts >= maxTries) {
            // Only a lease that expired (the process died mid-try) gets here.
            this.toDlq(subscription, row.event_id, 'RetriesExhausted: the last try was interrupted');
            continue;
          }
          const leaseToken = randomUUID();
          this.db
            .prepare(
              `UPDATE subscription_deliveries SET attempts = attempts + 1, lease_token = ?, lease_until = ?
               WHERE subscription = ? AND event_id = ?`,
            )
            .run(leaseToken, now + leaseMs, subscription, row.event_id);
          return {
            subscription,
            eventId: row.event_id,
            body: row.body,
            attempt: row.attempts + 1,
            leaseToken,
          };
        }
      })
      .immediate();
  }

  /** Records a 2xx answer. False when the lease was lost (another process took the event). */
  delivered(d: ClaimedDelivery, status: number): boolean {
    return this.db.transaction(() => {
      const changed = this.db
        .prepare(
          `UPDATE subscription_deliveries
           SET state = 'delivered', last_status = ?, last_error = NULL, lease_token = NULL, lease_until = NULL, finished_at = ?
           WHERE subscription = ? AND event_id = ? AND lease_token = ?`,
        )
        .run(status, this.now(), d.subscription, d.eventId, d.leaseToken).changes;
      if (changed === 1) this.bump(d.subscription, 'delivered');
      return changed === 1;
    })();
  }

  /** Records a failed try: retried after `retryInMs`, or dead-lettered with the reason. */
  failed(d: ClaimedDelivery, failure: { status?: number; error: string }, outcome: FailureOutcome): boolean {
    return this.db.transaction(() => {
      const now = this.now();
      const current = this.db
        .prepare(`SELECT lease_token FROM subscription_deliveries WHERE subscription = ? AND event_id = ?`)
        .get(d.subscription, d.eventId) as { lease_token: string | null } | undefined;
      if (current?.lease_token !== d.leaseToken) return false;
      this.bump(d.subscription, 'failed');
      this.db
        .prepare(
          `UPDATE subscription_deliveries SET last_status = ?, last_error = ?, lease_token = NULL, lease_until = NULL, due_at = ?
           WHERE subscription = ? AND event_id = ?`,
        )
        .run(
          failure.status ?? null,
          failure.error,
          'retryInMs' in outcome ? now + outcome.retryInMs : now,
          d.subscription,
          d.eventId,
        );
      // The dead-letter reason already names the failure.
      if ('deadLetter' in outcome) this.toDlq(d.subscription, d.eventId, outcome.deadLetter, false);
      return true;
    })();
  }

  /** `withLastError`: append the last try's error (when the reason does not already say it). */
  private toDlq(subscription: string, eventId: string, reason: string, withLastError = true): void {
    this.db
      .prepare(
        `UPDATE subscription_deliveries
         SET state = 'dead', lease_token = NULL, lease_until = NULL, finished_at = ?,
             last_error = CASE WHEN last_error IS NULL OR ? = 0 THEN ? ELSE ? || ' (last: ' || last_error || ')' END
         WHERE subscription = ? AND event_id = ?`,
      )
      .run(this.now(), withLastError ? 1 : 0, reason, reason, subscription, eventId);
    this.bump(subscription, 'dead_lettered');
  }

  /**
   * Puts `subscription`'s dead-lettered events back in its own queue for a fresh set of tries
   * (and a fresh event age): no other subscription sees them again.
   */
  redrive(subscription: string, maxEvents?: number): number {
    const now = this.now();
    return this.db
      .prepare(
        `UPDATE subscription_deliveries SET state = 'pending', attempts = 0, due_at = ?, enqueued_at = ?, finished_at = NULL
         WHERE subscription = ? AND event_id IN (
           SELECT event_id FROM subscription_deliveries WHERE subscription = ? AND state = 'dead'
           ORDER BY finished_at LIMIT ?)`,
      )
      .run(now, now, subscription, subscription, maxEvents ?? -1).changes;
  }

  deadLetters(subscription: string, limit = 50): DeadLetter[] {
    const rows = this.db
      .prepare(
        `SELECT event_id, attempts, last_status, last_error, finished_at, body FROM subscription_deliveries
         WHERE subscription = ? AND state = 'dead' ORDER BY finished_at LIMIT ?`,
      )
      .all(subscription, limit) as {
      event_id: string;
      attempts: number;
      last_status: number | null;
      last_error: string | null;
      finished_at: number;
      body: string;
    }[];
    return rows.map((r) => ({
      eventId: r.event_id,
      attempts: r.attempts,
      lastStatus: r.last_status,
      lastError: r.last_error,
      deadLetteredAt: new Date(r.finished_at).toISOString(),
      body: r.body,
    }));
  }

  counts(subscription: string): SubscriptionCounts {
    const c = this.db
      .prepare(`SELECT delivered, failed, dead_lettered FROM subscription_counters WHERE subscription = ?`)
      .get(subscription) as { delivered: number; failed: number; dead_lettered: number } | undefined;
    const states = this.db
      .prepare(
        `SELECT state, COUNT(*) AS n FROM subscription_deliveries WHERE subscription = ? AND state != 'delivered' GROUP BY state`,
      )
      .all(subscription) as { state: DeliveryState; n: number }[];
    const n = (s: DeliveryState) => states.find((x) => x.state === s)?.n ?? 0;
    return {
      subscription,
      delivered: c?.delivered ?? 0,
      failed: c?.failed ?? 0,
      deadLettered: c?.dead_lettered ?? 0,
      inDlq: n('dead'),
      pending: n('pending'),
    };
  }

  /** When the next pending event of `subscription` becomes due (or its lease ends), if any. */
  nextDueAt(subscription: string): Date | undefined {
    const r = this.db
      .prepare(
        `SELECT MIN(MAX(due_at, COALESCE(lease_until, 0))) AS t FROM subscription_deliveries
         WHERE subscription = ? AND state = 'pending'`,
      )
      .get(subscription) as { t: number | null };
    return r.t === null ? undefined : new Date(r.t);
  }

  /** Forgets delivered events older than the retention; dead letters stay until redriven. */
  prune(): number {
    return this.db
      .prepare(`DELETE FROM subscription_deliveries WHERE state = 'delivered' AND finished_at < ?`)
      .run(this.now() - DELIVERED_RETENTION_MS).changes;
  }
}
