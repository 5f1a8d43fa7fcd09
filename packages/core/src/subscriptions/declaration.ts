/**
 * Subscriptions: which pipeline events a subscriber wants, where they go, how the request is
 * authenticated and how long delivery is retried. Declared once in `subscriptions.json` at the
 * repository root and read by both runtimes (the infra turns each into an EventBridge rule +
 * API destination; the local runtime into a durable queue + deliverer), so what a subscriber
 * gets does not depend on where the pipeline runs.
 *
 * The one authentication contract is the API destination connection's API-key header: a
 * static secret header. API destinations cannot sign bodies, so no runtime signs anything.
 */
import { pipelineDetailTypes, pipelineEvents } from '@ohlcv/events';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { compilePattern, INVALID_EVENT_PATTERN } from '../event-pattern/index.ts';

/** The checked-in declaration, relative to the repository (or working) root. */
export const SUBSCRIPTIONS_FILE = 'subscriptions.json';
/** Environment variable that points both runtimes at another declaration file. */
export const SUBSCRIPTIONS_FILE_ENV = 'OHLCV_SUBSCRIPTIONS';

export const INVALID_SUBSCRIPTIONS = 'InvalidSubscriptions';

/**
 * Header carrying the event id on every delivery, so a subscriber can drop the duplicates that
 * at-least-once delivery produces. On AWS it is a target header parameter with the JSON path
 * `$.id`; locally the deliverer sets it from the envelope.
 */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const IDEMPOTENCY_HEADER_PATH = '$.id';

/** API destinations give up on an endpoint that has not answered within 5 seconds. */
export const DELIVERY_TIMEOUT_SECONDS = 5;

/**
 * Statuses API destinations retry (401, 407, 409, 429 and 5xx); any other non-2xx answer is
 * final and goes straight to the dead-letter queue. Mirrored locally.
 */
export const isRetryableStatus = (status: number): boolean =>
  status === 401 || status === 407 || status === 409 || status === 429 || status >= 500;

/** EventBridge RetryPolicy bounds and defaults (185 retries, 24 hours). */
export const RETRY_LIMITS = {
  maximumRetryAttempts: { min: 0, max: 185, default: 185 },
  maximumEventAgeSeconds: { min: 60, max: 86_400, default: 86_400 },
} as const;

/**
 * Stage (≤ 21 chars) + `-sub-` + name must fit the 64 characters of an EventBridge rule,
 * connection and API destination name.
 */
