/**
 * The staging limits of the ETL: one setting (OHLCV_MAX_LINE_BYTES, OHLCV_MAX_OBJECT_BYTES,
 * OHLCV_MIN_DATE) read by the local runtime and by infra, which passes the same values to the
 * Glue job as job arguments (`stagingJobArguments`), as the local Spark runs do too. Here in
 * core so that infra, which imports nothing of the ETL, reads it the same way.
 */

export interface StagingLimits {
  /** Longest line of a CSV or NDJSON object, in bytes (default 1 MiB). */
  maxLineBytes: number;
  /** Largest object after decompression, in bytes (default 1 GiB). */
  maxObjectBytes: number;
  /** Bars before this date (YYYY-MM-DD, default 1800-01-01) are quarantined: typos, not history. */
  minDate: string;
}

export const DEFAULT_STAGING_LIMITS: StagingLimits = {
  maxLineBytes: 1024 * 1024,
  maxObjectBytes: 1024 * 1024 * 1024,
  minDate: '1800-01-01',
};

/** OHLCV_MAX_LINE_BYTES, OHLCV_MAX_OBJECT_BYTES (positive integers), OHLCV_MIN_DATE (YYYY-MM-DD), else the defaults. */
export function stagingLimitsFromEnv(env: Record<string, string | undefined>): StagingLimits {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new Error(`${name} must be a positive whole number of bytes, got ${raw}`);
    return n;
  };
  const minDate = env.OHLCV_MIN_DATE || DEFAULT_STAGING_LIMITS.minDate;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(minDate) || Number.isNaN(Date.parse(minDate))) {
    throw new Error(`OHLCV_MIN_DATE must be a date YYYY-MM-DD, got ${minDate}`);
  }
  return {
    maxLineBytes: read('OHLCV_MAX_LINE_BYTES', DEFAULT_STAGING_LIMITS.maxLineBytes),
    maxObjectBytes: read('OHLCV_MAX_OBJECT_BYTES', DEFAULT_STAGING_LIMITS.maxObjectBytes),
    minDate,
  };
}

/**
 * The Glue job arguments of each limit (packages/etl/glue/etl_job.py reads them; `--MIN_DATE`
 * becomes run_params.min_ts). Every limit has one: infra passes them all.
 */
export const STAGING_JOB_ARGUMENTS = {
  minDate: '--MIN_DATE',
  maxLineBytes: '--MAX_LINE_BYTES',
  maxObjectBytes: '--MAX_OBJECT_BYTES',
} as const satisfies Record<keyof StagingLimits, string>;

export const stagingJobArguments = (limits: StagingLimits): Record<string, string> =>
  Object.fromEntries(
    (Object.keys(STAGING_JOB_ARGUMENTS) as (keyof StagingLimits)[]).map((k) => [
      STAGING_JOB_ARGUMENTS[k],
      String(limits[k]),
    ]),
  );

/**
 * The limits a job run's arguments carry (`stagingJobArguments`' inverse), under the same
 * rules and defaults as the environment: what the Glue job reads, for runners that stand in
 * for it (the stage rehearsal's DuckDB run).
 */
export const stagingLimitsFromJobArguments = (args: Record<string, string | undefined>): StagingLimits =>
  stagingLimitsFromEnv({
    OHLCV_MIN_DATE: args[STAGING_JOB_ARGUMENTS.minDate],
    OHLCV_MAX_LINE_BYTES: args[STAGING_JOB_ARGUMENTS.maxLineBytes],
    OHLCV_MAX_OBJECT_BYTES: args[STAGING_JOB_ARGUMENTS.maxObjectBytes],
  });
