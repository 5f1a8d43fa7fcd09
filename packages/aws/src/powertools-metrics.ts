/**
 * The core Metrics port on Powertools Metrics (CloudWatch Embedded Metric Format).
 *
 * EMF gives every metric in one document the same dimension set, so points without
 * dimensions go into the kit's own Powertools instance (alongside RecordsReceived and
 * friends) and each distinct dimension set gets its own buffered instance. `flush()`
 * writes one EMF line per instance that holds data; the kit calls it once per invocation.
 */
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import {
  dimensionsKey,
  type MetricDimensions,
  type MetricName,
  type Metrics,
  type MetricUnit,
} from '@ohlcv/core';

export interface PowertoolsMetricsPort extends Metrics {
  /** Publishes what is buffered (the root instance included); safe to call when empty. */
  flush(): void;
}

export interface PowertoolsMetricsOptions {
  /** The kit's instance: carries the namespace, the `service` dimension and the kit's own metrics. */
  root: PowertoolsMetrics;
  namespace: string;
  serviceName: string;
  /** Distinct dimension sets kept between flushes; beyond it the oldest is flushed and dropped. */
  maxDimensionSets?: number;
}

export function powertoolsMetrics(opts: PowertoolsMetricsOptions): PowertoolsMetricsPort {
  const { root, namespace, serviceName } = opts;
  const maxSets = opts.maxDimensionSets ?? 200;
  // Powertools itself flushes an instance that reaches 100 values of a metric (the EMF limit).
  const children = new Map<string, PowertoolsMetrics>();

  const childFor = (dims: MetricDimensions) => {
    const key = dimensionsKey(dims);
    let child = children.get(key);
    if (!child) {
      if (children.size >= maxSets) {
        const [oldestKey, oldest] = children.entries().next().value as [string, PowertoolsMetrics];
        if (oldest.hasStoredMetrics()) oldest.publishStoredMetrics();
        children.delete(oldestKey);
      }
      child = new PowertoolsMetrics({ namespace, serviceName, defaultDimensions: { ...dims } });
      children.set(key, child);
    }
    return child;
  };

  const add = (name: MetricName, unit: MetricUnit, value: number, dims?: MetricDimensions) => {
    if (!Number.isFinite(value)) return;
    try {
      if (!dims || Object.keys(dims).length === 0) {
        root.addMetric(name, unit, value);
      } else {
        childFor(dims).addMetric(name, unit, value);
      }
    } catch {
      // Powertools throws on invalid names or too many dimensions: a metric is not worth a record.
    }
  };

  return {
    count: (name, value, dims) => add(name, 'Count', value, dims),
    gauge: (name, value, unit, dims) => add(name, unit, value, dims),
    flush() {
      for (const child of children.values()) {
        if (child.hasStoredMetrics()) child.publishStoredMetrics();
      }
      if (root.hasStoredMetrics()) root.publishStoredMetrics();
    },
  };
}
