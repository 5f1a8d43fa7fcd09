import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { s3ObjectCreatedEventSchema } from '../src/aws/s3-object-created.ts';
import { eventBridgeEnvelopeSchema, parseEnvelope } from '../src/envelope.ts';
import {
  INGESTION_REQUESTED,
  INGESTION_REQUESTED_SOURCE,
  ingestionRequestedEventSchema,
} from '../src/pipeline/ingestion-requested.ts';
import {
  buildPipelineEvent,
  InvalidEventError,
  isPipelineDetailType,
  type PipelineEventInput,
  pipelineEventInput,
  pipelineEventSchema,
  pipelineEvents,
} from '../src/pipeline/registry.ts';

const sampleText = (name: string) =>
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'samples', name), 'utf8');
const base = { schemaVersion: 1 as const, correlationId: 'c-1' };

describe('pipelineEventInput', () => {
  it('fills the source, applies defaults and types the result by detail-type', () => {
    const e = pipelineEventInput(INGESTION_REQUESTED, {
      ...base,
      requestId: 'r-1',
      symbols: ['AAPL'],
      interval: '1day',
    });
    expect(e).toEqual({
      source: 'ohlcv.scheduler',
      detailType: 'Ingestion Requested',
      detail: { ...base, requestId: 'r-1', symbols: ['AAPL'], interval: '1day', incremental: true },
    });
    const asPort: PipelineEventInput = e;
    expect(asPort.source).toBe(INGESTION_REQUESTED_SOURCE);
  });

  it('gives every pipeline event an ohlcv.* source', () => {
    for (const [dt, { source }] of Object.entries(pipelineEvents)) {
      expect(source, dt).toMatch(/^ohlcv\.[a-z-]+$/);
    }
    expect(pipelineEvents['ETL Run Requested'].source).toBe('ohlcv.etl-trigger');
    expect(pipelineEvents['Partitions Registered'].source).toBe('ohlcv.catalog-sync');
  });

  it('throws a readable, non-retryable InvalidEventError for a bad detail', () => {
    const bad = () =>
      pipelineEventInput('ETL Run Completed', {
        ...base,
        jobName: 'ohlcv-etl',
        jobRunId: 'jr_1',
        summaryKey: '_runs/jr_1/summary.json',
        rowsIn: 10,
        rowsKept: -1,
        rowsQuarantined: 0,
        duplicates: 0,
        partitionsWritten: 1,
      });
    expect(bad).toThrow(InvalidEventError);
    expect(bad).toThrow(/"ETL Run Completed" detail: rowsKept: /);
    try {
      bad();
    } catch (e) {
      expect([(e as InvalidEventError).code, (e as InvalidEventError).retryable]).toEqual([
        'InvalidEvent',
        false,
      ]);
    }
  });

  it('enforces schemaVersion 1, a correlation id and 1..120 symbols', () => {
    const req = (over: Record<string, unknown>) => () =>
      pipelineEventInput(INGESTION_REQUESTED, {
        ...base,
        requestId: 'r',
        symbols: ['AAPL'],
        interval: '1min',
        ...over,
      } as never);
    expect(req({})).not.toThrow();
    expect(req({ schemaVersion: 2 })).toThrow(/schemaVersion/);
    expect(req({ correlationId: '' })).toThrow(/correlationId/);
    expect(req({ symbols: [] })).toThrow(/symbols/);
    expect(req({ symbols: Array.from({ length: 120 }, (_, i) => `S${i}`) })).not.toThrow();
    expect(req({ symbols: Array.from({ length: 121 }, (_, i) => `S${i}`) })).toThrow(/symbols/);
    expect(req({ interval: '3min' })).toThrow(/interval/);
    expect(req({ start: '2024-01-02', end: '2024-01-03T00:00:00+01:00' })).not.toThrow();
    expect(req({ start: 'last tuesday' })).toThrow(/start/);
  });

  it('rejects an unknown detail-type', () => {
    expect(() => pipelineEventInput('Nope' as never, {} as never)).toThrow(/unknown pipeline detail-type/);
    expect(isPipelineDetailType('Alert Raised')).toBe(true);
    expect(isPipelineDetailType('toString')).toBe(false);
  });
});

describe('buildPipelineEvent', () => {
  it('wraps an input in the envelope its event schema parses back', () => {
    const input = pipelineEventInput('Ingestion Batch Failed', {
      ...base,
      requestId: 'r',
      symbols: ['EUR/USD'],
      interval: '1h',
      error: { code: 'RateLimited', message: '429', retryable: true },
    });
    const env = buildPipelineEvent(input, { id: 'e-1', time: new Date('2024-03-08T21:05:20.5Z') });
    expect(Object.keys(env)).toEqual([
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'resources',
      'detail',
    ]);
    expect(env.time).toBe('2024-03-08T21:05:20Z');
    const back = pipelineEventSchema.parse(JSON.parse(JSON.stringify(env)));
    expect(back).toEqual(env);
    expect(back.source).toBe('ohlcv.ingestion');
  });
});

describe('parseEnvelope', () => {
  it('unwraps an SQS body into a typed event', () => {
    const r = parseEnvelope(sampleText('ingestion-requested.json'), ingestionRequestedEventSchema);
    expect(r.success).toBe(true);
    if (r.success) expect(r.data.detail.symbols).toEqual(['AAPL', 'MSFT', 'EUR/USD', 'BTC/USD']);
  });

  it('reports a body that is not JSON', () => {
    const r = parseEnvelope('{"version":', eventBridgeEnvelopeSchema);
    expect(r).toMatchObject({ success: false });
    if (!r.success) expect(r.error).toMatch(/^body is not JSON: /);
  });

  it('names the path of every bad field', () => {
    const body = JSON.parse(sampleText('object-created.raw-drop.json'));
    body.detail.object.size = -1;
    delete body.time;
    const r = parseEnvelope(JSON.stringify(body), s3ObjectCreatedEventSchema);
    expect(r.success).toBe(false);
    if (!r.success) {
      expect(r.error).toContain('time: ');
      expect(r.error).toContain('detail.object.size: ');
    }
  });

  it('the generic envelope accepts any source and detail; the union dispatches on detail-type', () => {
    expect(parseEnvelope(sampleText('glue-job-state-change.json'), eventBridgeEnvelopeSchema).success).toBe(
      true,
    );
    const r = parseEnvelope(sampleText('alert-raised.json'), pipelineEventSchema);
    expect(r.success && r.data['detail-type'] === 'Alert Raised' && r.data.detail.kind).toBe(
      'quality-failed',
    );
    expect(parseEnvelope(sampleText('object-created.json'), pipelineEventSchema).success).toBe(false);
  });
});
