/**
 * In-memory port implementations for unit tests of services: deterministic, no I/O.
 * They pass the same contract suites as the real adapters (see in-memory.test.ts).
 */
import type { PipelineEventInput } from '@ohlcv/events';
import { AppError } from '../errors.ts';
import {
  dimensionsKey,
  type MetricDimensions,
  type MetricName,
  type MetricPoint,
  type Metrics,
} from '../metrics.ts';
import type {
  Alert,
  Catalog,
  Clock,
  EventPublisher,
  IdGenerator,
  JobRunner,
  Logger,
  Notifier,
  ObjectInfo,
  ObjectStore,
  PartitionSpec,
  QueueSender,
  StartJobRunInput,
  Timers,
} from '../ports.ts';
import { type TableSpec, tables } from '../tables.ts';

const encoder = new TextEncoder();

/** FNV-1a, hex: an etag that changes with the bytes, without node:crypto (core stays portable). */
const fnv1a = (bytes: Uint8Array): string => {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `${h.toString(16).padStart(8, '0')}${bytes.byteLength.toString(16)}`;
};

export interface MemoryObjectStore extends ObjectStore {
  readonly objects: Map<string, { body: Uint8Array; info: ObjectInfo }>;
  /** The key of every successful `put`, in order (a retry that overwrote shows twice). */
  readonly puts: string[];
  /** The body as text, or undefined. */
  text(key: string): string | undefined;
  /** The next `put` whose key matches throws a retryable `SimulatedCrash` (a run killed mid-way). */
  failPutWhen(predicate: ((key: string) => boolean) | undefined): void;
}

/** The one in-memory `ObjectStore` for tests and benchmarks; it passes the ObjectStore contract. */
export function memoryObjectStore(clock: Clock = { now: () => new Date() }): MemoryObjectStore {
  const objects = new Map<string, { body: Uint8Array; info: ObjectInfo }>();
  const puts: string[] = [];
  let failWhen: ((key: string) => boolean) | undefined;
  return {
    objects,
    puts,
    text: (key) => {
      const o = objects.get(key);
      return o ? new TextDecoder().decode(o.body) : undefined;
    },
    failPutWhen(predicate) {
      failWhen = predicate;
    },
    async put(key, body) {
      if (failWhen?.(key)) {
        failWhen = undefined;
        throw new AppError('SimulatedCrash', `crash before writing ${key}`, { retryable: true });
      }
      const bytes = typeof body === 'string' ? encoder.encode(body) : new Uint8Array(body);
      const info = { key, size: bytes.byteLength, etag: fnv1a(bytes), lastModified: clock.now() };
      objects.set(key, { body: bytes, info });
      puts.push(key);
      return { ...info };
    },
    async get(key) {
      const o = objects.get(key);
      if (!o) throw new AppError('NoSuchKey', `no object ${key}`);
      return new Uint8Array(o.body);
    },
    async head(key) {
      const o = objects.get(key);
      return o ? { ...o.info } : undefined;
    },
    async *list(prefix) {
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      for (const k of keys) {
        const o = objects.get(k);
        if (o) yield { ...o.info };
      }
    },
    async delete(keys) {
      for (const k of keys) objects.delete(k);
    },
  };
}

/**
 * A catalog that remembers partitions by table and location, like the real ones, and
 * checks them against the declared tables as they do.
 */
export interface MemoryCatalog extends Catalog {
  readonly calls: { table: string; partitions: PartitionSpec[] }[];
}

export function memoryCatalog(specs: Record<string, TableSpec> = tables): MemoryCatalog {
  const known = new Set<string>();
  const calls: { table: string; partitions: PartitionSpec[] }[] = [];
  return {
    calls,
    async registerPartitions(table, partitions) {
      const spec = Object.hasOwn(specs, table) ? specs[table] : undefined;
      if (!spec) throw new AppError('UnknownTable', `unknown table ${table}`);
      for (const p of partitions) {
        const missing = spec.partitionKeys.filter((k) => p.values[k] === undefined);
        if (missing.length > 0) {
          throw new AppError('InvalidPartition', `partition of ${table} lacks ${missing.join(', ')}`);
        }
      }
      calls.push({ table, partitions: [...partitions] });
      let added = 0;
      for (const p of partitions) {
        const k = `${table}|${p.location}`;
        if (!known.has(k)) {
          known.add(k);
          added += 1;
        }
      }
      return { added, existing: partitions.length - added };
    },
  };
}

export interface MemoryPublisher extends EventPublisher {
  readonly events: PipelineEventInput[];
  /** Each `publish` call's events, in call order (what one PutEvents request carried). */
  readonly batches: PipelineEventInput[][];
  /** Makes the next `n` publish calls throw `err`. */
  failNext(n: number, err: Error): void;
}

export function memoryPublisher(): MemoryPublisher {
  const events: PipelineEventInput[] = [];
  const batches: PipelineEventInput[][] = [];
  let failures = 0;
  let failure: Error | undefined;
  return {
    events,
    batches,
    failNext(n, err) {
      failures = n;
      failure = err;
    },
    async publish(batch) {
      if (failures > 0 && failure) {
        failures--;
        throw failure;
      }
      const copy = structuredClone([...batch]);
      batches.push(copy);
      events.push(...copy);
    },
  };
}

