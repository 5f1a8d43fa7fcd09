/**
 * Pure decisions: which alerts and which `Quality Evaluated` event an inbound event gives.
 * No I/O; the handler reads the run summary and hands it in.
 */
import { createHash } from 'node:crypto';
import type { Alert, RunSummary } from '@ohlcv/core';
import type {
  DataQualityResultsEvent,
  EtlRunCompletedEvent,
  GlueJobStateChangeEvent,
  IngestionBatchFailedEvent,
  PipelineDetailInput,
} from '@ohlcv/events';
import { normalizeDataQualityResult } from '@ohlcv/events';

export type QualityEvaluatedInput = PipelineDetailInput<'Quality Evaluated'>;

export interface Decision {
  alerts: Alert[];
  qualityEvaluated?: QualityEvaluatedInput;
}

/** Same source event and kind, same id: a redelivered event raises the same alert, deduped downstream. */
export const alertIdOf = (sourceEventId: string, kind: Alert['kind']): string =>
  `al-${createHash('sha256').update(`${kind}\u0000${sourceEventId}`).digest('hex').slice(0, 24)}`;

export const FAILED_JOB_STATES = new Set(['FAILED', 'TIMEOUT', 'STOPPED', 'ERROR']);

export function decideGlueJobStateChange(event: GlueJobStateChangeEvent): Decision {
  const d = event.detail;
  if (!FAILED_JOB_STATES.has(d.state)) return { alerts: [] };
  return {
    alerts: [
      {
        alertId: alertIdOf(event.id, 'job-failed'),
        severity: 'critical',
        kind: 'job-failed',
        title: `ETL job ${d.jobName} ${d.state}`,
        message: `Job run ${d.jobRunId} ended ${d.state}: ${d.message}`,
        correlationId: event.id,
        context: { jobName: d.jobName, jobRunId: d.jobRunId, state: d.state, eventTime: event.time },
      },
    ],
  };
}

export function decideDataQualityResults(event: DataQualityResultsEvent): Decision {
  const r = normalizeDataQualityResult(event.detail);
  const correlationId = event.id;
  const qualityEvaluated: QualityEvaluatedInput = {
    schemaVersion: 1,
    correlationId,
    ...(r.jobRunId ? { jobRunId: r.jobRunId } : {}),
    origin: 'glue-dataquality',
    score: r.score,
    rulesPassed: r.rulesSucceeded,
    rulesFailed: r.rulesFailed,
    // The results event counts failed rules but does not name them; the ruleset does.
    failedRules: r.passed
      ? []
      : r.rulesetNames.map((rule) => ({
          rule,
          message: `${r.rulesFailed} rule(s) failed, evaluation ${r.state}, score ${r.score}`,
        })),
  };
  if (r.passed) return { alerts: [], qualityEvaluated };
  const where = r.jobName
    ? `job ${r.jobName}`
    : r.tableName
      ? `table ${r.databaseName}.${r.tableName}`
      : r.contextType;
  return {
    qualityEvaluated,
    alerts: [
      {
        alertId: alertIdOf(event.id, 'quality-failed'),
        severity: r.state === 'SUCCEEDED' ? 'warning' : 'critical',
        kind: 'quality-failed',
        title: `Data quality failed: ${r.rulesFailed} rule(s) in ${r.rulesetNames.join(', ')}`,
        message: `Glue Data Quality on ${where}: ${r.rulesFailed} failed, ${r.rulesSucceeded} passed, score ${r.score}.`,
        correlationId,
        context: { ...r },
      },
    ],
  };
}

export function decideIngestionFailed(event: IngestionBatchFailedEvent): Decision {
  const d = event.detail;
  return {
    alerts: [
      {
        alertId: alertIdOf(event.id, 'ingestion-failed'),
        // A permanent error needs a person; a retryable one that ran out of retries is a warning.
        severity: d.error.retryable ? 'warning' : 'critical',
        kind: 'ingestion-failed',
        title: `Ingestion failed for ${d.symbols.length} symbol(s) at ${d.interval}`,
        message: `${d.error.code}: ${d.error.message}`,
        correlationId: d.correlationId,
        context: { requestId: d.requestId, symbols: d.symbols, interval: d.interval, error: d.error },
      },
    ],
  };
}

