/**
 * The local stand-in for an EventBridge event bus: PutEvents with AWS's limits and
 * per-entry failures, rules with full event-pattern matching, and synchronous-looking
 * delivery — when putEvents resolves, every matching rule's target has accepted the event.
 */
import { Buffer } from 'node:buffer';
import { AppError, type Clock, type IdGenerator, randomIds, systemClock } from '@ohlcv/core';
import { type CompiledPattern, compilePattern } from '@ohlcv/core/event-pattern/index';
import { eventTime, LOCAL_ACCOUNT, LOCAL_REGION } from '@ohlcv/events';

/** The SDK's PutEventsRequestEntry, the fields the local bus honours. */
export interface PutEventsRequestEntry {
  Source?: string;
  DetailType?: string;
  /** A JSON object, as text. */
  Detail?: string;
  Resources?: string[];
  Time?: Date | string;
  EventBusName?: string;
  TraceHeader?: string;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

/** An EventBridge envelope exactly as a rule target receives it. */
export interface BusEnvelope {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
  [extra: string]: unknown;
}

export type RuleTarget = (envelope: BusEnvelope) => void | Promise<void>;

export interface BusRuleInput {
  name: string;
  /** An event pattern, parsed. Invalid patterns throw InvalidEventPatternException. */
  pattern: unknown;
  target: RuleTarget;
}

export interface LocalEventBusOptions {
  /** Bus name; 'default' for the account's default bus. */
  name?: string;
  account?: string;
  region?: string;
  clock?: Clock;
  ids?: IdGenerator;
  /** Sees every accepted event before its targets (the runtime's event log). */
  onEvent?: (envelope: BusEnvelope) => void | Promise<void>;
}

/** AWS's PutEvents limits. */
export const MAX_ENTRIES_PER_PUT = 10;
export const MAX_ENTRY_BYTES = 256 * 1024;
const MAX_DETAIL_TYPE_LENGTH = 128;
const MAX_SOURCE_LENGTH = 256;

interface Rule {
  name: string;
  compiled: CompiledPattern;
  target: RuleTarget;
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const failure = (ErrorCode: string, ErrorMessage: string) => ({ ErrorCode, ErrorMessage });

const requiredArgument = (name: string) =>
  failure('InvalidArgument', `Parameter ${name} is not valid. Reason: ${name} is a required argument.`);

/** Size of one entry the way AWS counts it (Time counts 14 bytes when given). */
export const putEventsEntrySize = (entry: PutEventsRequestEntry): number => {
  let size = entry.Time !== undefined ? 14 : 0;
  if (entry.Source) size += byteLength(entry.Source);
  if (entry.DetailType) size += byteLength(entry.DetailType);
  if (entry.Detail) size += byteLength(entry.Detail);
  for (const r of entry.Resources ?? []) size += byteLength(r);
  return size;
};

export class LocalEventBus {
  readonly name: string;
  readonly arn: string;
  private readonly account: string;
  private readonly region: string;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly onEvent: LocalEventBusOptions['onEvent'];
  private readonly rules = new Map<string, Rule>();

  constructor(opts: LocalEventBusOptions = {}) {
    this.name = opts.name ?? 'default';
    this.account = opts.account ?? LOCAL_ACCOUNT;
    this.region = opts.region ?? LOCAL_REGION;
    this.arn = `arn:aws:events:${this.region}:${this.account}:event-bus/${this.name}`;
    this.clock = opts.clock ?? systemClock;
    this.ids = opts.ids ?? randomIds;
    this.onEvent = opts.onEvent;
  }

  /** Validates and compiles the pattern once; throws InvalidEventPatternException. */
  addRule(rule: BusRuleInput): void {
    if (this.rules.has(rule.name)) {
      throw new AppError(
        'ResourceAlreadyExistsException',
        `Rule ${rule.name} already exists on bus ${this.name}.`,
      );
    }
    this.rules.set(rule.name, {
      name: rule.name,
      compiled: compilePattern(rule.pattern),
      target: rule.target,
    });
  }

  removeRule(name: string): boolean {
    return this.rules.delete(name);
  }

  ruleNames(): string[] {
    return [...this.rules.keys()];
  }

  /** Names of the rules whose pattern matches the envelope, in the order they were added. */
  matchingRules(envelope: unknown): string[] {
    const out: string[] = [];
    for (const rule of this.rules.values()) if (rule.compiled.matches(envelope)) out.push(rule.name);
    return out;
  }

  /**
   * PutEvents: 1–10 entries, each accepted or failed on its own. An entry whose targets
   * fail is reported failed (InternalFailure) so the caller retries it; targets that did
   * accept it may see it again, which at-least-once consumers tolerate.
   */
  async putEvents(entries: readonly PutEventsRequestEntry[]): Promise<PutEventsResult> {
    this.checkRequest(entries);
    const results: PutEventsResultEntry[] = [];
    let failed = 0;
    for (const entry of entries) {
      const built = this.envelopeFor(entry);
      const result = 'envelope' in built ? await this.deliverOrFail(built.envelope) : built;
      if ('ErrorCode' in result) failed++;
      results.push(result);
    }
    return { FailedEntryCount: failed, Entries: results };
  }

