import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  endpointProblem,
  isRetryableStatus,
  parseSubscriptions,
  SUBSCRIPTIONS_FILE,
  type SubscriptionInput,
  secretEnvVar,
  subscriptionsPath,
} from './declaration.ts';

const good: SubscriptionInput = {
  name: 'orders-alerts',
  pattern: {
    source: ['ohlcv.quality-alert'],
    'detail-type': ['Alert Raised'],
    detail: { severity: ['critical'] },
  },
  endpoint: 'https://hooks.example.com/ohlcv',
  auth: { header: 'X-Api-Key', secret: 'OrdersWebhookKey' },
  retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeSeconds: 3600 },
};

const file = (...subs: unknown[]) => JSON.stringify({ subscriptions: subs });
const errorOf = (text: string): string => {
  try {
    parseSubscriptions(text, 'subscriptions.json');
  } catch (e) {
    return (e as Error).message;
  }
  return '';
};

describe('subscription declaration', () => {
  it('parses a good subscription and fills EventBridge defaults', () => {
    const [s] = parseSubscriptions(file({ ...good, retryPolicy: undefined }), 'x');
    expect(s?.retryPolicy).toEqual({ maximumRetryAttempts: 185, maximumEventAgeSeconds: 86400 });
    expect(s?.rateLimitPerSecond).toBe(300);
  });

  it('the checked-in declaration parses', () => {
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const path = subscriptionsPath({}, root);
    expect(path.endsWith(`/${SUBSCRIPTIONS_FILE}`)).toBe(true);
    expect(() => parseSubscriptions(readFileSync(path, 'utf8'), path)).not.toThrow();
  });

  it.each([
    ['http://hooks.example.com/x', 'plain http is accepted only for loopback'],
    ['ftp://127.0.0.1/x', 'must be https'],
    ['hooks.example.com', 'not an absolute URL'],
    ['https://user:pw@hooks.example.com/', 'must not carry credentials'],
    ['https://hooks.example.com/*/x', 'path parameters'],
    [`https://hooks.example.com/${'x'.repeat(2048)}`, 'longer than 2048'],
  ])('rejects endpoint %s', (endpoint, why) => {
    expect(errorOf(file({ ...good, endpoint }))).toContain(`subscriptions.json: subscriptions[0].endpoint: `);
    expect(errorOf(file({ ...good, endpoint }))).toContain(why);
  });

  it.each([
    'http://127.0.0.1:8787/hook',
    'http://localhost:9/x',
    'http://[::1]:80/',
    'https://a.example/b?c=d',
  ])('accepts endpoint %s', (endpoint) => {
    expect(endpointProblem(endpoint)).toBeUndefined();
  });

  it('checks the pattern with the EventBridge pattern engine, naming the field', () => {
    const bad = errorOf(file({ ...good, pattern: { source: 'ohlcv.quality-alert' } }));
    expect(bad).toContain('subscriptions[0].pattern: Event pattern is not valid.');
    const huge = {
      source: ['ohlcv.quality-alert'],
      detail: { alertId: Array.from({ length: 400 }, (_, i) => `alert-${i}`) },
    };
    expect(errorOf(file({ ...good, pattern: huge }))).toContain('longer than 4096 characters');
  });

  it('rejects a pattern that no pipeline-bus event can match (an AWS event, a typo)', () => {
    expect(errorOf(file({ ...good, pattern: { source: ['aws.s3'] } }))).toContain(
      'matches no event of the pipeline bus',
    );
    expect(errorOf(file({ ...good, pattern: { 'detail-type': ['Alert Rasied'] } }))).toContain(
      'matches no event of the pipeline bus',
    );
    // One reachable $or alternative is enough; prefixes count.
    expect(
      errorOf(
        file({ ...good, pattern: { $or: [{ source: ['aws.glue'] }, { source: [{ prefix: 'ohlcv.' }] }] } }),
      ),
    ).toBe('');
  });

  it('rejects bad names, duplicates, reserved auth headers, bad secret names and out-of-range retries', () => {
    expect(errorOf(file({ ...good, name: 'Orders' }))).toContain('subscriptions[0].name');
    expect(errorOf(file(good, good))).toContain('subscriptions[1].name: "orders-alerts" is declared twice');
    expect(errorOf(file({ ...good, auth: { header: 'Idempotency-Key', secret: 'K' } }))).toContain(
      'subscriptions[0].auth.header: is a header the delivery sets itself',
    );
    expect(errorOf(file({ ...good, auth: { header: 'X-Api-Key', secret: 'orders-key' } }))).toContain(
      'subscriptions[0].auth.secret',
    );
    expect(errorOf(file({ ...good, auth: { header: 'X-Api-Key', secret: 'K', value: 'leak' } }))).toContain(
      'subscriptions[0].auth',
    );
    expect(errorOf(file({ ...good, retryPolicy: { maximumRetryAttempts: 186 } }))).toContain(
      'subscriptions[0].retryPolicy.maximumRetryAttempts',
    );
    expect(errorOf(file({ ...good, retryPolicy: { maximumEventAgeSeconds: 59 } }))).toContain(
      'subscriptions[0].retryPolicy.maximumEventAgeSeconds',
    );
    expect(errorOf('{"subscriptions": [')).toContain('subscriptions.json: not valid JSON');
    expect(errorOf(file({ ...good, extra: 1 }))).toContain('subscriptions[0]');
  });

  it('maps secret names to environment variables and statuses to retry decisions as API destinations do', () => {
    expect(secretEnvVar('OrdersWebhookKey')).toBe('ORDERS_WEBHOOK_KEY');
    expect(secretEnvVar('TwelveDataApiKey')).toBe('TWELVE_DATA_API_KEY');
    expect(secretEnvVar('HTTPKey')).toBe('HTTP_KEY');
    expect([401, 407, 409, 429, 500, 503].every(isRetryableStatus)).toBe(true);
    expect([400, 403, 404, 301, 422].some(isRetryableStatus)).toBe(false);
  });

  it('resolves the declaration path from OHLCV_SUBSCRIPTIONS', () => {
    expect(subscriptionsPath({ OHLCV_SUBSCRIPTIONS: 'x/s.json' }, '/repo/')).toBe('/repo/x/s.json');
    expect(subscriptionsPath({ OHLCV_SUBSCRIPTIONS: '/abs/s.json' }, '/repo')).toBe('/abs/s.json');
  });
});