/** Reason groups named in an alert's message; the summary carries up to 5. */
export const ALERT_REASON_GROUPS = 3;
/** A message stays readable in a Slack line or a terminal. */
export const ALERT_MESSAGE_MAX = 1000;

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * `100.00% quarantined (8 of 8 rows, threshold 5.00%): missing_field, unknown_field —
 * missing: symbol, ts; unknown: ticker, time (8 rows). See ohlcv.quarantine ...`: the top
 * reasons with the fields behind them, bounded.
 */
export function quarantineMessage(summary: RunSummary, share: string, threshold: string): string {
  const head = `${share} quarantined (${summary.rowsQuarantined} of ${summary.rowsIn} rows, threshold ${threshold})`;
  const reasons = summary.quarantineReasons ?? [];
  if (!reasons.length) return `${head}. See ohlcv.quarantine for reasons.`;
  const groups = reasons
    .slice(0, ALERT_REASON_GROUPS)
    .map(
      (r) =>
        `${r.reasonCodes.join(', ')}${r.detail ? ` — ${r.detail}` : ''} (${r.rows} ${r.rows === 1 ? 'row' : 'rows'})`,
    );
  const more = reasons.length > ALERT_REASON_GROUPS ? ' | …' : '';
  return cut(`${head}: ${groups.join(' | ')}${more}. See ohlcv.quarantine for every row.`, ALERT_MESSAGE_MAX);
}

export function decideEtlRunCompleted(
  event: EtlRunCompletedEvent,
  summary: RunSummary,
  quarantineThreshold: number,
): Decision {
  const correlationId = event.detail.correlationId;
  const rules = summary.dataQuality;
  const failed = rules.filter((r) => !r.passed);
  const qualityEvaluated: QualityEvaluatedInput = {
    schemaVersion: 1,
    correlationId,
    jobRunId: summary.jobRunId,
    origin: 'etl-summary',
    score: rules.length === 0 ? 1 : (rules.length - failed.length) / rules.length,
    rulesPassed: rules.length - failed.length,
    rulesFailed: failed.length,
    failedRules: failed.map((r) => ({
      rule: r.rule,
      message: `${r.failedRows} row(s) failed: ${r.description}`,
    })),
  };
  const alerts: Alert[] = [];
  const context = {
    jobName: summary.jobName,
    jobRunId: summary.jobRunId,
    manifestId: summary.manifestId,
    rowsIn: summary.rowsIn,
    rowsKept: summary.rowsKept,
    rowsQuarantined: summary.rowsQuarantined,
    duplicates: summary.duplicates,
  };
  if (failed.length > 0) {
    alerts.push({
      alertId: alertIdOf(event.id, 'quality-failed'),
      severity: 'warning',
      kind: 'quality-failed',
      title: `Data quality failed: ${failed.map((r) => r.rule).join(', ')}`,
      message: failed.map((r) => `${r.rule}: ${r.failedRows} row(s) (${r.description})`).join('; '),
      correlationId,
      context: { ...context, failedRules: failed },
    });
  }
  const share = summary.rowsIn === 0 ? 0 : summary.rowsQuarantined / summary.rowsIn;
  if (share > quarantineThreshold) {
    const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
    alerts.push({
      alertId: alertIdOf(event.id, 'quarantine-threshold'),
      severity: 'warning',
      kind: 'quarantine-threshold',
      title: `${pct(share)} of rows quarantined in run ${summary.jobRunId}`,
      message: quarantineMessage(summary, pct(share), pct(quarantineThreshold)),
      correlationId,
      context: {
        ...context,
        quarantinedShare: share,
        threshold: quarantineThreshold,
        ...(summary.quarantineReasons ? { quarantineReasons: summary.quarantineReasons } : {}),
      },
    });
  }
  return { alerts, qualityEvaluated };
}