  /**
   * Injects an event AWS itself would emit (S3 Object Created, Glue Job State Change) in
   * its native envelope; these never go through PutEvents on AWS either.
   */
  async putEnvelope(envelope: BusEnvelope): Promise<{ matchedRules: string[] }> {
    const missing = ['id', 'source', 'detail-type', 'time', 'account', 'region'].filter(
      (k) => typeof envelope[k] !== 'string',
    );
    if (missing.length > 0 || !isPlainObject(envelope.detail) || !Array.isArray(envelope.resources)) {
      throw new AppError(
        'ValidationException',
        `Envelope is not an EventBridge event${missing.length ? `: missing ${missing.join(', ')}` : ': detail must be an object and resources an array'}.`,
      );
    }
    return { matchedRules: await this.deliver(envelope) };
  }

  private checkRequest(entries: readonly PutEventsRequestEntry[]): void {
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES_PER_PUT) {
      const n = Array.isArray(entries) ? entries.length : 0;
      const bound = n < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES_PER_PUT}`;
      throw new AppError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
      );
    }
    // An entry too large on its own fails alone (below); the rest must fit the request limit together.
    const total = entries.reduce((n, e) => {
      const size = putEventsEntrySize(e);
      return size > MAX_ENTRY_BYTES ? n : n + size;
    }, 0);
    if (total > MAX_ENTRY_BYTES) {
      throw new AppError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }
  }

  private envelopeFor(
    entry: PutEventsRequestEntry,
  ): { envelope: BusEnvelope } | { ErrorCode: string; ErrorMessage: string } {
    if (
      entry.EventBusName !== undefined &&
      entry.EventBusName !== this.name &&
      entry.EventBusName !== this.arn
    ) {
      return failure('ResourceNotFoundException', `Event bus ${entry.EventBusName} does not exist.`);
    }
    if (!entry.Source) return requiredArgument('Source');
    if (!entry.DetailType) return requiredArgument('DetailType');
    if (!entry.Detail) return requiredArgument('Detail');
    if (entry.Source.length > MAX_SOURCE_LENGTH) {
      return failure(
        'InvalidArgument',
        `Parameter Source is not valid. Reason: longer than ${MAX_SOURCE_LENGTH}.`,
      );
    }
    if (entry.DetailType.length > MAX_DETAIL_TYPE_LENGTH) {
      return failure(
        'InvalidArgument',
        `Parameter DetailType is not valid. Reason: longer than ${MAX_DETAIL_TYPE_LENGTH}.`,
      );
    }
    // AWS reserves aws.* sources for its own services.
    if (entry.Source.startsWith('aws.')) {
      return failure('NotAuthorizedForSourceException', 'Not authorized for the source.');
    }
    if (putEventsEntrySize(entry) > MAX_ENTRY_BYTES) {
      return failure('EntrySizeExceeded', `Event size exceeds the limit of ${MAX_ENTRY_BYTES} bytes.`);
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return failure('MalformedDetail', 'Detail is malformed.');
    }
    if (!isPlainObject(detail)) return failure('MalformedDetail', 'Detail is malformed.');
    if (entry.Resources !== undefined && !entry.Resources.every((r) => typeof r === 'string')) {
      return failure(
        'InvalidArgument',
        'Parameter Resources is not valid. Reason: every resource must be a string.',
      );
    }
    let time: string;
    try {
      time = eventTime(entry.Time ?? this.clock.now());
    } catch {
      return failure('InvalidArgument', 'Parameter Time is not valid. Reason: not a timestamp.');
    }
    return {
      envelope: {
        version: '0',
        id: this.ids.next(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: this.account,
        time,
        region: this.region,
        resources: entry.Resources ? [...entry.Resources] : [],
        detail,
      },
    };
  }

  private async deliverOrFail(envelope: BusEnvelope): Promise<PutEventsResultEntry> {
    try {
      await this.deliver(envelope);
      return { EventId: envelope.id };
    } catch (e) {
      return failure('InternalFailure', `Delivery failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async deliver(envelope: BusEnvelope): Promise<string[]> {
    if (this.onEvent) await this.onEvent(envelope);
    const matched: Rule[] = [];
    for (const rule of this.rules.values()) if (rule.compiled.matches(envelope)) matched.push(rule);
    if (matched.length === 1) {
      await (matched[0] as Rule).target(envelope);
    } else if (matched.length > 1) {
      const outcomes = await Promise.allSettled(matched.map(async (r) => r.target(envelope)));
      const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (rejected) throw rejected.reason;
    }
    return matched.map((r) => r.name);
  }
}
