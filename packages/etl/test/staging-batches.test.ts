import { describe, expect, it } from 'vitest';
import { groupBySize, spread } from '../src/stage-duckdb.ts';

const f = (path: string, bytes: number) => ({ path, bytes });

describe('staging batches', () => {
  it('groups consecutive files up to the byte limit, a bigger file alone', () => {
    const groups = groupBySize([f('a', 40), f('b', 50), f('c', 20), f('d', 500), f('e', 1)], 100);
    expect(groups.map((g) => g.map((x) => x.path))).toEqual([['a', 'b'], ['c'], ['d'], ['e']]);
    expect(groupBySize([], 100)).toEqual([]);
  });

  it('deals files into lanes of similar size, never more lanes than files', () => {
    const lanes = spread([f('a', 10), f('b', 70), f('c', 30), f('d', 40)], 2);
    expect(lanes).toEqual([
      ['b', 'a'],
      ['d', 'c'],
    ]);
    expect(spread([f('a', 1)], 4)).toEqual([['a']]);
    expect(spread([f('a', 1), f('b', 1)], 1)).toEqual([['a', 'b']]);
  });
});
