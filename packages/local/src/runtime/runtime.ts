import {
  AppError,
  type Clock,
  correlatedLogger,
  DATABASE,
  dlqName,
  ETL_JOB_NAME,
  type IdGenerator,
  type Logger,
  type Metrics,
  type QueueName,
  type QueueSender,
  type QueueSpec,
  queueNames,
  queues as queueSpecs,
  randomIds,
  redactEndpoint,
  type ServiceName,
  type SqsBatchHandler,
  type Subscription,
  serviceNames,
  services as serviceSpecs,
  systemClock,
  systemTimers,
  type Timers,
  tableNames,
} from '@ohlcv/core';
import { realPathInside } from '@ohlcv/etl/inside-root';
import { planVersion } from '@ohlcv/etl/plan';
import type { StagingLimits } from '@ohlcv/etl/stage-screen';
import { type LocalCatalog, openLocalCatalog } from '../catalog/index.ts';
import type { HomeLayout } from '../home.ts';
import { FsObjectStore } from '../object-store/fs-object-store.ts';
import { ensureTopologyQueues, QueuePoller, SqliteQueueStore } from '../queue/index.ts';
import { openStateDb, type StateDb } from '../state-db.ts';
import { ensureLakeLayout } from '../state-version.ts';
import { LocalSubscriptions } from '../subscriptions/local-subscriptions.ts';
import type { SubscriptionCounts } from '../subscriptions/subscription-store.ts';
import { type EngineHolder, EngineLock, type EngineMode } from './engine-lock.ts';
import { createEtlEngine, type EtlEngine, type EtlEngineConfig, etlEngineFromEnv } from './etl-engine.ts';
import { EventLog } from './event-log.ts';
import { EventRouter } from './event-router.ts';
import { JsonLogger } from './json-logger.ts';
import { LocalJobRunner } from './local-job-runner.ts';
import { LocalMetrics, type MetricSeriesSummary } from './local-metrics.ts';
import { LocalPublisher } from './local-publisher.ts';
import { RawZone } from './raw-zone.ts';

/** The bucket name the local lake answers to in `Object Created` events. */
export const LOCAL_BUCKET = 'ohlcv-local-lake';
const LOCAL_RETRY_SECONDS = 5;

export interface LocalRuntimeOptions {
  home: HomeLayout;
  logger?: JsonLogger;
  clock?: Clock;
  /** Poll waits, batching windows, raw/ settle times and drain's back-off run on these. */
  timers?: Timers;
  ids?: IdGenerator;
  etl?: { memoryLimit?: string; threads?: number; limits?: StagingLimits };
  /** The ETL engine; default from OHLCV_ETL_ENGINE / SPARK_MASTER (DuckDB unless told otherwise). */
  etlEngine?: EtlEngineConfig;
  jobTimeoutMs?: number;
  /** Declared subscriptions (`subscriptions.json`) and where their secrets come from. */
  subscriptions?: { declared: readonly Subscription[]; secret: (name: string) => string | undefined };
}

/** `metrics` carries the service's name as its `service` dimension, like Powertools on AWS. */
export type HandlerFactory = (rt: LocalRuntime, logger: Logger, metrics: Metrics) => SqsBatchHandler;

/**
 * The embedded default: the same topology and service handlers as on AWS, wired to
 * local adapters — a folder tree for S3, SQLite queues for SQS, an in-process router
 * for EventBridge rules, DuckDB for Glue and Athena.
 */
export class LocalRuntime {
  readonly db: StateDb;
  readonly logger: JsonLogger;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly ids: IdGenerator;
  readonly queues: SqliteQueueStore;
  readonly eventLog: EventLog;
  readonly metrics: LocalMetrics;
  readonly router: EventRouter;
  readonly rawZone: RawZone;
  readonly store: FsObjectStore;
  readonly publisher: LocalPublisher;
  readonly jobRunner: LocalJobRunner;
  readonly catalog: LocalCatalog;
  readonly etlEngine: EtlEngine;
  readonly subscriptions: LocalSubscriptions;
  private readonly pollers = new Map<QueueName, QueuePoller>();
  private engineLock: EngineLock | undefined;
  private servicesRunning = false;