export interface MemoryJobRunner extends JobRunner {
  readonly started: (StartJobRunInput & { jobRunId: string })[];
  /** While true, every start answers ConcurrentRunsExceeded. */
  busy: boolean;
}

/** `jobs`: the job names that exist; any other is `JobNotFound`. Unset: every name exists. */
export function memoryJobRunner(prefix = 'jr_', jobs?: readonly string[]): MemoryJobRunner {
  const started: (StartJobRunInput & { jobRunId: string })[] = [];
  const runner: MemoryJobRunner = {
    started,
    busy: false,
    async startJobRun(input) {
      if (jobs && !jobs.includes(input.jobName)) {
        throw new AppError('JobNotFound', `no job named ${input.jobName}`);
      }
      if (runner.busy) {
        throw new AppError('ConcurrentRunsExceeded', `job ${input.jobName} is busy`, { retryable: true });
      }
      const jobRunId = `${prefix}${started.length + 1}`;
      started.push({ jobName: input.jobName, arguments: { ...input.arguments }, jobRunId });
      return { jobRunId };
    },
  };
  return runner;
}

export function memoryQueueSender(queues: readonly string[]): QueueSender & {
  sent: Map<string, { body: string; delaySeconds?: number }[]>;
} {
  const sent = new Map(queues.map((q) => [q, [] as { body: string; delaySeconds?: number }[]]));
  return {
    sent,
    async send(queue, body, opts) {
      const list = sent.get(queue);
      if (!list) throw new AppError('UnknownQueue', `no queue ${queue}`);
      list.push({ body, ...(opts?.delaySeconds === undefined ? {} : { delaySeconds: opts.delaySeconds }) });
    },
  };
}

export function memoryNotifier(): Notifier & { alerts: Alert[] } {
  const alerts: Alert[] = [];
  return {
    alerts,
    async notify(alert) {
      alerts.push(structuredClone(alert));
    },
  };
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  extra?: Record<string, unknown>;
}

export function memoryLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, extra?: Record<string, unknown>): void => {
      lines.push({ level, message, ...(extra ? { extra } : {}) });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A clock that only moves when told to. */
export function fixedClock(
  start: string | Date,
): Clock & { advance(ms: number): void; set(t: string | Date): void } {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
    set: (v) => {
      t = new Date(v).getTime();
    },
  };
}

export interface ManualTimers extends Timers {
  /**
   * Moves time forward by `ms`, firing the timers that fall due in order, and lets the
   * work each one starts run (to its next wait) before the next fires.
   */
  advance(ms: number): Promise<void>;
  /** Delays of the timers now waiting, from now, soonest first. */
  pending(): number[];
}

/** Timers that only fire when the test moves time: no test waits on the wall clock. */
export function manualTimers(): ManualTimers {
  let now = 0;
  let seq = 0;
  const waiting = new Map<number, { due: number; fn: () => void }>();
  // One turn of the event loop: every promise continuation queued so far has run.
  const settle = () => new Promise<void>((r) => setImmediate(r));
  const next = (until: number) =>
    [...waiting.entries()]
      .filter(([, t]) => t.due <= until)
      .sort(([a, x], [b, y]) => x.due - y.due || a - b)[0];
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      waiting.set(id, { due: now + Math.max(0, ms), fn });
      return () => {
        waiting.delete(id);
      };
    },
    async advance(ms) {
      const until = now + ms;
      await settle();
      for (let t = next(until); t; t = next(until)) {
        waiting.delete(t[0]);
        now = t[1].due;
        t[1].fn();
        await settle();
      }
      now = until;
      await settle();
    },
    pending: () => [...waiting.values()].map((t) => t.due - now).sort((a, b) => a - b),
  };
}

export function sequentialIds(prefix = 'id-'): IdGenerator {
  let n = 0;
  return { next: () => `${prefix}${++n}` };
}

export interface MemoryMetrics extends Metrics {
  readonly points: (MetricPoint & { kind: 'count' | 'gauge' })[];
  /** Sum of the points of `name` whose dimensions include `dims`. */
  sum(name: MetricName, dims?: MetricDimensions): number;
  /** Values of `name` with exactly these dimensions, in emission order. */
  values(name: MetricName, dims?: MetricDimensions): number[];
}

export function memoryMetrics(): MemoryMetrics {
  const points: (MetricPoint & { kind: 'count' | 'gauge' })[] = [];
  const includes = (have: MetricDimensions, want: MetricDimensions) =>
    Object.entries(want).every(([k, v]) => have[k] === v);
  return {
    points,
    count(name, value, dims = {}) {
      points.push({ kind: 'count', name, value, unit: 'Count', dims: { ...dims } });
    },
    gauge(name, value, unit, dims = {}) {
      points.push({ kind: 'gauge', name, value, unit, dims: { ...dims } });
    },
    sum: (name, dims = {}) =>
      points.filter((p) => p.name === name && includes(p.dims, dims)).reduce((n, p) => n + p.value, 0),
    values: (name, dims = {}) =>
      points
        .filter((p) => p.name === name && dimensionsKey(p.dims) === dimensionsKey(dims))
        .map((p) => p.value),
  };
}
