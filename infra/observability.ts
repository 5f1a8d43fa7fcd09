/**
 * The metric contract between the services (Powertools Metrics, EMF) and the alarms is
 * declared once in `@ohlcv/core` (names, units, dimensions); the alarms read it from here.
 * Powertools adds the `service` dimension from POWERTOOLS_SERVICE_NAME.
 */
export { METRIC, METRIC_DIMENSION, METRICS_NAMESPACE, metricSpecs } from '@ohlcv/core/metrics';