  private constructor(
    readonly home: HomeLayout,
    opts: LocalRuntimeOptions,
  ) {
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? systemTimers;
    this.ids = opts.ids ?? randomIds;
    // Everything this runtime writes lives under the home: a state, log or lake folder
    // that is a symlink out of it is refused before anything is opened or created.
    for (const p of [home.stateDb, home.logs, home.lake]) realPathInside(home.root, p);
    this.logger = opts.logger ?? new JsonLogger({ service: 'ohlcv', destination: `${home.logs}/ohlcv.log` });
    this.db = openStateDb(home.stateDb);
    try {
      ensureLakeLayout(home.lake);
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.queues = new SqliteQueueStore(this.db, this.clock);
    ensureTopologyQueues(this.queues);
    this.eventLog = new EventLog(this.db);
    this.metrics = new LocalMetrics(this.db, { clock: this.clock });
    this.router = new EventRouter(this.db, this.queues, this.eventLog, {
      bucketName: LOCAL_BUCKET,
      etlJobName: ETL_JOB_NAME,
    });
    this.subscriptions = new LocalSubscriptions({
      db: this.db,
      router: this.router,
      subscriptions: opts.subscriptions?.declared ?? [],
      secret: opts.subscriptions?.secret ?? (() => undefined),
      clock: this.clock,
      timers: this.timers,
      logger: this.logger.child('subscriptions'),
    });
    this.rawZone = new RawZone({
      db: this.db,
      lakeRoot: home.lake,
      bucketName: LOCAL_BUCKET,
      router: this.router,
      clock: this.clock,
      ids: this.ids,
      logger: this.logger.child('raw-zone'),
      timers: this.timers,
    });
    this.store = new FsObjectStore(home.lake, {
      // S3 notifies EventBridge of every object; only raw/ has a rule, so only raw/ is announced.
      onPut: (info) => {
        if (info.key.startsWith('raw/')) this.rawZone.tryAnnounce(info);
      },
    });
    this.publisher = new LocalPublisher(this.router, this.clock, this.ids);
    this.catalog = openLocalCatalog({ db: this.db, lakeRoot: home.lake });
    const etlLogger = this.logger.child('etl-job');
    this.etlEngine = createEtlEngine({
      config: opts.etlEngine ?? etlEngineFromEnv(),
      lakeRoot: home.lake,
      bucket: LOCAL_BUCKET,
      readObject: (key) => this.store.get(key),
      clock: this.clock,
      logger: etlLogger,
      duckdb: opts.etl,
    });
    this.jobRunner = new LocalJobRunner({
      db: this.db,
      router: this.router,
      clock: this.clock,
      logger: etlLogger,
      timeoutMs: opts.jobTimeoutMs,
      jobs: {
        [ETL_JOB_NAME]: async (run) => {
          const key = run.arguments['--manifest_key'];
          if (!key) throw new AppError('MissingArgument', 'job run has no --manifest_key');
          await this.etlEngine.run({ manifestKey: key, jobRunId: run.jobRunId, jobName: run.jobName });
        },
      },
    });
  }

  static open(opts: LocalRuntimeOptions): LocalRuntime {
    return new LocalRuntime(opts.home, opts);
  }

  /** Builds the pollers that feed each service its queue's batches. */
  attachServices(factories: Record<ServiceName, HandlerFactory>): void {
    for (const name of serviceNames) {
      const spec = serviceSpecs[name];
      const qspec: QueueSpec = queueSpecs[spec.queue];
      // Like Powertools on Lambda: the poller stamps each batch's correlation id on every line.
      const logger = correlatedLogger(this.logger.child(name));
      const handler = factories[name](this, logger, this.metrics.forService(name));
      this.pollers.set(
        spec.queue,
        new QueuePoller({
          store: this.queues,
          queue: spec.queue,
          handler,
          batchSize: qspec.batchSize,
          maxBatchingWindowSeconds: qspec.maxBatchingWindowSeconds,
          quietCloseSeconds: qspec.localQuietCloseSeconds,
          // Lambda leaves a failed record invisible for the whole visibility timeout; on a
          // laptop a retry after seconds is friendlier. Receive counts and the DLQ still apply.
          failedVisibilitySeconds: LOCAL_RETRY_SECONDS,
          logger,
          timers: this.timers,
        }),
      );
    }
    this.router.onDelivered((qs) => {
      for (const q of qs) this.pollers.get(q)?.notify();
    });
  }

  /** Sends straight onto a topology queue (the scheduler's path: schedule -> SQS, no bus). */
  readonly queueSender: QueueSender = {
    send: async (queue, body, opts) => {
      this.queues.send(queue, body, { delaySeconds: opts?.delaySeconds });
      this.pollers.get(queue as QueueName)?.notify();
    },
  };

  /**
   * Takes the engine lock: one process at a time runs services and jobs. The mode says
   * whether this process keeps running the pipeline (`start`) or runs it to idle (`drain`);
   * other processes read it to tell users who will handle what they queue.
   */
  lockEngine(mode: EngineMode = 'drain'): void {
    const lock = this.engineLock ?? new EngineLock(this.db, this.clock);
    const holder = lock.acquire(mode);
    if (holder) {
      throw new AppError(
        'EngineBusy',
        `another ohlcv process (pid ${holder.pid}, ${holder.mode === 'start' ? '"ohlcv start"' : 'a one-shot run'}, since ${holder.since}) is running the pipeline; it will process this data — stop it first to run this command`,
      );
    }
    this.engineLock = lock;
  }

  /** Runs the services continuously (the `start` command). */
  startServices(): void {
    this.lockEngine('start');
    this.servicesRunning = true;
    this.jobRunner.start();
    this.rawZone.watch();
    for (const p of this.pollers.values()) p.start();
    this.subscriptions.deliverer.start();
  }

  /**
   * Processes until every queue is idle and no job runs: raw files not yet announced,
   * queued messages, job runs, and the events they cause, hop after hop.
   */
  async drain(
    opts: { signal?: AbortSignal; onTick?: (s: DrainProgress) => void } = {},
  ): Promise<DrainProgress> {
    if (!this.engineLock) this.lockEngine('drain');
    this.jobRunner.start();
    const progress: DrainProgress = { batches: 0, messages: 0, failed: 0, rounds: 0, waitingRetry: 0 };
    for (;;) {
      if (opts.signal?.aborted) break;
      progress.rounds++;
      const announced = await this.rawZone.scan();
      let moved = announced > 0;
      for (const p of this.pollers.values()) {
        for (;;) {
          const r = await p.pollOnce({ waitForBatchingWindow: false });
          if (r.received === 0) break;
          moved = true;
          progress.batches++;
          progress.messages += r.received;
          progress.failed += r.failed;
          opts.onTick?.(progress);
        }
      }
      if (this.jobRunner.pending() > 0) {
        await this.jobRunner.idle();
        moved = true;
      }
      if ((await this.subscriptions.deliverer.runOnce()).tried > 0) moved = true;
      if (moved) continue;
      const pendingRaw = this.rawZone.unsettled();
      const nextDelivery = this.subscriptions.deliverer.nextDueAt();
      const soon =
        this.nextVisibleWithin(LOCAL_RETRY_SECONDS + 1) ||
        (nextDelivery !== undefined &&
          nextDelivery.getTime() <= this.clock.now().getTime() + (LOCAL_RETRY_SECONDS + 1) * 1000);
      if (pendingRaw > 0 || soon) {
        await sleep(this.timers, 250, opts.signal);
        continue;
      }
      progress.waitingRetry = queueNames.reduce((n, q) => {
        const s = this.queues.stats(q);
        return n + s.inFlight + s.delayed;
      }, 0);
      break;
    }
    return progress;
  }

  /** True when some message in a topology queue becomes visible within `seconds`. */
  private nextVisibleWithin(seconds: number): boolean {
    const horizon = this.clock.now().getTime() + seconds * 1000;
    return queueNames.some((q) =>
      this.queues.peek(q, 1000).some((m) => m.state !== 'visible' && m.visibleAt.getTime() <= horizon),
    );
  }

  status(): RuntimeStatus {
    const queueRows = queueNames.flatMap((q) => [
      { queue: q, ...this.queues.stats(q) },
      { queue: dlqName(q), ...this.queues.stats(dlqName(q)) },
    ]);
    return {
      home: this.home.root,
      engine: new EngineLock(this.db, this.clock).holder() ?? null,
      queues: queueRows,
      jobs: this.jobRunner.counts(),
      recentRuns: this.jobRunner.runs(5),
      rawObjectsAnnounced: this.rawZone.announcedCount(),
      catalog: Object.fromEntries(
        tableNames.map((t) => [
          t,
          {
            partitions: this.catalog.partitions(t).length,
            schemaVersion: this.catalog.schemaVersion(t) ?? null,
          },
        ]),
      ),
      database: DATABASE,
      planVersion: planVersion(),
      recentEvents: this.eventLog.last(10).map((e) => ({
        seq: e.seq,
        at: e.at,
        source: e.source,
        detailType: e.detailType,
        routedTo: e.routedTo,
      })),
      metrics: this.metrics.summary(),
      subscriptions: this.subscriptions
        .counts()
        .map(({ endpoint, ...c }) => ({ ...c, endpoint: redactEndpoint(endpoint) })),
    };
  }

  async close(): Promise<void> {
    if (this.servicesRunning) {
      await Promise.all([...this.pollers.values()].map((p) => p.stop()));
    }
    await this.subscriptions.deliverer.stop();
    await this.jobRunner.stop();
    await this.etlEngine.close();
    await this.rawZone.close();
    this.engineLock?.release();
    this.catalog.close();
    this.db.close();
  }
}

export interface DrainProgress {
  rounds: number;
  batches: number;
  messages: number;
  failed: number;
  /** Messages left in flight or delayed (waiting for a retry) when drain returned. */
  waitingRetry: number;
}

export interface RuntimeStatus {
  home: string;
  engine: EngineHolder | null;
  queues: ({ queue: string } & ReturnType<SqliteQueueStore['stats']>)[];
  jobs: ReturnType<LocalJobRunner['counts']>;
  recentRuns: ReturnType<LocalJobRunner['runs']>;
  rawObjectsAnnounced: number;
  catalog: unknown;
  database: string;
  /** The plan version new runs write (rows of another one: `ohlcv reprocess`). */
  planVersion: string;
  recentEvents: { seq: number; at: string; source: string; detailType: string; routedTo: string[] }[];
  /** Every metric series: last value, and sum and points over the last hour. */
  metrics: MetricSeriesSummary[];
  /** The declared subscriptions and what the deliverer did for each (`events subscriptions`). */
  subscriptions: (SubscriptionCounts & { endpoint: string })[];
}

/**
 * Waits `ms` or until `signal` aborts. The listener comes off when the time is up: the
 * signal (the CLI's Ctrl-C) outlives the many short waits of a drain that waits for
 * retries, and one listener left per wait is a leak (MaxListenersExceededWarning).
 */
const sleep = (timers: Timers, ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = () => {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const cancel = timers.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
