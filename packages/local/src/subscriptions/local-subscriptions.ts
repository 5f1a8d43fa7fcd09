/**
 * The subscriptions of the embedded runtime: each declared subscription becomes a route of the
 * pipeline bus (same pattern engine as the rules) into its own durable queue, and one deliverer
 * serves all the queues. What `ohlcv events subscriptions` and `dlq redrive --subscription` use.
 */
import fs from 'node:fs';
import {
  AppError,
  type Clock,
  compilePattern,
  type Logger,
  parseSubscriptions,
  type Subscription,
  secretEnvVar,
  subscriptionsPath,
  type Timers,
} from '@ohlcv/core';
import type { EventRouter } from '../runtime/event-router.ts';
import type { StateDb } from '../state-db.ts';
import { type BackoffOptions, SubscriptionDeliverer } from './deliverer.ts';
import { type SubscriptionCounts, SubscriptionStore } from './subscription-store.ts';

export const UNKNOWN_SUBSCRIPTION = 'UnknownSubscription';

/** Reads the declaration at `path`; no file means no subscriptions. Throws InvalidSubscriptions. */
export function readSubscriptionsFile(path: string): Subscription[] {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return parseSubscriptions(text, path);
}

/** The declaration the environment points at: `$OHLCV_SUBSCRIPTIONS`, else `subscriptions.json` under `cwd`. */
export const loadSubscriptions = (env: NodeJS.ProcessEnv, cwd: string): Subscription[] =>
  readSubscriptionsFile(subscriptionsPath(env, cwd));

/** Locally a secret is the environment variable named after it: `OrdersWebhookKey` -> `ORDERS_WEBHOOK_KEY`. */
export const envSecrets =
  (env: NodeJS.ProcessEnv) =>
  (name: string): string | undefined =>
    env[secretEnvVar(name)];

export const subscriptionRouteName = (name: string): string => `subscription:${name}`;

export interface LocalSubscriptionsOptions {
  db: StateDb;
  router: EventRouter;
  subscriptions: readonly Subscription[];
  secret: (name: string) => string | undefined;
  clock?: Clock;
  timers?: Timers;
  logger?: Logger;
  random?: () => number;
  timeoutMs?: number;
  backoff?: BackoffOptions;
  idlePollMs?: number;
}

export class LocalSubscriptions {
  readonly store: SubscriptionStore;
  readonly deliverer: SubscriptionDeliverer;
  readonly declared: readonly Subscription[];

  constructor(opts: LocalSubscriptionsOptions) {
    this.declared = opts.subscriptions;
    this.store = new SubscriptionStore(opts.db, opts.clock);
    this.store.prune();
    this.deliverer = new SubscriptionDeliverer({
      store: this.store,
      subscriptions: opts.subscriptions,
      secret: opts.secret,
      clock: opts.clock,
      timers: opts.timers,
      logger: opts.logger,
      random: opts.random,
      timeoutMs: opts.timeoutMs,
      backoff: opts.backoff,
      idlePollMs: opts.idlePollMs,
    });
    for (const s of opts.subscriptions) {
      const { matches } = compilePattern(s.pattern);
      opts.router.addRoute({
        bus: 'pipeline',
        name: subscriptionRouteName(s.name),
        matches,
        accept: (envelope, body) => {
          this.store.enqueue(s.name, String(envelope.id), body);
        },
        afterCommit: () => this.deliverer.notify(),
      });
    }
  }

  private known(name: string): Subscription {
    const s = this.declared.find((d) => d.name === name);
    if (!s) {
      const names = this.declared.map((d) => d.name);
      throw new AppError(
        UNKNOWN_SUBSCRIPTION,
        `unknown subscription "${name}"; declared: ${names.length ? names.join(', ') : '(none)'}`,
      );
    }
    return s;
  }

  /** Delivered / failed / dead-lettered counts per declared subscription. */
  counts(): (SubscriptionCounts & { endpoint: string })[] {
    return this.declared.map((s) => ({ ...this.store.counts(s.name), endpoint: s.endpoint }));
  }

  /** Re-queues `name`'s dead letters for that subscription only (never through the bus). */
  redrive(name: string, maxEvents?: number): number {
    this.known(name);
    const n = this.store.redrive(name, maxEvents);
    if (n > 0) this.deliverer.notify();
    return n;
  }

  deadLetters(name: string, limit?: number) {
    this.known(name);
    return this.store.deadLetters(name, limit);
  }
}
