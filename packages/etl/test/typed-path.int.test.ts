/**
 * The typed fast path of NDJSON staging (stage-duckdb.ts, issue 16) against the text
 * path on the same drops: every table identical, row for row, whether an object took
 * the fast path or was refused it. The refused objects are the ones a typed read would
 * get wrong ("1_000" or "1.5d" as strings, booleans, unknown keys, untrimmed text, lines
 * that are not JSON): they must take the text path and be quarantined exactly as before.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, TableName } from '@ohlcv/core';
import { silentLogger } from '@ohlcv/core';
import { describe, expect, it } from 'vitest';
import { openDuckSession } from '../src/duckdb.ts';
import { loadDialect, loadEtlSteps, renderSql } from '../src/plan.ts';
import { stageObjects, TYPED_PARSED_RECORDS } from '../src/stage-duckdb.ts';
import { corpus, withField } from './fixtures/bad-input.ts';
import { pool } from './fixtures/order-pool.ts';
import type { RawObject } from './lake-harness.ts';
import { TestLake } from './lake-harness.ts';

const at = (minute: number) => `2024-01-02T15:${String(minute).padStart(2, '0')}:00Z`;
const line = (minute: number, over: Record<string, unknown> = {}) => withField({ ts: at(minute), ...over });
/** Raw JSON text for one field: numbers exactly as written (JSON.stringify would re-print them). */
const rawLine = (minute: number, field: string, text: string) =>
  line(minute).replace(new RegExp(`"${field}":[^,}]*`), `"${field}":${text}`);

/** Objects every line of which a typed read gives exactly as the text path does. */
const qualifying: RawObject[] = [
  {
    key: 'raw/numbers.ndjson',
    body: [
      rawLine(1, 'volume', '1E5'),
      rawLine(2, 'volume', '-0'),
      rawLine(3, 'volume', '0.1e1'),
      rawLine(4, 'volume', '18446744073709551615'),
      rawLine(5, 'volume', '123456789012345678901234567890'),
      rawLine(6, 'close', '10.000000000000002'),
      rawLine(7, 'high', '1e400'),
      rawLine(8, 'volume', 'null'),
      rawLine(9, 'low', '-5'),
      rawLine(10, 'open', '4.9406564584124654e-324'),
    ].join('\n'),
  },
  {
    key: 'raw/times.ndjson',
    body: [
      line(11, { ts: '2024-01-02T10:11:00+05:00' }),
      line(12, { ts: '2024-01-02T10:12:00+15:00' }),
      line(13, { ts: '2024-01-02T10:13:00-0530' }),
      line(14, { ts: '2024-01-02T10:14:00-05' }),
      line(15, { ts: '2024-01-02 15:15:00' }),
      line(16, { ts: '2024-01-02' }),
      line(17, { ts: '2024-01-02T24:00:00Z' }),
      line(18, { ts: '0999-12-31T00:00:00Z' }),
      line(19, { ts: '2024-02-30T10:00:00Z' }),
      line(20, { ingested_at: '' }),
      line(21, { ingested_at: 'yesterday' }),
      line(22, { ts: '2030-01-01T00:00:00Z' }),
      line(23, { ts: '1799-12-31T23:59:59Z' }),
      line(24, { ts: '' }),
    ].join('\n'),
  },
  {
    key: 'raw/fields.ndjson',
    body: [
      line(25, { mic_code: '', currency: null, exchange: '' }),
      line(26, { symbol: '' }),
      line(27, { interval: '7min' }),
      line(28, { open: -1, low: -2 }),
      line(29, { high: 9 }),
      line(30, { symbol: 'A'.repeat(81) }),
      line(31, { symbol: 'é'.repeat(40), source: '' }),
      line(32, { exchange: 5, instrument_type: true }),
      line(33, { symbol: 'C/USD', close: 10.01 }),
      // A later line of the same object with the same ingested_at wins the dedupe.
      line(33, { symbol: 'C/USD', close: 10.02 }),
      `${line(34)}\r`,
      '',
      '   ',
      line(35),
    ].join('\n'),
  },
];

/** Objects a typed read would get wrong: each must be refused the fast path. */
const refused: RawObject[] = [
  { key: 'raw/string-number.ndjson', body: [line(36), line(37, { volume: '1_000' })].join('\n') },
  {
    key: 'raw/string-1.5d.ndjson',
    body: [line(38, { open: '1.5d' }), line(39, { close: '0x1p3' })].join('\n'),
  },
  { key: 'raw/string-ok.ndjson', body: line(40, { open: '10' }) },
  { key: 'raw/boolean.ndjson', body: line(41, { high: true }) },
  { key: 'raw/array.ndjson', body: line(42, { low: [1] }) },
  { key: 'raw/unknown-key.ndjson', body: [line(43), line(44, { extra: null })].join('\n') },
  { key: 'raw/key-order.ndjson', body: JSON.stringify({ ts: at(45), ...JSON.parse(line(45)) }) },
  { key: 'raw/untrimmed.ndjson', body: line(46, { symbol: 'AAPL ' }) },
  { key: 'raw/escaped.ndjson', body: line(47, { symbol: '\tAAPL' }) },
  { key: 'raw/not-json.ndjson', body: [line(48), '{not json', line(49)].join('\n') },
  { key: 'raw/two-objects.ndjson', body: `${line(50)} ${line(51)}` },
  { key: 'raw/leading-space.ndjson', body: `  ${line(52)}` },
  // JSON whitespace beside a numeric key's colon: the value is still a string ("1_000"),
  // though `"volume":` is not in the text (the certification's byte test must not miss it).
  { key: 'raw/tab-colon.ndjson', body: rawLine(56, 'volume', '"1_000"').replace('"volume":', '"volume"\t:') },
  { key: 'raw/cr-colon.ndjson', body: rawLine(57, 'open', '"1.5d"').replace('"open":', '"open"\r:') },
  // Field aliases (issue 14) are the text path's key mapping: a typed read must not skip them.
  {
    key: 'raw/alias.ndjson',
    body: line(53).replace('"ts":', '"timestamp":'),
  },
  {
    key: 'raw/alias-duplicate.ndjson',
    body: line(54).replace('"source":', `"timestamp":"${at(55)}","source":`),
  },
];

