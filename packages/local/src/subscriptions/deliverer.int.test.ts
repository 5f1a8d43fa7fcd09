/**
 * The local deliverer against a real HTTP subscriber on loopback: success, 5xx retries with
 * backoff, final 4xx, timeouts and slow answers, the retry policy's limits, redrive to one
 * subscription only, and a deliverer process killed mid-delivery. Backoff runs on an injected
 * clock, so no test waits for a retry's wall time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  IDEMPOTENCY_HEADER,
  type Subscription,
  type SubscriptionInput,
  subscriptionSchema,
} from '@ohlcv/core';
import { fixedClock, sequentialIds } from '@ohlcv/core/contracts/in-memory';
import { pipelineEventInput } from '@ohlcv/events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalPublisher } from '../runtime/local-publisher.ts';
import { type RuntimeKit, runtimeKit } from '../runtime/testing/runtime-kit.ts';
import { openStateDb } from '../state-db.ts';
import { backoffMs } from './deliverer.ts';
import { LocalSubscriptions } from './local-subscriptions.ts';
import { SubscriptionStore } from './subscription-store.ts';
import { type Receiver, startReceiver } from './testing/receiver.ts';

const SECRET = 's3cr3t-value';
let receiver: Receiver;
let other: Receiver;
beforeAll(async () => {
  receiver = await startReceiver('/hook');
  other = await startReceiver('/other');
});
afterAll(async () => {
  await receiver.close();
  await other.close();
});

const sub = (over: Partial<SubscriptionInput> = {}): Subscription =>
  subscriptionSchema.parse({
    name: 'alerts',
    pattern: {
      source: ['ohlcv.quality-alert'],
      'detail-type': ['Alert Raised'],
      detail: { severity: ['critical'] },
    },
    endpoint: receiver.url,
    auth: { header: 'X-Api-Key', secret: 'AlertsHookKey' },
    retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeSeconds: 3600 },
    ...over,
  });

const alert = (i: number, severity: 'critical' | 'info' = 'critical') =>
  pipelineEventInput('Alert Raised', {
    schemaVersion: 1,
    correlationId: `c${i}`,
    alertId: `a${i}`,
    severity,
    kind: 'job-failed',
    title: `alert ${i}`,
    message: 'the ETL job failed',
    context: {},
  });

interface Setup {
  kit: RuntimeKit;
  clock: ReturnType<typeof fixedClock>;
  subs: LocalSubscriptions;
  publish(...events: ReturnType<typeof alert>[]): Promise<void>;
}

const open: Setup[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.kit.cleanup();
  receiver.requests.length = 0;
  other.requests.length = 0;
  receiver.fallback = { status: 200 };
  other.fallback = { status: 200 };
});

function setup(subscriptions: Subscription[], opts: { timeoutMs?: number; secret?: string } = {}): Setup {
  const clock = fixedClock('2026-03-01T10:00:00Z');
  const kit = runtimeKit(clock);
  const subs = new LocalSubscriptions({
    db: kit.db,
    router: kit.router,
    subscriptions,
    secret: (name) => (name === 'AlertsHookKey' ? (opts.secret ?? SECRET) : undefined),
    clock,
    random: () => 1,
    timeoutMs: opts.timeoutMs ?? 2000,
    backoff: { baseMs: 1000, capMs: 60_000 },
  });
  const publisher = new LocalPublisher(kit.router, clock, sequentialIds('evt-'));
  const s: Setup = { kit, clock, subs, publish: (...events) => publisher.publish(events) };
  open.push(s);
  return s;
}

describe('local subscription delivery to a real HTTP receiver', () => {
  it('POSTs each matching event once, as an API destination does: envelope body, API-key header, idempotency key', async () => {
    const s = setup([sub()]);
    await s.publish(alert(1), alert(2, 'info'));
    const pass = await s.subs.deliverer.runOnce();
    expect(pass).toEqual({ tried: 1, delivered: 1, failed: 0, deadLettered: 0 });
    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/hook');
    expect(req?.headers['x-api-key']).toBe(SECRET);
    expect(req?.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(req?.body ?? '');
    expect(req?.headers[IDEMPOTENCY_HEADER.toLowerCase()]).toBe(body.id);
    expect(body).toMatchObject({ 'detail-type': 'Alert Raised', source: 'ohlcv.quality-alert', id: 'evt-1' });
    expect(body.detail.alertId).toBe('a1');
    // The event log shows the subscription as a target, beside the topology queue.
    expect(s.kit.log.last(2).map((e) => e.routedTo)).toEqual([['subscription:alerts'], []]);
    expect(s.subs.counts()).toMatchObject([
      { subscription: 'alerts', delivered: 1, failed: 0, deadLettered: 0, pending: 0 },
    ]);
    // Nothing is due any more: a second pass sends nothing.
    expect((await s.subs.deliverer.runOnce()).tried).toBe(0);
    expect(receiver.requests).toHaveLength(1);
  });

  it('retries 500s with exponential backoff on the injected clock, then delivers with the same idempotency key', async () => {
    const s = setup([sub()]);
    receiver.script({ status: 500 }, { status: 503 });
    await s.publish(alert(1));
    expect(await s.subs.deliverer.runOnce()).toMatchObject({ tried: 1, failed: 1 });
    // Not due yet: the first retry waits backoffMs(1) = 1 s (jitter fixed at 1).
    expect((await s.subs.deliverer.runOnce()).tried).toBe(0);
    expect(s.subs.deliverer.nextDueAt()?.toISOString()).toBe('2026-03-01T10:00:01.000Z');
    s.clock.advance(backoffMs(1, 1, { baseMs: 1000, capMs: 60_000 }));
    expect(await s.subs.deliverer.runOnce()).toMatchObject({ tried: 1, failed: 1 });
    s.clock.advance(1999);
    expect((await s.subs.deliverer.runOnce()).tried).toBe(0);
    s.clock.advance(1);
    expect(await s.subs.deliverer.runOnce()).toMatchObject({ tried: 1, delivered: 1 });
    const keys = receiver.requests.map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual(['evt-1', 'evt-1', 'evt-1']);
    expect(s.subs.counts()[0]).toMatchObject({ delivered: 1, failed: 2, deadLettered: 0, inDlq: 0 });
  });

  it('dead-letters after maximumRetryAttempts + 1 tries, and at once on a final 4xx', async () => {
    const s = setup([sub({ retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 3600 } })]);
    receiver.fallback = { status: 500 };
    await s.publish(alert(1));
    for (let i = 0; i < 5; i++) {
      await s.subs.deliverer.runOnce();
      s.clock.advance(60_000);
    }
    expect(receiver.requests).toHaveLength(3);
    expect(s.subs.counts()[0]).toMatchObject({
      delivered: 0,
      failed: 3,
      deadLettered: 1,
      inDlq: 1,
      pending: 0,
    });
    expect(s.subs.deadLetters('alerts')[0]).toMatchObject({ eventId: 'evt-1', attempts: 3, lastStatus: 500 });
    expect(s.subs.deadLetters('alerts')[0]?.lastError).toBe('RetriesExhausted: 3 tries, last HTTP 500');

    receiver.requests.length = 0;
    receiver.fallback = { status: 404 };
    await s.publish(alert(2));
    await s.subs.deliverer.runOnce();
    expect(receiver.requests).toHaveLength(1);
    expect(s.subs.counts()[0]).toMatchObject({ failed: 4, deadLettered: 2, inDlq: 2 });
    expect(s.subs.deadLetters('alerts')[1]?.lastError).toContain('NotRetryable: HTTP 404');
  });

  it('dead-letters an event older than maximumEventAgeSeconds without another try', async () => {
    const s = setup([sub({ retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeSeconds: 60 } })]);
    receiver.fallback = { status: 500 };
    await s.publish(alert(1));
    await s.subs.deliverer.runOnce();
    s.clock.advance(61_000);
    await s.subs.deliverer.runOnce();
    expect(receiver.requests).toHaveLength(1);
    expect(s.subs.deadLetters('alerts')[0]?.lastError).toBe(
      'MaximumEventAgeExceeded: not delivered within the retry policy (last: HTTP 500)',
    );
  });

  it('times out a receiver that does not answer, or stalls mid-body, within the limit; waits for a slow but timely one', async () => {
    const s = setup([sub()], { timeoutMs: 400 });
    receiver.script({ hang: true }, { status: 200, stallBodyMs: 5000 }, { status: 200, delayMs: 150 });
    await s.publish(alert(1));
    expect(await s.subs.deliverer.runOnce()).toMatchObject({ tried: 1, failed: 1 });
    expect(s.subs.store.counts('alerts')).toMatchObject({ failed: 1, pending: 1 });
    s.clock.advance(1000);
    expect(await s.subs.deliverer.runOnce()).toMatchObject({ tried: 1, failed: 1 });
    s.clock.advance(2000);
    expect(await s.subs.deliverer.runOnce()).toMatchObject({ tried: 1, delivered: 1 });
    expect(receiver.requests.map((r) => r.headers['idempotency-key'])).toEqual(['evt-1', 'evt-1', 'evt-1']);
    const row = s.kit.db
      .prepare(`SELECT last_error FROM subscription_deliveries WHERE event_id = 'evt-1'`)
      .get() as { last_error: string | null };
    expect(row.last_error).toBeNull();
  });

  it('counts a missing secret as a failed try without sending the request', async () => {
    const s = setup([sub()], { secret: '' });
    await s.publish(alert(1));
    expect(await s.subs.deliverer.runOnce()).toMatchObject({ tried: 1, failed: 1 });
    expect(receiver.requests).toHaveLength(0);
    const row = s.kit.db.prepare(`SELECT last_error FROM subscription_deliveries`).get() as {
      last_error: string;
    };
    expect(row.last_error).toContain('ALERTS_HOOK_KEY');
    expect(row.last_error).not.toContain(SECRET);
  });

  it('redrive re-delivers to that subscription only', async () => {
    const a = sub({ name: 'a', retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 3600 } });
    const b = sub({ name: 'b', endpoint: other.url });
    const s = setup([a, b]);
    receiver.fallback = { status: 500 };
    await s.publish(alert(1));
    await s.subs.deliverer.runOnce();
    expect(s.subs.counts().map((c) => [c.subscription, c.delivered, c.inDlq])).toEqual([
      ['a', 0, 1],
      ['b', 1, 0],
    ]);
    receiver.fallback = { status: 200 };
    expect(s.subs.redrive('a')).toBe(1);
    await s.subs.deliverer.runOnce();
    expect(s.subs.counts().map((c) => [c.subscription, c.delivered, c.inDlq, c.deadLettered])).toEqual([
      ['a', 1, 0, 1],
      ['b', 1, 0, 0],
    ]);
    expect(receiver.requests.map((r) => r.headers['idempotency-key'])).toEqual(['evt-1', 'evt-1']);
    expect(other.requests).toHaveLength(1);
    expect(() => s.subs.redrive('nope')).toThrow('unknown subscription "nope"; declared: a, b');
  });

  it('queues an event routed twice (at-least-once upstream) once', async () => {
    const s = setup([sub()]);
    await s.publish(alert(1));
    const envelope = s.kit.log.last(1)[0]?.envelope as Record<string, unknown>;
    s.kit.router.deliver('pipeline', [envelope]);
    await s.subs.deliverer.runOnce();
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('the continuous deliverer (ohlcv start)', () => {
  it('delivers an event as soon as the router commits it, and stop() waits for the try in flight', async () => {
    const kit = runtimeKit();
    try {
      const subs = new LocalSubscriptions({
        db: kit.db,
        router: kit.router,
        subscriptions: [sub()],
        secret: () => SECRET,
        // Idle poll far beyond the test: only notify() can make it deliver in time.
        timeoutMs: 2000,
        idlePollMs: 60_000,
      });
      subs.deliverer.start();
      receiver.script({ status: 200, delayMs: 300 });
      await new LocalPublisher(kit.router, { now: () => new Date() }, sequentialIds('live-')).publish([
        alert(1),
      ]);
      await receiver.waitForRequests(1);
      await subs.deliverer.stop();
      // The answer came after the request; stop() returned only once it was recorded.
      expect(subs.counts()[0]).toMatchObject({ delivered: 1, pending: 0 });
    } finally {
      kit.cleanup();
    }
  });
});

describe('a deliverer process killed mid-delivery', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
  });

  it('loses nothing, and the one event in flight is sent again with the same idempotency key', async () => {
    const kit = runtimeKit(fixedClock('2026-03-01T10:00:00Z'));
    try {
      const subscription = sub();
      const seed = new SubscriptionStore(kit.db, { now: () => new Date() });
      for (const id of ['e1', 'e2', 'e3'])
        seed.enqueue('alerts', id, JSON.stringify({ id, 'detail-type': 'Alert Raised' }));
      receiver.script({ status: 200 }, { hang: true });

      const script = fileURLToPath(new URL('./testing/deliver-child.ts', import.meta.url));
      const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
      child = spawn(
        process.execPath,
        ['--import', 'tsx', script, kit.dbFile, JSON.stringify(subscription), SECRET],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr?.on('data', (c) => {
        stderr += String(c);
      });
      const exited = new Promise<void>((resolve) => child?.on('exit', () => resolve()));
      await Promise.race([
        receiver.waitForRequests(2),
        exited.then(() => {
          throw new Error(`child exited early: ${stderr}`);
        }),
      ]);
      child.kill('SIGKILL');
      await exited;
      child = undefined;
      expect(receiver.requests.map((r) => r.headers['idempotency-key'])).toEqual(['e1', 'e2']);

      // The restarted deliverer (its clock past the dead process's lease) finishes the work.
      const later = fixedClock(new Date(Date.now() + 10 * 60_000));
      const db = openStateDb(kit.dbFile);
      try {
        const store = new SubscriptionStore(db, later);
        expect(store.counts('alerts')).toMatchObject({ delivered: 1, pending: 2 });
        const { SubscriptionDeliverer } = await import('./deliverer.ts');
        const deliverer = new SubscriptionDeliverer({
          store,
          subscriptions: [subscription],
          secret: () => SECRET,
          clock: later,
        });
        expect(await deliverer.runOnce()).toMatchObject({ tried: 2, delivered: 2, failed: 0 });
        const keys = receiver.requests.map((r) => r.headers['idempotency-key']);
        expect(keys).toEqual(['e1', 'e2', 'e2', 'e3']);
        expect(new Set(keys)).toEqual(new Set(['e1', 'e2', 'e3']));
        expect(store.counts('alerts')).toMatchObject({ delivered: 3, failed: 0, pending: 0, inDlq: 0 });
      } finally {
        db.close();
      }
    } finally {
      kit.cleanup();
    }
  }, 60_000);
});
