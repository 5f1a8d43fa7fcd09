/**
 * Per-stage settings. One function decides them from the stage name, so `sst deploy --stage X`
 * brings up a complete stage without a config file per stage; production stages keep data.
 */
import { type QueueName, type StagingLimits, stagingLimitsFromEnv } from '@ohlcv/core';

/** Stages whose data outlives `sst remove` and whose resources are protected from deletion. */
export const PRODUCTION_STAGES: readonly string[] = ['production', 'prod'];
export const isProductionStage = (stage: string): boolean => PRODUCTION_STAGES.includes(stage);

/** Region when neither OHLCV_AWS_REGION nor AWS_REGION is set. */
export const DEFAULT_REGION = 'us-east-1';
export const regionFrom = (env: Record<string, string | undefined>): string =>
  env.OHLCV_AWS_REGION ?? env.AWS_REGION ?? DEFAULT_REGION;

export type GlueWorkerType = 'G.025X' | 'G.1X' | 'G.2X';

export interface StageConfig {
  stage: string;
  production: boolean;
  removal: 'retain' | 'remove';
  protect: boolean;
  region: string;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** What the schedule asks ingestion to pull on every tick. */
  watchlist: { symbols: readonly string[]; interval: string; intervalSeconds: number };
  /** EventBridge schedule expression of the ingestion tick. */
  schedule: string;
  glue: {
    workerType: GlueWorkerType;
    numberOfWorkers: number;
    timeoutMinutes: number;
    /** Runs at once; 1 keeps partition rewrites of overlapping manifests serial. */
    maxConcurrentRuns: number;
  };
  /**
   * The ETL's staging limits: the same setting the local runtime reads (OHLCV_MIN_DATE,
   * OHLCV_MAX_LINE_BYTES, OHLCV_MAX_OBJECT_BYTES at deploy), passed to the Glue job.
   */
  staging: StagingLimits;
  athena: { bytesScannedCutoffPerQuery: number; resultRetentionDays: number };
  storage: {
    /** Raw objects move to Infrequent Access after this many days (never deleted). */
    rawInfrequentAccessDays: number;
    /** ... and to Glacier Instant Retrieval after this many. */
    rawGlacierDays: number;
    /** Overwritten/deleted versions are kept this long, then expire. */
    noncurrentVersionDays: number;
    manifestRetentionDays: number;
  };
  eventArchiveRetentionDays: number;
  logRetention: '1 week' | '1 month' | '3 months' | '1 year';
  alarms: {
    /** Rows quarantined per hour above which the quarantine alarm fires. */
    quarantinedRowsPerHour: number;
    /**
     * Share (0..1) of one run's rows quarantined above which quality-alert raises an alert
     * (its QUARANTINE_THRESHOLD); a count would fail its config check at cold start.
     */
    quarantinedShareAlert: number;
    /** Failed ingestion requests per 15 minutes at or above which the alarm fires. */
    ingestionFailuresPer15Min: number;
    /** Default age (s) of the oldest message before a queue is considered stuck. */
    oldestMessageAgeSeconds: number;
    oldestMessageAgeSecondsByQueue: Partial<Record<QueueName, number>>;
    /** A symbol is stale when its latest bar is this many intervals old during its session. */
    freshnessIntervals: number;
    email?: string;
  };
}

const minutes = 60;

export function stageConfig(
  stage: string,
  env: Record<string, string | undefined> = process.env,
): StageConfig {
  if (!/^[a-z][a-z0-9-]{0,20}$/.test(stage)) {
    // Stage names end up in bucket, queue, job and database names.
    throw new Error(`invalid stage name "${stage}": use lowercase letters, digits and '-' (max 21)`);
  }
  const production = isProductionStage(stage);
  return {
    stage,
    production,
    removal: production ? 'retain' : 'remove',
    protect: production,
    region: regionFrom(env),
    logLevel: production ? 'INFO' : 'DEBUG',
    watchlist: {
      symbols: (env.OHLCV_WATCHLIST ?? 'AAPL,MSFT,BTC/USD,EUR/USD').split(',').map((s) => s.trim()),
      interval: '1min',
      intervalSeconds: 60,
    },
    schedule: production ? 'rate(5 minutes)' : 'rate(15 minutes)',
    glue: production
      ? { workerType: 'G.1X', numberOfWorkers: 4, timeoutMinutes: 30, maxConcurrentRuns: 1 }
      : { workerType: 'G.1X', numberOfWorkers: 2, timeoutMinutes: 15, maxConcurrentRuns: 1 },
    staging: stagingLimitsFromEnv(env),
    athena: {
      bytesScannedCutoffPerQuery: production ? 10 * 1024 ** 3 : 1024 ** 3,
      resultRetentionDays: 7,
    },
    storage: {
      rawInfrequentAccessDays: 30,
      rawGlacierDays: 180,
      noncurrentVersionDays: production ? 30 : 7,
      manifestRetentionDays: 90,
    },
    eventArchiveRetentionDays: production ? 365 : 14,
    logRetention: production ? '3 months' : '1 week',
    alarms: {
      quarantinedRowsPerHour: production ? 100 : 1000,
      quarantinedShareAlert: 0.05,
      ingestionFailuresPer15Min: 1,
      oldestMessageAgeSeconds: 15 * minutes,
      oldestMessageAgeSecondsByQueue: { 'ingestion-requests': 60 * minutes },
      freshnessIntervals: 5,
      ...(env.OHLCV_ALARM_EMAIL ? { email: env.OHLCV_ALARM_EMAIL } : {}),
    },
  };
}
