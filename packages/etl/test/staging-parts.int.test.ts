/**
 * Staging in parts (issue 13, bounded memory): an NDJSON object bigger than a staging
 * batch is cut into parts after newlines, and the CSV and Twelve Data readers' records
 * stream into scratch files of about a batch each. Either way the run must give exactly
 * the tables of a run that staged every object whole: same rows, same line numbers in
 * quarantine (a part numbers its lines from where it starts), a BOM dropped only on an
 * object's first line, blank lines and CRs as before, typed path or not.
 */
import type { TableName } from '@ohlcv/core';
import { silentLogger } from '@ohlcv/core';
import { describe, expect, it } from 'vitest';
import { corpus, withField } from './fixtures/bad-input.ts';
import { pool } from './fixtures/order-pool.ts';
import type { RawObject } from './lake-harness.ts';
import { TestLake } from './lake-harness.ts';

const at = (minute: number) => `2024-01-02T15:${String(minute).padStart(2, '0')}:00Z`;
const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => withField({ ts: at(from + i) }));

/** Objects many batches long at the small batch size, with what numbering depends on late in them. */
const long: RawObject[] = [
  {
    key: 'raw/long.ndjson',
    body: `\ufeff${[...lines(0, 9), '', '{not json', ...lines(10, 19), '   ', `\ufeff${withField({ ts: at(20) })}`, `${withField({ ts: at(21) })}\r`].join('\n')}\n`,
  },
  {
    key: 'raw/long-untyped.ndjson',
    body: [
      ...lines(22, 30),
      withField({ ts: at(31), symbol: 'AAPL ' }),
      withField({ ts: at(32), volume: 'x' }),
    ].join('\n'),
  },
  {
    key: 'raw/long.csv',
    body: `\ufeff\r\nsymbol,interval,timestamp,open,high,low,close,volume\r\n${Array.from(
      { length: 25 },
      (_, i) => `CSVX,1min,${at(33 + i)},1,2,0.5,1.5,${i === 20 ? 'lots' : 100 + i}`,
    ).join('\r\n')}\r\n\r\nCSVX,1min,${at(59)},1,2\r\n`,
  },
];

const TABLES: TableName[] = ['bars', 'bars_hourly', 'bars_daily', 'quarantine'];

async function wholeVsParts(runs: RawObject[][], typedFastPath: boolean) {
  const whole = new TestLake();
  const parts = new TestLake();
  let batches = 0;
  try {
    for (const objects of runs) {
      const a = await whole.run(objects, { typedFastPath });
      const b = await parts.run(objects, {
        typedFastPath,
        // A few lines per part: every object above is cut several times.
        stagingBatchBytes: 700,
        logger: {
          ...silentLogger,
          debug: (message, fields) => {
            if (message === 'etl staging') batches += Number(fields?.batches);
          },
        },
      });
      const { startedAt: _a, finishedAt: _b, ...sa } = a;
      const { startedAt: _c, finishedAt: _d, ...sb } = b;
      expect(sb).toEqual(sa);
    }
    for (const t of TABLES) expect(await parts.dump(t), t).toEqual(await whole.dump(t));
    return { batches, quarantine: await parts.dump('quarantine') };
  } finally {
    whole.cleanup();
    parts.cleanup();
  }
}

describe('staging in parts gives the tables of staging whole', () => {
  for (const typedFastPath of [true, false]) {
    it(`long objects cut into parts, typed path ${typedFastPath ? 'on' : 'off'}`, async () => {
      const r = await wholeVsParts([long], typedFastPath);
      expect(r.batches).toBeGreaterThan(10);
      const where = new Map(r.quarantine.map((q) => [`${q.raw_object}:${q.line_number}`, q.reason_codes]));
      // Line numbers counted over the whole object, blank lines included.
      expect(where.get('raw/long.ndjson:12')).toEqual(['unparseable_line']);
      expect(where.get('raw/long.ndjson:24')).toEqual(['unparseable_line']);
      expect(where.get('raw/long-untyped.ndjson:11')).toEqual(['volume_not_numeric']);
      expect(where.get('raw/long.csv:23')).toEqual(['volume_not_numeric']);
      expect(where.get('raw/long.csv:29')).toEqual(['unparseable_line']);
    });
  }

  it('the bad-input corpus and the order pool, over several runs', async () => {
    const r = await wholeVsParts([corpus, pool.slice(0, 6), [...pool.slice(3), ...long]], true);
    expect(r.quarantine.length).toBeGreaterThan(5);
  });
});
