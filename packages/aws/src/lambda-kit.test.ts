import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SqsEvent, SqsRecord } from '@ohlcv/core';
import { sqsRecord } from '@ohlcv/core/testing/sqs-record';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withPowertools } from './lambda-kit.ts';

const record = (messageId: string, body: unknown): SqsRecord => sqsRecord(messageId, body, { queue: 'q' });

/** Capture and parse the JSON lines Powertools writes. */
function captureStdout() {
  const lines: Record<string, unknown>[] = [];
  const write = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) {
      if (line.trim().startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    return true;
  };
  // Powertools writes errors to stderr, the rest (and EMF metrics) to stdout.
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(write),
    vi.spyOn(process.stderr, 'write').mockImplementation(write),
  ];
  return {
    lines,
    restore: () => {
      for (const s of spies) s.mockRestore();
    },
  };
}

afterEach(() => vi.restoreAllMocks());

describe('withPowertools', () => {
  it('builds the handler once per cold start and logs each batch with its correlation id', async () => {
    const out = captureStdout();
    const factory = vi.fn(
      ({ logger }: { logger: { info: (m: string, e?: Record<string, unknown>) => void } }) => {
        return async (event: SqsEvent) => {
          logger.info('inside', { n: event.Records.length });
          return { batchItemFailures: [{ itemIdentifier: 'b' }] };
        };
      },
    );
    const env = { LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_NAMESPACE: 'test' };
    const handler = withPowertools('etl-trigger', factory, {
      env,
      logger: new Logger({ serviceName: 'etl-trigger', logLevel: 'INFO' }),
      metrics: new Metrics({ serviceName: 'etl-trigger', namespace: 'test' }),
    });
    const batch: SqsEvent = {
      Records: [record('a', { id: 'env-a', detail: { correlationId: 'corr-a' } }), record('b', 'not json')],
    };
    const first = await handler(batch, { functionName: 'fn', awsRequestId: 'req-1' });
    const second = await handler(batch);
    out.restore();

    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }] });
    expect(second).toEqual(first);
    expect(factory).toHaveBeenCalledTimes(1);
    const inside = out.lines.filter((l) => l.message === 'inside');
    expect(inside).toHaveLength(2);
    expect(inside[0]).toMatchObject({
      service: 'etl-trigger',
      correlation_id: 'corr-a',
      n: 2,
      level: 'INFO',
    });
    const done = out.lines.find((l) => l.message === 'batch done');
    expect(done).toMatchObject({ records: 2, failed: 1 });
    const emf = out.lines.filter((l) => '_aws' in l);
    expect(emf.length).toBeGreaterThanOrEqual(2);
    expect(emf[0]).toMatchObject({ RecordsReceived: 2, RecordsFailed: 1, service: 'etl-trigger' });
  });

  it('retries a failed build on the next invocation and rethrows batch errors', async () => {
    const out = captureStdout();
    let calls = 0;
    const handler = withPowertools(
      'quality-alert',
      () => {
        calls++;
        if (calls === 1) throw new Error('secret not readable');
        return async () => ({ batchItemFailures: [] });
      },
      {
        env: {},
        logger: new Logger({ serviceName: 'quality-alert' }),
        metrics: new Metrics({ namespace: 't' }),
      },
    );
    await expect(handler({ Records: [] })).rejects.toThrow('secret not readable');
    expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
    out.restore();
    expect(calls).toBe(2);
    expect(out.lines.some((l) => l.message === 'batch failed' && l.level === 'ERROR')).toBe(true);
  });
});
