import { describe, expect, it } from 'vitest';
import { etlRunSizing, LAMBDA_SQS_LIMITS, lambdaMappingProblem, queueNames, queues } from './topology.ts';

describe('topology against Lambda limits', () => {
  it('every queue declares a mapping AWS accepts', () => {
    for (const name of queueNames)
      expect([name, lambdaMappingProblem(queues[name])]).toEqual([name, undefined]);
  });

  it('names the broken limit: over 10,000, over 10 without a window, a window over 300 s', () => {
    const base = queues['etl-trigger'];
    expect(lambdaMappingProblem({ ...base, batchSize: 10_001 })).toMatch(/batchSize 10001: .*1 to 10000/);
    expect(lambdaMappingProblem({ ...base, batchSize: 11, maxBatchingWindowSeconds: 0 })).toMatch(
      /needs maxBatchingWindowSeconds >= 1/,
    );
    expect(lambdaMappingProblem({ ...base, batchSize: 10, maxBatchingWindowSeconds: 0 })).toBeUndefined();
    expect(lambdaMappingProblem({ ...base, maxBatchingWindowSeconds: 301 })).toMatch(/0 to 300/);
  });

  it('a bulk drop is one Lambda batch as large as AWS allows, and locally one run by size', () => {
    expect(queues['etl-trigger'].batchSize).toBe(LAMBDA_SQS_LIMITS.maxBatchSize);
    // The local window closes early when quiet; the declared window stays the maximum.
    expect(queues['etl-trigger'].localQuietCloseSeconds).toBeLessThan(
      queues['etl-trigger'].maxBatchingWindowSeconds,
    );
    // The 10M-bar bench drop (about 2.6 GB of NDJSON) fits one local run.
    expect(etlRunSizing.localMaxRunBytes).toBeGreaterThan(3 * 2 ** 30);
  });
});
