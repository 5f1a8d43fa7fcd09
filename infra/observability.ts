/**
 * The metric contract between the services (Powertools Metrics, EMF) and the alarms.
 * Powertools adds the `service` dimension from POWERTOOLS_SERVICE_NAME.
 */
export const METRICS_NAMESPACE = 'OHLCV';

export const METRIC = {
  /** quality-alert: rows an ETL run quarantined (Sum). */
  rowsQuarantined: 'RowsQuarantined',
  /** ingestion: requests that failed after retries inside the handler (Sum). */
  ingestionFailures: 'IngestionFailures',
  /**
   * ingestion: age in seconds of the newest bar of a symbol, emitted with a `symbol`
   * dimension only while the symbol's session is open (Maximum).
   */
  latestBarAgeSeconds: 'LatestBarAgeSeconds',
} as const;
