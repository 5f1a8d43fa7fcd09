import { describe, expect, it } from 'vitest';
import { correlatedLogger, correlationIdOfEnvelope, logBatch } from './batch-log.ts';
import { memoryLogger } from './contracts/in-memory.ts';
import { sqsRecord } from './testing/sqs-record.ts';

describe('correlationIdOfEnvelope', () => {
  it('prefers detail.correlationId, else the envelope id', () => {
    expect(correlationIdOfEnvelope({ id: 'env-1', detail: { correlationId: 'corr-1' } })).toBe('corr-1');
    expect(correlationIdOfEnvelope({ id: 'env-1', detail: { bucket: {} } })).toBe('env-1');
    expect(correlationIdOfEnvelope('nope')).toBeUndefined();
  });
});

describe('logBatch', () => {
  it('writes the received line with the ids, and done with records, failures and duration', () => {
    const logger = memoryLogger();
    let now = 100;
    const seen: (string | undefined)[] = [];
    const event = {
      Records: [sqsRecord('a', { id: 'e1', detail: { correlationId: 'c1' } }), sqsRecord('b', { id: 'e2' })],
    };
    const lines = logBatch(logger, event, {
      now: () => now,
      extra: { coldStart: true },
      setCorrelationId: (id) => seen.push(id),
    });
    now = 142.4;
    lines.done({ batchItemFailures: [{ itemIdentifier: 'b' }] });
    expect(seen).toEqual(['c1']);
    expect(lines.correlationId).toBe('c1');
    expect(logger.lines).toEqual([
      {
        level: 'info',
        message: 'batch received',
        extra: { records: 2, coldStart: true, correlationIds: ['c1', 'e2'] },
      },
      { level: 'info', message: 'batch done', extra: { records: 2, failed: 1, durationMs: 42 } },
    ]);
  });
});

describe('correlatedLogger', () => {
  it('stamps correlation_id on every line while one is set, and on none after', () => {
    const base = memoryLogger();
    const logger = correlatedLogger(base);
    logger.info('before');
    logger.setCorrelationId('c1');
    logger.warn('during', { k: 1 });
    logger.setCorrelationId(undefined);
    logger.error('after');
    expect(base.lines).toEqual([
      { level: 'info', message: 'before' },
      { level: 'warn', message: 'during', extra: { correlation_id: 'c1', k: 1 } },
      { level: 'error', message: 'after' },
    ]);
  });
});
