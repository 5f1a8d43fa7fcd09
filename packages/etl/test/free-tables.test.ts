import { describe, expect, it } from 'vitest';
import { stepsPerStagingBatch, tablesFreedAfter } from '../src/job.ts';
import { loadEtlSteps, loadQualityRules } from '../src/sql-files.ts';

describe('tablesFreedAfter', () => {
  it('frees each intermediate table after its last reader, views included, and keeps what is read later', () => {
    const steps = loadEtlSteps();
    const freed = tablesFreedAfter(steps, [
      ...loadQualityRules().map((r) => r.sql),
      'bars_out',
      'hourly_out',
      'daily_out',
      'quarantine_out',
      'run_counts',
      'quarantine_top',
    ]);
    const at = Object.fromEntries(
      [...freed].flatMap(([i, names]) => names.map((n) => [n, steps[i]!.relation])),
    );
    // validated_records is read through the valid_bars view by dedupe, and last by the counts.
    expect(at.validated_records).toBe('run_counts');
    // quarantine_new is read last by the summary's top reasons.
    expect(at.quarantine_new).toBe('quarantine_top');
    // A view holds no rows: nothing to free.
    expect(at.dedupe_bars).toBeUndefined();
    expect(at.hourly_fresh).toBe('hourly_out');
    expect(at.daily_fresh).toBe('daily_out');
    for (const kept of [
      'bars_out',
      'hourly_out',
      'daily_out',
      'quarantine_out',
      'run_counts',
      'quarantine_top',
    ])
      expect(at[kept]).toBeUndefined();
  });

  it('never frees a table a later view still reads', () => {
    const steps = [
      { relation: 'a', materialize: 'table', sql: 'SELECT 1' },
      { relation: 'v', materialize: 'view', sql: 'SELECT * FROM a' },
      { relation: 'b', materialize: 'table', sql: 'SELECT * FROM a' },
      { relation: 'c', materialize: 'table', sql: 'SELECT * FROM v' },
      { relation: 'd', materialize: 'table', sql: 'SELECT * FROM c' },
    ];
    // a is read by b directly and by c through v; c is read by d; d is read afterwards.
    expect(Object.fromEntries(tablesFreedAfter(steps, ['d']))).toEqual({ 3: ['a'], 4: ['c'] });
    // A view read afterwards keeps what it reads.
    expect(Object.fromEntries(tablesFreedAfter(steps, ['d', 'v']))).toEqual({ 4: ['c'] });
  });
});

describe('stepsPerStagingBatch', () => {
  it('finds the tables that read staged_records, directly or through views', () => {
    expect(stepsPerStagingBatch(loadEtlSteps())).toEqual(new Set(['validated_records']));
    const steps = [
      { relation: 'v', materialize: 'view', sql: 'SELECT * FROM staged_records' },
      { relation: 'a', materialize: 'table', sql: 'SELECT * FROM v' },
      { relation: 'b', materialize: 'table', sql: 'SELECT * FROM a' },
      { relation: 'c', materialize: 'table', sql: 'SELECT * FROM staged_records_old' },
    ];
    expect(stepsPerStagingBatch(steps)).toEqual(new Set(['a']));
  });
});
