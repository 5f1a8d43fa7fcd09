import {
  type BusName,
  compilePattern,
  type QueueName,
  type RuleSpec,
  type TopologyContext,
  rules as topologyRules,
} from '@ohlcv/core';
import type { StateDb } from '../state-db.ts';
import type { EventLog } from './event-log.ts';

/** The part of the queue store routing needs: a synchronous, transactional send. */
export interface QueueWriter {
  send(queue: string, body: string): unknown;
}

/**
 * A target outside the topology (a subscription's queue), routed in the same transaction as
 * the topology's queues: `accept` must be synchronous and write through the same database.
 */
export interface ExtraRoute {
  bus: BusName;
  /** What the event log records as the target, e.g. `subscription:orders`. */
  name: string;
  matches(envelope: unknown): boolean;
  accept(envelope: Record<string, unknown>, body: string): void;
  /** Called after a delivery that reached this route commits. */
  afterCommit?: () => void;
}

interface CompiledRule {
  spec: RuleSpec;
  matches(event: unknown): boolean;
}

/**
 * Delivers events to the queues of the topology rules they match, the local stand-in
 * for EventBridge rules with SQS targets. Logging the event and sending to every target
 * queue happen in one SQLite transaction, so an event is either delivered everywhere
 * or nowhere — even if the process dies half-way.
 */
export class EventRouter {
  private readonly compiled: CompiledRule[];
  private readonly listeners = new Set<(queues: readonly QueueName[]) => void>();
  private readonly extraRoutes: ExtraRoute[] = [];

  constructor(
    private readonly db: StateDb,
    private readonly queues: QueueWriter,
    private readonly log: EventLog,
    ctx: TopologyContext,
    rules: readonly RuleSpec[] = topologyRules,
  ) {
    this.compiled = rules.map((spec) => ({ spec, ...compilePattern(spec.pattern(ctx)) }));
  }

  /** The target queues of the rules on `bus` that match `envelope`. */
  targets(bus: BusName, envelope: unknown): QueueName[] {
    const out: QueueName[] = [];
    for (const r of this.compiled) {
      if (r.spec.bus === bus && r.matches(envelope) && !out.includes(r.spec.target)) out.push(r.spec.target);
    }
    return out;
  }

  /**
   * Routes envelopes; `alsoInTransaction` runs inside the same transaction (the object
   * ledger uses it so "announced" and "delivered" commit together).
   */
  deliver(bus: BusName, envelopes: readonly Record<string, unknown>[], alsoInTransaction?: () => void): void {
    const touched = new Set<QueueName>();
    const reached = new Set<ExtraRoute>();
    // IMMEDIATE: take the write lock up front. A deferred transaction that reads first (the
    // object ledger's re-check) fails with SQLITE_BUSY, without waiting, when another
    // process committed in between; an immediate one waits (busy_timeout) instead.
    this.db
      .transaction(() => {
        alsoInTransaction?.();
        for (const envelope of envelopes) {
          const targets = this.targets(bus, envelope);
          const body = JSON.stringify(envelope);
          for (const q of targets) {
            this.queues.send(q, body);
            touched.add(q);
          }
          const extra = this.extraRoutes.filter((r) => r.bus === bus && r.matches(envelope));
          for (const r of extra) {
            r.accept(envelope, body);
            reached.add(r);
          }
          this.log.append(bus, envelope, [...targets, ...extra.map((r) => r.name)], String(envelope.time));
        }
      })
      .immediate();
    if (touched.size > 0) for (const l of this.listeners) l([...touched]);
    for (const r of reached) r.afterCommit?.();
  }

  /** Adds a target beyond the topology's rules (the subscriptions). */
  addRoute(route: ExtraRoute): void {
    this.extraRoutes.push(route);
  }

  /** Called after a delivery commits, with the queues that received messages. */
  onDelivered(listener: (queues: readonly QueueName[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
