/**
 * Finding 3 of issue 13, on the ETL job: a run that dies while putting its partitions in
 * place must leave nothing a reader or a later run takes in. The fault is injected where
 * it happened: the 5th move of a written bars partition into the lake fails.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ndjsonBar, TestLake } from './lake-harness.ts';

const fault = vi.hoisted(() => ({ failAtBarsMove: 0, moves: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const renameSync: typeof fs.renameSync = (from, to) => {
    if (fault.failAtBarsMove > 0 && String(to).includes('/processed/bars/')) {
      fault.moves++;
      if (fault.moves === fault.failAtBarsMove)
        throw new Error('EIO: injected failure moving a partition in');
    }
    return fs.renameSync(from, to);
  };
  return { ...fs, default: { ...fs, renameSync }, renameSync };
});

const bars = (symbols: string[], minutes: number[], close: number) =>
  symbols
    .flatMap((symbol) =>
      minutes.map((m) =>
        ndjsonBar({ symbol, ts: `2024-03-08T14:${String(m).padStart(2, '0')}:00Z`, close: close + m }),
      ),
    )
    .join('\n')
    .concat('\n');

let lake: TestLake;
afterEach(() => {
  fault.failAtBarsMove = 0;
  fault.moves = 0;
  lake?.cleanup();
});

/** One bar of `symbol` at 14:30 UTC on `date`, as an NDJSON line. */
const at = (symbol: string, date: string, close: number) =>
  `${ndjsonBar({ symbol, ts: `${date}T14:30:00Z`, close })}\n`;

describe('atomic publish', () => {
  it('a run failing mid-publish leaves nothing visible, and a later run does not take its rows in', async () => {
    lake = new TestLake();
    await lake.run([{ key: 'raw/a.ndjson', body: bars(['AAPL'], [0, 1, 2], 100) }]);
    const nine = ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8', 'S9'];
    fault.failAtBarsMove = 5;
    await expect(lake.run([{ key: 'raw/b.ndjson', body: bars(nine, [0, 1, 2, 3], 200) }])).rejects.toThrow(
      /injected failure/,
    );
    fault.failAtBarsMove = 0;
    // Nothing of run 2 is visible.
    expect((await lake.dump('bars')).map((r) => r.symbol)).toEqual(['AAPL', 'AAPL', 'AAPL']);
    expect(await lake.dump('bars_hourly')).toHaveLength(1);

    // Run 3: other minutes of S1 on that day.
    await lake.run([{ key: 'raw/c.ndjson', body: bars(['S1'], [30, 31], 300) }]);
    const s1 = (await lake.dump('bars')).filter((r) => r.symbol === 'S1');
    expect(s1.map((r) => r.close)).toEqual([330, 331]);
    // Run 2's version of S1 was rolled back when run 3 published there.
    const dir = join(lake.root, 'processed/bars/date=2024-03-08/symbol=S1');
    expect(readdirSync(dir)).toEqual(['_v0000000001-run-3']);
  });

  it("a partition holding only a failed run's versions is no neighbour: pct_change still sees the previous committed bar", async () => {
    lake = new TestLake();
    await lake.run([{ key: 'raw/a.ndjson', body: at('AAPL', '2024-03-07', 100) }]);
    // Run 2 moves AAPL's 03-08 partition in (move 1), then fails on ZZZ's (move 2).
    fault.failAtBarsMove = 2;
    await expect(
      lake.run([{ key: 'raw/b.ndjson', body: at('AAPL', '2024-03-08', 999) + at('ZZZ', '2024-03-08', 1) }]),
    ).rejects.toThrow(/injected failure/);
    fault.failAtBarsMove = 0;
    await lake.run([{ key: 'raw/c.ndjson', body: at('AAPL', '2024-03-09', 110) }]);
    const aapl = (await lake.dump('bars')).filter((r) => r.symbol === 'AAPL');
    expect(aapl.map((r) => [r.close, r.pct_change])).toEqual([
      [100, null],
      [110, expect.closeTo(0.1, 12)],
    ]);
  });

  it('two such partitions in a row are both passed over: the previous bar is the last committed one before them', async () => {
    // The partition selection is found again without each folder it picked that has no
    // current version (job.ts loadExisting): here twice, 03-08 and then 03-07.
    lake = new TestLake();
    await lake.run([{ key: 'raw/a.ndjson', body: at('AAPL', '2024-03-06', 100) }]);
    for (const [key, date] of [
      ['raw/b.ndjson', '2024-03-07'],
      ['raw/c.ndjson', '2024-03-08'],
    ] as const) {
      fault.moves = 0;
      fault.failAtBarsMove = 2;
      await expect(lake.run([{ key, body: at('AAPL', date, 999) + at('ZZZ', date, 1) }])).rejects.toThrow(
        /injected failure/,
      );
    }
    fault.failAtBarsMove = 0;
    await lake.run([{ key: 'raw/d.ndjson', body: at('AAPL', '2024-03-09', 120) }]);
    const aapl = (await lake.dump('bars')).filter((r) => r.symbol === 'AAPL');
    expect(aapl.map((r) => [r.close, r.pct_change])).toEqual([
      [100, null],
      [120, expect.closeTo(0.2, 12)],
    ]);
  });

  it('a retried run (same run id) after a failed attempt publishes once', async () => {
    lake = new TestLake();
    fault.failAtBarsMove = 2;
    const objects = [{ key: 'raw/b.ndjson', body: bars(['S1', 'S2', 'S3'], [0, 1], 200) }];
    await expect(lake.run(objects)).rejects.toThrow(/injected failure/);
    fault.failAtBarsMove = 0;
    const summary = await lake.rerun(objects);
    expect(summary.rowsKept).toBe(6);
    expect((await lake.dump('bars')).map((r) => r.symbol)).toEqual(['S1', 'S1', 'S2', 'S2', 'S3', 'S3']);
    for (const s of ['S1', 'S2', 'S3']) {
      expect(readdirSync(join(lake.root, `processed/bars/date=2024-03-08/symbol=${s}`))).toHaveLength(1);
    }
  });
});
