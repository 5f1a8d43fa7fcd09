/**
 * The phase log says how much CPU each phase used, and how much DuckDB holds and how much it has spilled after each step
 * (issue 16): a run whose tables outgrow memory_limit reads them back from spill files,
 * several times slower, and only these fields show it; a phase whose cpuMs is far below
 * threads x ms waits (files, one thread) rather than computes. Real DuckDB, a real run: one with
 * room spills nothing; the same rows under a small memory_limit do spill.
 */
import { silentLogger } from '@ohlcv/core';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlan } from '../src/plan.ts';
import { ndjsonBar, type RawObject, TestLake } from './lake-harness.ts';

/** Bars of `symbols` symbols, one a minute from 2024-01-02T00:00Z, `minutes` each. */
const bars = (symbols: number, minutes: number): RawObject[] =>
  Array.from({ length: symbols }, (_, s) => ({
    key: `raw/s${s}.ndjson`,
    body: Array.from({ length: minutes }, (_, m) =>
      ndjsonBar({
        symbol: `SYM${s}`,
        ts: new Date(Date.UTC(2024, 0, 2) + m * 60_000).toISOString(),
        close: 100 + ((m * 7) % 13),
      }),
    ).join('\n'),
  }));

type Phase = { phase: string; ms: number; cpuMs: number; duckdbMb?: number; spilledMb?: number };

async function phasesOf(objects: RawObject[], memoryLimit: string): Promise<Phase[]> {
  const phases: Phase[] = [];
  lake = new TestLake();
  await lake.run(objects, {
    memoryLimit,
    logger: {
      ...silentLogger,
      debug: (message, fields) => {
        if (message === 'etl phase') phases.push(fields as unknown as Phase);
      },
    },
  });
  return phases;
}

let lake: TestLake | undefined;
afterEach(() => lake?.cleanup());

describe('phase log: DuckDB memory and spill after each step', () => {
  it('every step and the quality rules report whole MiB held and spilled; a run with room spills nothing', async () => {
    const phases = await phasesOf(bars(3, 600), '1GB');
    const steps = loadPlan().steps.map((s) => s.file);
    const withMemory = phases.filter((p) => p.duckdbMb !== undefined);
    expect(withMemory.map((p) => p.phase)).toEqual([...steps, 'quality']);
    for (const p of withMemory) {
      expect(Number.isInteger(p.duckdbMb), p.phase).toBe(true);
      expect(p.spilledMb, p.phase).toBe(0);
    }
  });

  it('every phase reports the CPU the process spent in it (DuckDB threads included), in whole ms', async () => {
    const phases = await phasesOf(bars(3, 600), '1GB');
    for (const p of phases) {
      expect(Number.isInteger(p.cpuMs), p.phase).toBe(true);
      expect(p.cpuMs, p.phase).toBeGreaterThanOrEqual(0);
    }
    // The run did compute something, and it is charged to the phases that did it.
    expect(phases.reduce((sum, p) => sum + p.cpuMs, 0)).toBeGreaterThan(0);
  });

  it('the same rows under a small memory_limit: the steps that outgrow it report what DuckDB spilled', async () => {
    // 200,000 bars: about 40 MB of validated rows, more again for 06's windows and bars_out.
    const objects = bars(20, 10_000);
    const tight = await phasesOf(objects, '96MB');
    lake?.cleanup();
    const roomy = await phasesOf(objects, '512MB');
    const spilledIn = (phases: Phase[]) => phases.filter((p) => (p.spilledMb ?? 0) > 0).map((p) => p.phase);
    expect(spilledIn(tight), JSON.stringify(tight)).toContain('06_bars_out.sql');
    expect(spilledIn(roomy), JSON.stringify(roomy)).toEqual([]);
  });
});
