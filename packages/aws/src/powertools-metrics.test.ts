import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { METRIC, METRICS_NAMESPACE, type SqsEvent } from '@ohlcv/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withPowertools } from './lambda-kit.ts';
import { powertoolsMetrics } from './powertools-metrics.ts';

interface Emf {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** Powertools writes EMF documents as JSON lines on stdout. */
function captureEmf() {
  const docs: Emf[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) {
      if (!line.trim().startsWith('{')) continue;
      const doc = JSON.parse(line) as Record<string, unknown>;
      if ('_aws' in doc) docs.push(doc as Emf);
    }
    return true;
  });
  return { docs, restore: () => spy.mockRestore() };
}

const metricNames = (d: Emf) => d._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name).sort();
const dimensionNames = (d: Emf) => d._aws.CloudWatchMetrics[0]!.Dimensions[0]!.slice().sort();

afterEach(() => vi.restoreAllMocks());

describe('powertoolsMetrics (EMF)', () => {
  it('puts dimensionless points with the root and each dimension set in its own document', () => {
    const out = captureEmf();
    const root = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: 'ingestion' });
    const m = powertoolsMetrics({ root, namespace: METRICS_NAMESPACE, serviceName: 'ingestion' });
    m.count(METRIC.ingestionFailures, 1);
    m.count(METRIC.ingestionFailures, 2);
    m.count(METRIC.barsIngested, 780);
    m.gauge(METRIC.latestBarAgeSeconds, 120, 'Seconds', { symbol: 'AAPL' });
    m.gauge(METRIC.latestBarAgeSeconds, 60, 'Seconds', { symbol: 'BTC/USD' });
    m.gauge(METRIC.latestBarAgeSeconds, 30, 'Seconds', { symbol: 'AAPL' });
    expect(out.docs).toHaveLength(0); // buffered until the flush
    m.flush();
    out.restore();

    expect(out.docs).toHaveLength(3);
    const plain = out.docs.find((d) => 'IngestionFailures' in d)!;
    expect(plain._aws.CloudWatchMetrics[0]!.Namespace).toBe('OHLCV');
    expect(dimensionNames(plain)).toEqual(['service']);
    expect(plain).toMatchObject({ service: 'ingestion', IngestionFailures: [1, 2], BarsIngested: 780 });
    expect(metricNames(plain)).toEqual(['BarsIngested', 'IngestionFailures']);

    const aapl = out.docs.find((d) => d.symbol === 'AAPL')!;
    expect(dimensionNames(aapl)).toEqual(['service', 'symbol']);
    expect(aapl).toMatchObject({ service: 'ingestion', LatestBarAgeSeconds: [120, 30] });
    expect(aapl._aws.CloudWatchMetrics[0]!.Metrics).toEqual([
      { Name: 'LatestBarAgeSeconds', Unit: 'Seconds' },
    ]);
    expect(out.docs.find((d) => d.symbol === 'BTC/USD')).toMatchObject({ LatestBarAgeSeconds: 60 });
  });

  it('writes nothing for an empty flush, ignores non-finite values, and caps dimension sets', () => {
    const out = captureEmf();
    const root = new PowertoolsMetrics({ namespace: 'T', serviceName: 's' });
    const m = powertoolsMetrics({ root, namespace: 'T', serviceName: 's', maxDimensionSets: 2 });
    m.flush();
    expect(out.docs).toHaveLength(0);
    m.count(METRIC.barsIngested, Number.NaN);
    m.count(METRIC.alertsRaised, 1, { kind: 'a' });
    m.count(METRIC.alertsRaised, 1, { kind: 'b' });
    // A third set pushes the oldest out, flushing it first: nothing is lost.
    m.count(METRIC.alertsRaised, 1, { kind: 'c' });
    expect(out.docs.map((d) => d.kind)).toEqual(['a']);
    m.flush();
    out.restore();
    expect(out.docs.map((d) => d.kind).sort()).toEqual(['a', 'b', 'c']);
    expect(out.docs.some((d) => 'BarsIngested' in d)).toBe(false);
  });
});

describe('withPowertools passes the Metrics port to the factory', () => {
  it('flushes business metrics once per invocation, with the kit metrics and the service dimension', async () => {
    const out = captureEmf();
    const handler = withPowertools(
      'quality-alert',
      ({ metrics }) =>
        async (event: SqsEvent) => {
          metrics.count(METRIC.rowsQuarantined, 7);
          metrics.count(METRIC.alertsRaised, 1, { kind: 'quarantine-threshold' });
          return { batchItemFailures: event.Records.length ? [] : [] };
        },
      {
        env: {},
        logger: new Logger({ serviceName: 'quality-alert' }),
      },
    );
    await handler({ Records: [] });
    const afterFirst = out.docs.length;
    await handler({ Records: [] });
    out.restore();

    const first = out.docs.slice(0, afterFirst);
    const rows = first.find((d) => 'RowsQuarantined' in d)!;
    // The alarm's metric: namespace OHLCV, dimensions exactly { service }.
    expect(rows._aws.CloudWatchMetrics[0]!.Namespace).toBe(METRICS_NAMESPACE);
    expect(dimensionNames(rows)).toEqual(['service']);
    expect(rows).toMatchObject({ service: 'quality-alert', RowsQuarantined: 7, RecordsReceived: 0 });
    const alerts = first.find((d) => 'AlertsRaised' in d)!;
    expect(alerts).toMatchObject({ service: 'quality-alert', kind: 'quarantine-threshold', AlertsRaised: 1 });
    // The second invocation emits its own 7, not an accumulated 14.
    const second = out.docs.slice(afterFirst).find((d) => 'RowsQuarantined' in d)!;
    expect(second.RowsQuarantined).toBe(7);
  });
});
