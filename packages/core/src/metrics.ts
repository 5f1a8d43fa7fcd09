/**
 * The Metrics port and the metric contract between the services and what watches them:
 * CloudWatch alarms on AWS (Powertools Metrics, EMF) and `ohlcv status` locally. Names,
 * units and dimensions are declared once here; infra builds its alarms from them.
 *
 * Both adapters add the `service` dimension (the service folder's name), as Powertools does.
 */

/** The CloudWatch namespace of every custom metric (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'OHLCV';

export const METRIC = {
  /** ingestion: failures — symbols the source refused and request attempts that threw (Sum). */
  ingestionFailures: 'IngestionFailures',
  /** ingestion: canonical bars written to raw/ (Sum). */
  barsIngested: 'BarsIngested',
  /**
   * ingestion: seconds between now and the open time of the newest stored bar of a symbol,
   * after each successful fetch, per `symbol` (Maximum). Emitted in and out of the symbol's
   * session: whether an old bar matters is the alarm's decision.
   */
  latestBarAgeSeconds: 'LatestBarAgeSeconds',
  /** quality-alert: rows an ETL run quarantined, from its run summary (Sum). */
  rowsQuarantined: 'RowsQuarantined',
  /** quality-alert: alerts raised, per `kind` (Sum). */
  alertsRaised: 'AlertsRaised',
  /** catalog-sync: partitions newly added to the catalog, per `table` (Sum). */
  partitionsRegistered: 'PartitionsRegistered',
  /** etl-trigger: raw objects put into a manifest (Sum). */
  objectsCoalesced: 'ObjectsCoalesced',
  /** etl-trigger: ETL job runs started (a redelivered batch reusing its run does not count) (Sum). */
  jobRunsStarted: 'JobRunsStarted',
} as const;

export type MetricKey = keyof typeof METRIC;
export type MetricName = (typeof METRIC)[MetricKey];

/** Dimension names, beside the `service` dimension every metric carries. */
export const METRIC_DIMENSION = {
  service: 'service',
  symbol: 'symbol',
  kind: 'kind',
  table: 'table',
} as const;

/** The units the port accepts: a subset of CloudWatch's, spelled the same. */
export type MetricUnit = 'Count' | 'Seconds' | 'Milliseconds' | 'Bytes' | 'None';

export interface MetricSpec {
  unit: MetricUnit;
  /** The dimensions a data point carries besides `service`, exactly (an alarm matches all of them). */
  dimensions: readonly string[];
  /** The service that emits it: the `service` dimension's value. */
  service: 'ingestion' | 'etl-trigger' | 'catalog-sync' | 'quality-alert';
}

export const metricSpecs: Record<MetricName, MetricSpec> = {
  IngestionFailures: { unit: 'Count', dimensions: [], service: 'ingestion' },
  BarsIngested: { unit: 'Count', dimensions: [], service: 'ingestion' },
  LatestBarAgeSeconds: { unit: 'Seconds', dimensions: [METRIC_DIMENSION.symbol], service: 'ingestion' },
  RowsQuarantined: { unit: 'Count', dimensions: [], service: 'quality-alert' },
  AlertsRaised: { unit: 'Count', dimensions: [METRIC_DIMENSION.kind], service: 'quality-alert' },
  PartitionsRegistered: { unit: 'Count', dimensions: [METRIC_DIMENSION.table], service: 'catalog-sync' },
  ObjectsCoalesced: { unit: 'Count', dimensions: [], service: 'etl-trigger' },
  JobRunsStarted: { unit: 'Count', dimensions: [], service: 'etl-trigger' },
};

export type MetricDimensions = Record<string, string>;

/**
 * Business metrics of a service. Calls never throw and never block: a metric lost is
 * better than a record failed because of one.
 */
export interface Metrics {
  /** Adds `value` occurrences (summed over the period). */
  count(name: MetricName, value: number, dims?: MetricDimensions): void;
  /** Records a level (age, size) at this instant. */
  gauge(name: MetricName, value: number, unit: MetricUnit, dims?: MetricDimensions): void;
}

export const noopMetrics: Metrics = { count() {}, gauge() {} };

/** One data point as the adapters and the in-memory fake record it. */
export interface MetricPoint {
  name: MetricName;
  value: number;
  unit: MetricUnit;
  dims: MetricDimensions;
}

/** Dimensions in key order as JSON: the identity of a time series. */
export const dimensionsKey = (dims: MetricDimensions = {}): string =>
  JSON.stringify(Object.fromEntries(Object.entries(dims).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