const TABLES: TableName[] = ['bars', 'bars_hourly', 'bars_daily', 'quarantine'];

function typedCounter(): { logger: Logger; typed: () => number } {
  let typed = -1;
  return {
    typed: () => typed,
    logger: {
      ...silentLogger,
      debug: (message, fields) => {
        if (message === 'etl staging') typed = Number(fields?.typedObjects);
      },
    },
  };
}

async function bothPaths(
  runs: RawObject[][],
  options: { stagingBatchBytes?: number; threads?: number } = {},
) {
  const typed = new TestLake();
  const text = new TestLake();
  const counts: number[] = [];
  try {
    for (const objects of runs) {
      const counter = typedCounter();
      const a = await typed.run(objects, { ...options, typedFastPath: true, logger: counter.logger });
      const b = await text.run(objects, { ...options, typedFastPath: false });
      const { startedAt: _a, finishedAt: _b, ...sa } = a;
      const { startedAt: _c, finishedAt: _d, ...sb } = b;
      expect(sa).toEqual(sb);
      counts.push(counter.typed());
    }
    for (const t of TABLES) expect(await typed.dump(t), t).toEqual(await text.dump(t));
    return { counts, typed: await typed.dump('bars'), quarantine: await typed.dump('quarantine') };
  } finally {
    typed.cleanup();
    text.cleanup();
  }
}

describe('typed fast path vs the text path', () => {
  it('qualifying objects take the typed path and give the same tables, quarantine rows included', async () => {
    const r = await bothPaths([qualifying]);
    expect(r.counts).toEqual([qualifying.length]);
    expect(r.quarantine.length).toBeGreaterThan(8);
    const c = r.typed.filter(
      (b) => b.raw_object === 'raw/fields.ndjson' && String(b.ts).endsWith('15:33:00'),
    );
    expect(c.map((b) => b.close)).toEqual([10.02]);
  });

  it('objects a typed read would get wrong are refused it and quarantined as the text path does', async () => {
    const r = await bothPaths([[...refused, ...qualifying]]);
    // Only the qualifying objects were typed; every refused one went through the text path.
    expect(r.counts).toEqual([qualifying.length]);
    const reasons = new Map(r.quarantine.map((q) => [`${q.raw_object}:${q.line_number}`, q.reason_codes]));
    expect(reasons.get('raw/string-number.ndjson:2')).toEqual(['volume_not_numeric']);
    expect(reasons.get('raw/string-1.5d.ndjson:1')).toEqual(['price_not_numeric']);
    expect(reasons.get('raw/boolean.ndjson:1')).toEqual(['price_not_numeric']);
    expect(reasons.get('raw/unknown-key.ndjson:2')).toEqual(['unknown_field']);
    expect(reasons.get('raw/not-json.ndjson:2')).toEqual(['unparseable_line']);
    expect(reasons.get('raw/alias-duplicate.ndjson:1')).toEqual(['duplicate_field']);
    expect(reasons.get('raw/tab-colon.ndjson:1')).toEqual(['volume_not_numeric']);
    expect(reasons.get('raw/cr-colon.ndjson:1')).toEqual(['price_not_numeric']);
    expect(r.typed.some((b) => b.raw_object === 'raw/alias.ndjson')).toBe(true);
    expect(r.typed.some((b) => b.raw_object === 'raw/string-ok.ndjson')).toBe(true);
    expect(r.typed.find((b) => b.raw_object === 'raw/untrimmed.ndjson')?.symbol).toBe('AAPL');
  });

  it('the bad-input corpus and the order pool, over several runs and one object per batch', async () => {
    const r = await bothPaths([corpus, pool.slice(0, 6), pool.slice(3)], { stagingBatchBytes: 1 });
    expect(r.counts.every((n) => n > 0)).toBe(true);
  });

  it('the typed relation has exactly the columns and types of 01_parsed_records', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'typed-columns-'));
    const db = await openDuckSession({ threads: 1 });
    try {
      writeFileSync(join(dir, 'a.ndjson'), line(1));
      for (const stmt of loadDialect().duckdbPrelude) await db.run(stmt);
      const staging = await stageObjects(
        db,
        dir,
        [{ key: 'a.ndjson', etag: 'e', size: 1, lastModified: '2024-01-03T00:00:00Z' }],
        dir,
      );
      await staging.load(0);
      expect(staging.typed).toBe(true);
      const parsed = loadEtlSteps().find((s) => s.relation === 'parsed_records')!;
      await db.run(`CREATE TEMP VIEW parsed_records AS ${renderSql(parsed.sql, 'duckdb')}`);
      const describe = async (rel: string) =>
        (await db.all(`DESCRIBE SELECT * FROM ${rel}`)).map((c) => [c.column_name, c.column_type]);
      expect(await describe(TYPED_PARSED_RECORDS)).toEqual(await describe('parsed_records'));
      await staging.release();
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