const NAME = /^[a-z][a-z0-9-]{0,31}$/;
/** SST secret names are identifiers; locally the secret is read from SCREAMING_SNAKE of it. */
const SECRET_NAME = /^[A-Z][A-Za-z0-9]{0,63}$/;
/** An HTTP header field name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
/** Headers the delivery itself sets; a subscription cannot take them over for its secret. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'transfer-encoding',
  'connection',
  IDEMPOTENCY_HEADER.toLowerCase(),
]);

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);
const isLoopbackHost = (host: string): boolean =>
  LOOPBACK_HOSTS.has(host) || /^127(\.\d{1,3}){3}$/.test(host);

/** Why an endpoint is not acceptable, or undefined when it is. */
export const endpointProblem = (text: string): string | undefined => {
  // API destinations' InvocationEndpoint limit.
  if (text.length > 2048) return 'is longer than 2048 characters';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must be https (got ${url.protocol})`;
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return 'must be https; plain http is accepted only for loopback (127.0.0.1, ::1, localhost)';
  }
  if (url.username || url.password) return 'must not carry credentials: put them in the auth secret';
  if (url.hash) return 'must not have a #fragment';
  // API destinations treat `*` as a path parameter filled from the target; we send none.
  if (url.pathname.includes('*')) return 'must not contain "*" (API destination path parameters)';
  return undefined;
};

export const isLoopbackEndpoint = (endpoint: string): boolean => isLoopbackHost(new URL(endpoint).hostname);

/** `OrdersWebhookKey` -> `ORDERS_WEBHOOK_KEY`: where the local runtime reads a secret. */
export const secretEnvVar = (secret: string): string =>
  secret
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();

type PatternObject = Record<string, unknown>;

/**
 * The pattern restricted to its top-level `source` and `detail-type` conditions, per `$or`
 * alternative: a necessary condition for matching anything, checkable without a detail.
 */
const envelopeAlternatives = (pattern: PatternObject): PatternObject[] => {
  const pick = (p: PatternObject): PatternObject =>
    Object.fromEntries(Object.entries(p).filter(([k]) => k === 'source' || k === 'detail-type'));
  const base = pick(pattern);
  const or = pattern.$or;
  if (!Array.isArray(or)) return [base];
  return or.map((alt) => ({ ...base, ...pick(alt as PatternObject) }));
};

/** Why a pattern cannot be a pipeline-bus subscription, or undefined when it can. */
export const patternProblem = (pattern: unknown): string | undefined => {
  // PutRule's EventPattern limit.
  if (JSON.stringify(pattern).length > 4096) return 'is longer than 4096 characters as JSON';
  try {
    compilePattern(pattern);
  } catch (e) {
    if (e instanceof AppError && e.code === INVALID_EVENT_PATTERN) return e.message;
    throw e;
  }
  const events = pipelineDetailTypes.map((dt) => ({
    source: pipelineEvents[dt].source,
    'detail-type': dt,
  }));
  const reachable = envelopeAlternatives(pattern as PatternObject).some((alt) => {
    const m = compilePattern(alt);
    return events.some((e) => m.matches(e));
  });
  if (!reachable) {
    return `matches no event of the pipeline bus (its events: ${events.map((e) => `${e.source} / ${e['detail-type']}`).join(', ')})`;
  }
  return undefined;
};

const intIn = (b: { min: number; max: number; default: number }) =>
  z.number().int().min(b.min).max(b.max).default(b.default);

export const retryPolicySchema = z
  .object({
    /** Retries after the first attempt (EventBridge MaximumRetryAttempts). */
    maximumRetryAttempts: intIn(RETRY_LIMITS.maximumRetryAttempts),
    /** Age after which an undelivered event is dead-lettered (MaximumEventAgeInSeconds). */
    maximumEventAgeSeconds: intIn(RETRY_LIMITS.maximumEventAgeSeconds),
  })
  .strict();

export const subscriptionSchema = z
  .object({
    name: z
      .string()
      .regex(
        NAME,
        'must be lowercase letters, digits and "-", starting with a letter, at most 32 characters',
      ),
    description: z.string().max(512).optional(),
    /** An EventBridge event pattern, matched against events on the pipeline bus. */
    pattern: z.record(z.string(), z.unknown()).superRefine((p, ctx) => {
      const problem = patternProblem(p);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    endpoint: z.string().superRefine((u, ctx) => {
      const problem = endpointProblem(u);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    auth: z
      .object({
        /** Header the secret is sent in, e.g. `X-Api-Key` or `Authorization`. */
        header: z
          .string()
          .regex(HEADER_NAME, 'must be an HTTP header name')
          .refine((h) => !RESERVED_HEADERS.has(h.toLowerCase()), 'is a header the delivery sets itself'),
        /** SST secret name on AWS; locally the environment variable `secretEnvVar(secret)`. */
        secret: z.string().regex(SECRET_NAME, 'must be a secret name such as OrdersWebhookKey'),
      })
      .strict(),
    retryPolicy: retryPolicySchema.default({
      maximumRetryAttempts: RETRY_LIMITS.maximumRetryAttempts.default,
      maximumEventAgeSeconds: RETRY_LIMITS.maximumEventAgeSeconds.default,
    }),
    /** API destination InvocationRateLimitPerSecond; the local deliverer sends one at a time. */
    rateLimitPerSecond: z.number().int().min(1).max(300).default(300),
  })
  .strict();

export const subscriptionsFileSchema = z
  .object({
    $schema: z.string().optional(),
    subscriptions: z.array(subscriptionSchema),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.subscriptions.forEach((s, i) => {
      if (seen.has(s.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['subscriptions', i, 'name'],
          message: `"${s.name}" is declared twice`,
        });
      }
      seen.add(s.name);
    });
  });

export type Subscription = z.output<typeof subscriptionSchema>;
export type SubscriptionInput = z.input<typeof subscriptionSchema>;
export type RetryPolicy = z.output<typeof retryPolicySchema>;

const issuePath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );

/**
 * Parses the declaration's text; `place` (the file path) prefixes every error, which names the
 * field: `subscriptions.json: subscriptions[0].endpoint: must be https ...`.
 */
export const parseSubscriptions = (text: string, place: string): Subscription[] => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AppError(INVALID_SUBSCRIPTIONS, `${place}: not valid JSON: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const r = subscriptionsFileSchema.safeParse(json);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${place}: ${issuePath(i.path) || '(file)'}: ${i.message}`);
    throw new AppError(INVALID_SUBSCRIPTIONS, lines.join('\n'), { cause: r.error });
  }
  return r.data.subscriptions;
};

/** Resource names derived from a subscription, the same in both runtimes' listings. */
export const subscriptionDlqName = (name: string): string => `sub-${name}-dlq`;

/** Where the declaration is read from: `$OHLCV_SUBSCRIPTIONS` (relative to `root`), else `root/subscriptions.json`. */
export const subscriptionsPath = (env: Record<string, string | undefined>, root: string): string => {
  const given = env[SUBSCRIPTIONS_FILE_ENV];
  const file = given && given.length > 0 ? given : SUBSCRIPTIONS_FILE;
  return file.startsWith('/') ? file : `${root.replace(/\/+$/, '')}/${file}`;
};

/**
 * What logs and listings show of an endpoint: scheme, host and port. Paths and queries of
 * webhook URLs often carry tokens.
 */
export const redactEndpoint = (endpoint: string): string => {
  try {
    return `${new URL(endpoint).origin}/***`;
  } catch {
    return '***';
  }
};
