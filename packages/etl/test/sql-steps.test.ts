import { duckdbType, type TableName, tables } from '@ohlcv/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckSession } from '../src/duckdb.ts';
import { stagedColumns } from '../src/stage-duckdb.ts';
import { barSchema, given, runStep, type Schema, sqlSession } from './sql-harness.ts';

let db: DuckSession;
beforeEach(async () => {
  db = await sqlSession();
  await runStep(db, 'intervals');
  await given(
    db,
    'run_params',
    { job_run_id: 'VARCHAR', now_ts: 'TIMESTAMP', min_ts: 'TIMESTAMP', plan_version: 'VARCHAR' },
    [
      {
        job_run_id: 'run-9',
        now_ts: '2024-06-01 00:00:00',
        min_ts: '1800-01-01 00:00:00',
        plan_version: 'pv-new',
      },
    ],
  );
});
afterEach(() => db.close());

// The staging contract itself: every column text but the line number.
const stagedSchema = Object.fromEntries(
  stagedColumns.map((c) => [c, c === 'line_number' ? 'BIGINT' : 'VARCHAR']),
);

const staged = (over: Record<string, unknown>) => ({
  raw_object: 'raw/a.ndjson',
  line_number: 1,
  raw_record: '{}',
  symbol: 'AAPL',
  exchange: 'NASDAQ',
  interval: '1min',
  ts: '2024-01-02T14:30:00Z',
  open: '10',
  high: '11',
  low: '9',
  close: '10.5',
  volume: '100',
  object_date: '2024-01-03',
  object_ingested_at: '2024-01-03T00:00:00.000Z',
  ...over,
});

describe('01_parsed_records', () => {
  it('types the text fields and converts every timestamp form to UTC', async () => {
    await given(db, 'staged_records', stagedSchema, [
      staged({ line_number: 1, ts: '2024-01-02T14:30:00Z' }),
      staged({ line_number: 2, ts: '2024-01-02T16:30:00+02:00' }),
      staged({ line_number: 3, ts: '2024-01-02', interval: '1day' }),
      staged({ line_number: 4, ts: '2024-07-02 09:30:00', tz: 'America/New_York' }),
      staged({ line_number: 5, ts: '2024-01-02 09:30:00', tz: 'America/New_York' }),
      staged({ line_number: 6, exchange: null, source: null, ingested_at: null, ts: 'yesterday' }),
    ]);
    const rows = await runStep(db, 'parsed_records', 'line_number');
    expect(rows.map((r) => r.ts)).toEqual([
      '2024-01-02 14:30:00',
      '2024-01-02 14:30:00',
      '2024-01-02 00:00:00',
      '2024-07-02 13:30:00', // EDT, UTC-4
      '2024-01-02 14:30:00', // EST, UTC-5
      null,
    ]);
    expect(rows[5]).toMatchObject({
      exchange: '',
      source: 'file',
      ingested_at: '2024-01-03 00:00:00',
      open: 10,
    });
  });
});

describe('02_validated_records', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['clean', {}, ''],
    ['stage error only', { stage_error: 'unparseable_line', symbol: null }, 'unparseable_line'],
    ['missing symbol', { symbol: null }, 'missing_field'],
    ['missing close', { close: '' }, 'missing_field'],
    ['unknown key', { unknown_keys: 'foo' }, 'unknown_field'],
    ['unknown interval', { interval: '7min' }, 'unknown_interval'],
    ['non numeric', { open: 'abc' }, 'price_not_numeric'],
    ['infinite', { high: 'Infinity' }, 'price_not_finite'],
    ['nan', { low: 'NaN' }, 'price_not_finite'],
    ['zero price', { open: '0', low: '0' }, 'price_not_positive'],
    ['high below close', { high: '10.2' }, 'ohlc_inconsistent'],
    ['low above open', { low: '10.1' }, 'ohlc_inconsistent'],
    ['negative volume', { volume: '-1' }, 'volume_negative'],
    ['volume text', { volume: 'lots' }, 'volume_not_numeric'],
    ['bad ts', { ts: '2024-13-45T00:00:00Z' }, 'timestamp_unparseable'],
    ['future ts', { ts: '2024-06-01T00:01:00Z' }, 'timestamp_in_future'],
    ['bad ingested_at', { ingested_at: 'soon' }, 'ingested_at_unparseable'],
    ['two rules', { open: '-5', volume: '-2' }, 'price_not_positive,ohlc_inconsistent,volume_negative'],
    // Issue 13: accepted though wrong before.
    ['offset +25:00', { ts: '2024-01-02T14:30:00+25:00' }, 'timestamp_offset_out_of_range'],
    ['offset -14:30', { ts: '2024-01-02T14:30:00-1430' }, 'timestamp_offset_out_of_range'],
    ['offset +14:00 is real', { ts: '2024-01-02T14:30:00+14:00' }, ''],
    ['1799, before the floor', { ts: '1799-12-31T23:59:59Z' }, 'timestamp_before_floor'],
    // Outside the shared timestamp grammar (years 1000-9999, dialect.json): unparseable on both engines.
    ['year 0001', { ts: '0001-01-02T14:30:00Z' }, 'timestamp_unparseable'],
    ['1900 is history', { ts: '1900-01-02T14:30:00Z' }, ''],
    ['symbol of 81 bytes', { symbol: 'A'.repeat(81) }, 'symbol_too_long'],
    ['symbol of 80 bytes', { symbol: 'é'.repeat(40) }, ''],
    ['untrimmed ndjson text', { symbol: ' AAPL ', interval: '1min ', close: ' 10.5' }, ''],
  ];
  it('gives each rule its reason code', async () => {
    await given(
      db,
      'staged_records',
      stagedSchema,
      cases.map(([, over], i) => staged({ line_number: i + 1, ...over })),
    );
    await runStep(db, 'parsed_records');
    const rows = await runStep(db, 'validated_records', 'line_number');
    expect(rows.map((r) => [cases[Number(r.line_number) - 1]![0], r.reason_codes_csv])).toEqual(
      cases.map(([name, , codes]) => [name, codes]),
    );
    const q = await runStep(db, 'quarantine_new', 'line_number');
    expect(q[0]).toMatchObject({
      reason_codes: ['unparseable_line'],
      job_run_id: 'run-9',
      date: '2024-01-03',
    });
    const clean = cases.filter(([, , codes]) => codes === '').length;
    expect(q).toHaveLength(cases.length - clean);
    const valid = await runStep(db, 'valid_bars', 'line_number');
    expect(valid).toHaveLength(clean);
    expect(valid[0]).toMatchObject({ date: '2024-01-02', is_new: 1, is_context: 0, close: 10.5 });
    // NDJSON text is trimmed like CSV's: no second symbol "AAPL ".
    expect(new Set(valid.map((v) => v.symbol))).toEqual(new Set(['AAPL', 'é'.repeat(40)]));
  });

  it('names the fields behind missing_field, unknown_field and duplicate_field (issue 14)', async () => {
    const none = { symbol: null, interval: null, ts: null, open: null, high: null, low: null, close: null };
    const detailCases: Array<[Record<string, unknown>, string, string | null]> = [
      [
        { ...none, volume: null, unknown_keys: 'ticker, freq, time, o, h, l, c, v' },
        'missing_field,unknown_field',
        'missing: symbol, interval, ts, open, high, low, close; unknown: ticker, freq, time, o, h, l, c, v',
      ],
      [{ symbol: null, ts: ' ' }, 'missing_field', 'missing: symbol, ts'],
      [{ duplicate_keys: 'ts, timestamp' }, 'duplicate_field', 'duplicate: ts, timestamp'],
      [{ unknown_keys: 'k'.repeat(250) }, 'unknown_field', `unknown: ${'k'.repeat(199)}…`],
      [{ unknown_keys: 'é'.repeat(200) }, 'unknown_field', `unknown: ${'é'.repeat(200)}`],
      // Other reasons carry no detail; neither does a clean row or a stage error.
      [{ open: '-1' }, 'price_not_positive,ohlc_inconsistent', null],
      [{}, '', null],
      [{ stage_error: 'unparseable_line', symbol: null, unknown_keys: 'x' }, 'unparseable_line', null],
    ];
    await given(
      db,
      'staged_records',
      stagedSchema,
      detailCases.map(([over], i) => staged({ line_number: i + 1, ...over })),
    );
    await runStep(db, 'parsed_records');
    const rows = await runStep(db, 'validated_records', 'line_number');
    expect(rows.map((r) => [r.reason_codes_csv, r.reason_detail])).toEqual(
      detailCases.map(([, codes, detail]) => [codes, detail]),
    );
    const q = await runStep(db, 'quarantine_new', 'line_number');
    expect(q.map((r) => r.reason_detail)).toEqual(
      detailCases.filter(([, codes]) => codes !== '').map(([, , detail]) => detail),
    );
    const top = await runStep(db, 'quarantine_top', 'rank');
    expect(top.map((r) => [r.reason_codes_csv, r.reason_detail, Number(r.rows)])).toEqual([
      ['duplicate_field', 'duplicate: ts, timestamp', 1],
      ['missing_field', 'missing: symbol, ts', 1],
      [
        'missing_field,unknown_field',
        'missing: symbol, interval, ts, open, high, low, close; unknown: ticker, freq, time, o, h, l, c, v',
        1,
      ],
      ['price_not_positive,ohlc_inconsistent', null, 1],
      ['unknown_field', `unknown: ${'k'.repeat(199)}…`, 1],
    ]);
  });
});

/** A processed table's columns as tables.ts declares them, plus what the plan's relation adds. */
const tableSchema = (table: TableName, extra: Schema): Schema => ({
  ...Object.fromEntries(tables[table].columns.map((c) => [c.name, duckdbType[c.type]])),
  ...extra,
});
const hourlySchema = tableSchema('bars_hourly', { date: 'VARCHAR' });
const dailySchema = tableSchema('bars_daily', { is_context: 'INTEGER' });
const existingSchema = { ...barSchema, plan_version: 'VARCHAR', date: 'VARCHAR', is_context: 'INTEGER' };
// In 04_valid_bars' column order: 05 unions it with existing_bars by position.
const validSchema = {
  ...barSchema,
  line_number: 'BIGINT',
  date: 'VARCHAR',
  plan_version: 'VARCHAR',
  is_new: 'INTEGER',
  is_context: 'INTEGER',
};
const bar = (over: Record<string, unknown>) => ({
  symbol: 'AAPL',
  exchange: 'X',
  interval: '1min',
  ts: '2024-01-02 14:30:00',
  open: 10,
  high: 11,
  low: 9,
  close: 10,
  volume: 100,
  source: 'file',
  ingested_at: '2024-01-03 00:00:00',
  raw_object: 'raw/a',
  date: '2024-01-02',
  is_context: 0,
  ...over,
});

/** Step 05 in full: the revisions, whether any key repeats, the ranking. */
const dedupe = async (orderBy?: string) => {
  await runStep(db, 'bar_revisions');
  await runStep(db, 'bar_revisions_repeat');
  return runStep(db, 'dedupe_bars', orderBy);
};

describe('05_dedupe_bars', () => {
  it('ranks revisions by ingested_at, raw object, line, new over existing', async () => {
    await given(db, 'valid_bars', validSchema, [
      bar({ close: 1, raw_object: 'raw/b', line_number: 1, is_new: 1 }),
      bar({ close: 2, raw_object: 'raw/b', line_number: 2, is_new: 1 }),
      bar({ close: 3, raw_object: 'raw/a', line_number: 9, is_new: 1, ingested_at: '2024-01-04 00:00:00' }),
      bar({ close: 4, raw_object: 'raw/c', line_number: 1, is_new: 1, ts: '2024-01-02 14:31:00' }),
    ]);
    await given(db, 'existing_bars', existingSchema, [
      bar({ close: 5, raw_object: 'raw/c', ts: '2024-01-02 14:31:00' }),
      bar({ close: 6, raw_object: 'raw/z', ts: '2024-01-02 14:32:00' }),
    ]);
    const rows = await dedupe('ts, revision_rank');
    expect(rows.map((r) => [r.close, r.revision_rank])).toEqual([
      [3, '1'],
      [2, '2'],
      [1, '3'],
      [4, '1'],
      [5, '2'],
      [6, '1'],
    ]);
  });

  it('ranks keys with a NULL part together, as PARTITION BY does (NULL-safe keys)', async () => {
    await given(db, 'valid_bars', validSchema, [
      bar({ close: 1, exchange: null, raw_object: 'raw/a', line_number: 1, is_new: 1 }),
      bar({ close: 2, exchange: null, raw_object: 'raw/b', line_number: 1, is_new: 1 }),
      bar({ close: 3, raw_object: 'raw/c', line_number: 1, is_new: 1 }),
    ]);
    await given(db, 'existing_bars', existingSchema, []);
    const rows = await dedupe('close');
    expect(rows.map((r) => [r.close, r.revision_rank])).toEqual([
      [1, '2'],
      [2, '1'],
      [3, '1'],
    ]);
  });

  it('gives every revision rank 1 when no key repeats (the repeat flag is false), existing rows included', async () => {
    await given(db, 'valid_bars', validSchema, [
      bar({ close: 1, line_number: 1, is_new: 1 }),
      bar({ close: 2, line_number: 2, is_new: 1, ts: '2024-01-02 14:31:00' }),
      // Same ts, another interval: another bar.
      bar({ close: 3, line_number: 3, is_new: 1, interval: '5min' }),
    ]);
    await given(db, 'existing_bars', existingSchema, [
      bar({ close: 4, ts: '2024-01-02 14:32:00', is_context: 1 }),
    ]);
    const rows = await dedupe('close');
    expect(await db.all('SELECT any_key_repeats FROM bar_revisions_repeat')).toEqual([
      { any_key_repeats: false },
    ]);
    expect(rows.map((r) => [r.close, r.revision_rank, r.is_new, r.is_context])).toEqual([
      [1, '1', 1, 0],
      [2, '1', 1, 0],
      [3, '1', 1, 0],
      [4, '1', 0, 1],
    ]);
  });

  it('ranks once a key repeats, even if only between a new row and an existing one', async () => {
    await given(db, 'valid_bars', validSchema, [bar({ close: 1, line_number: 1, is_new: 1 })]);
    await given(db, 'existing_bars', existingSchema, [bar({ close: 2 })]);
    const rows = await dedupe('revision_rank');
    expect(await db.all('SELECT any_key_repeats FROM bar_revisions_repeat')).toEqual([
      { any_key_repeats: true },
    ]);
    // The same row read again: the new copy wins.
    expect(rows.map((r) => [r.close, r.revision_rank])).toEqual([
      [1, '1'],
      [2, '2'],
    ]);
  });

  it('flags a VWAP term of 1e15 or more (any_huge_term) in any revision, a losing or existing one included', async () => {
    const flags = async (
      valid: Array<Record<string, unknown>>,
      existing: Array<Record<string, unknown>> = [],
    ) => {
      await given(db, 'valid_bars', validSchema, valid);
      await given(db, 'existing_bars', existingSchema, existing);
      await runStep(db, 'bar_revisions');
      return runStep(db, 'bar_revisions_repeat');
    };
    const flag = async (valid: Array<Record<string, unknown>>, existing?: Array<Record<string, unknown>>) =>
      (await flags(valid, existing))[0]!.any_huge_term;
    expect(
      await flag([bar({ is_new: 1 }), bar({ volume: null, ts: '2024-01-02 14:31:00', is_new: 1 })]),
    ).toBe(false);
    // Just below: typical price 10 x 99,999,999,999,999 shares.
    expect(await flag([bar({ high: 10, low: 10, close: 10, volume: 99_999_999_999_999, is_new: 1 })])).toBe(
      false,
    );
    expect(await flag([bar({ high: 10, low: 10, close: 10, volume: 1e14, is_new: 1 })])).toBe(true);
    expect(await flag([bar({ high: 0, low: 0, close: 0, volume: 1e15, is_new: 1 })])).toBe(true);
    // The existing revision loses to the new one, and is still looked at.
    expect(await flag([bar({ line_number: 1, is_new: 1 })], [bar({ volume: 1e16 })])).toBe(true);
    expect(await flags([])).toEqual([{ any_key_repeats: false, any_huge_term: false }]);
  });
});

const rankedSchema = { ...validSchema, revision_rank: 'BIGINT' };
/** 06's inputs: the ranked bars, and 05's flags computed by the real step over the same rows. */
const givenRanked = async (rows: Array<Record<string, unknown>>) => {
  await given(db, 'dedupe_bars', rankedSchema, rows);
  await db.run(
    'CREATE OR REPLACE TEMP TABLE bar_revisions AS SELECT * EXCLUDE (revision_rank) FROM dedupe_bars',
  );
  await runStep(db, 'bar_revisions_repeat');
};

describe('06_bars_out', () => {
  it('keeps only the winners and marks the new ones', async () => {
    await givenRanked([
      { ...bar({ close: 1 }), revision_rank: 1, is_new: 1 },
      { ...bar({ close: 2 }), revision_rank: 2, is_new: 1 },
      { ...bar({ close: 3, ts: '2024-01-02 14:31:00' }), revision_rank: 1, is_new: 0 },
    ]);
    const out = await runStep(db, 'bars_out', 'ts');
    expect(out.map((r) => [r.close, r.is_new])).toEqual([
      [1, 1],
      [3, 0],
    ]);
  });

  it('computes pct_change across partitions and session vwap per UTC date', async () => {
    const rows = [
      bar({ ts: '2024-01-01 23:59:00', date: '2024-01-01', close: 8, is_context: 1 }),
      bar({ ts: '2024-01-02 00:00:00', close: 10, high: 12, low: 9, volume: 10 }),
      bar({ ts: '2024-01-02 00:01:00', close: 11, high: 12, low: 10, volume: 0 }),
      bar({ ts: '2024-01-02 00:02:00', close: 12, high: 13, low: 11, volume: 30 }),
    ];
    await givenRanked(rows.map((r) => ({ ...r, revision_rank: 1, is_new: 1 })));
    const out = await runStep(db, 'bars_out', 'ts');
    expect(out.map((r) => r.pct_change)).toEqual([null, 0.25, 0.10000000000000009, 12 / 11 - 1]);
    const tp1 = (12 + 9 + 10) / 3;
    const tp3 = (13 + 11 + 12) / 3;
    expect(out[1]!.vwap).toBeCloseTo(tp1, 12);
    expect(out[2]!.vwap).toBeNull();
    expect(out[3]!.vwap).toBeCloseTo((tp1 * 10 + tp3 * 30) / 40, 12);
  });

  it('pct_change of a day’s first bar is against the last bar of the previous date with bars, per symbol and interval', async () => {
    // Two symbols and two intervals interleaved in time, a date without bars in between,
    // and a day of one symbol missing: each series' previous bar is its own.
    const rows = [
      bar({ ts: '2024-01-01 23:58:00', date: '2024-01-01', close: 7, is_context: 1 }),
      bar({ ts: '2024-01-01 23:59:00', date: '2024-01-01', close: 8, is_context: 1 }),
      bar({ symbol: 'MSFT', ts: '2024-01-01 23:59:00', date: '2024-01-01', close: 100 }),
      bar({ interval: '5min', ts: '2024-01-01 23:55:00', date: '2024-01-01', close: 50 }),
      bar({ ts: '2024-01-03 00:00:00', date: '2024-01-03', close: 10 }),
      bar({ ts: '2024-01-03 00:01:00', date: '2024-01-03', close: 11 }),
      bar({ symbol: 'MSFT', ts: '2024-01-02 12:00:00', date: '2024-01-02', close: 110 }),
      bar({ symbol: 'MSFT', ts: '2024-01-04 00:00:00', date: '2024-01-04', close: 121 }),
      bar({ interval: '5min', ts: '2024-01-03 00:00:00', date: '2024-01-03', close: 55 }),
    ];
    await givenRanked(rows.map((r) => ({ ...r, revision_rank: 1, is_new: 1 })));
    const out = await runStep(db, 'bars_out', 'symbol, interval, ts');
    expect(out.map((r) => [r.symbol, r.interval, r.ts, r.pct_change])).toEqual([
      ['AAPL', '1min', '2024-01-01 23:58:00', null],
      ['AAPL', '1min', '2024-01-01 23:59:00', 8 / 7 - 1],
      ['AAPL', '1min', '2024-01-03 00:00:00', 10 / 8 - 1],
      ['AAPL', '1min', '2024-01-03 00:01:00', 11 / 10 - 1],
      ['AAPL', '5min', '2024-01-01 23:55:00', null],
      ['AAPL', '5min', '2024-01-03 00:00:00', 55 / 50 - 1],
      ['MSFT', '1min', '2024-01-01 23:59:00', null],
      ['MSFT', '1min', '2024-01-02 12:00:00', 110 / 100 - 1],
      ['MSFT', '1min', '2024-01-04 00:00:00', 121 / 110 - 1],
    ]);
  });

  it('session vwap falls back to the float running sum from a term of 1e15 or more on, instead of overflowing', async () => {
    const rows = [
      bar({ ts: '2024-01-02 00:00:00', close: 10, high: 12, low: 9, volume: 10 }),
      bar({ ts: '2024-01-02 00:01:00', close: 10, high: 10, low: 10, volume: 2e15 }),
    ];
    await givenRanked(rows.map((r) => ({ ...r, revision_rank: 1, is_new: 1 })));
    const out = await runStep(db, 'bars_out', 'ts');
    const tp1 = (12 + 9 + 10) / 3;
    expect(out[0]!.vwap).toBeCloseTo(tp1, 12);
    expect(out[1]!.vwap).toBeCloseTo((tp1 * 10 + 10 * 2e15) / (10 + 2e15), 12);
  });

  it('a term too large for the exact sum falls back in its own session; the run’s other sessions stay exact', async () => {
    // 1e20 shares at 10: 1e21 is more than DuckDB's HUGEINT holds in units of 1e-18
    // (and DECIMAL(38, 18) on Spark), so without the guard the sum would overflow.
    const rows = [
      bar({ ts: '2024-01-02 00:00:00', high: 2, low: 2, close: 2, volume: 0.1 }),
      bar({ ts: '2024-01-02 00:01:00', high: 1, low: 1, close: 1, volume: 0.2 }),
      bar({ symbol: 'MSFT', ts: '2024-01-02 00:00:00', close: 10, high: 12, low: 9, volume: 10 }),
      bar({ symbol: 'MSFT', ts: '2024-01-02 00:01:00', close: 10, high: 10, low: 10, volume: 1e20 }),
    ];
    await givenRanked(rows.map((r) => ({ ...r, revision_rank: 1, is_new: 1 })));
    const out = await runStep(db, 'bars_out', 'symbol, ts');
    // Exact: (0.2 + 0.2) / (0.1 + 0.2) is 0.4 / 0.3; float sums give 0.4 / 0.30000000000000004.
    expect(0.4 / (0.1 + 0.2)).not.toBe(0.4 / 0.3);
    expect(out.map((r) => r.vwap).slice(0, 2)).toEqual([2, 0.4 / 0.3]);
    const tp1 = (12 + 9 + 10) / 3;
    expect(out[3]!.vwap).toBeCloseTo((tp1 * 10 + 10 * 1e20) / (10 + 1e20), 12);
  });
});

const barsOutSchema = {
  ...barSchema,
  pct_change: 'DOUBLE',
  vwap: 'DOUBLE',
  plan_version: 'VARCHAR',
  date: 'VARCHAR',
  is_context: 'INTEGER',
};

describe('07_hourly_fresh and 08_hourly_out', () => {
  it('rolls up by hour and replaces only recomputed symbol-days', async () => {
    await given(db, 'bars_out', barsOutSchema, [
      bar({ ts: '2024-01-02 14:30:00', open: 10, high: 12, low: 9, close: 11, volume: 10 }),
      bar({ ts: '2024-01-02 14:59:00', open: 11, high: 15, low: 10, close: 14, volume: null }),
      bar({ ts: '2024-01-02 15:00:00', open: 14, high: 14, low: 13, close: 13, volume: 5 }),
      bar({ ts: '2024-01-02 00:00:00', interval: '1day', open: 1, high: 2, low: 1, close: 2, volume: 5 }),
      bar({ ts: '2024-01-01 15:00:00', date: '2024-01-01', is_context: 1 }),
    ]);
    const fresh = await runStep(db, 'hourly_fresh', 'interval, ts');
    expect(fresh).toHaveLength(2);
    expect(fresh[0]).toMatchObject({
      ts: '2024-01-02 14:00:00',
      open: 10,
      high: 15,
      low: 9,
      close: 14,
      volume: 10,
      bar_count: '2',
      vwap: (12 + 9 + 11) / 3,
    });
    await given(db, 'existing_hourly', hourlySchema, [
      { ...bar({ ts: '2024-01-02 14:00:00', close: 99 }), bar_count: 60 },
      { ...bar({ symbol: 'MSFT', ts: '2024-01-02 14:00:00', close: 7 }), bar_count: 60 },
    ]);
    const out = await runStep(db, 'hourly_out', 'symbol, ts');
    expect(out.map((r) => [r.symbol, r.ts, r.close])).toEqual([
      ['AAPL', '2024-01-02 14:00:00', 14],
      ['AAPL', '2024-01-02 15:00:00', 13],
      ['MSFT', '2024-01-02 14:00:00', 7],
    ]);
  });
});

describe('09_daily_fresh and 10_daily_out', () => {
  it('prefers a source daily bar, else the finest interval, and recomputes returns', async () => {
    await given(db, 'bars_out', barsOutSchema, [
      bar({ ts: '2024-01-02 14:30:00', close: 11, volume: 10 }),
      bar({ ts: '2024-01-02 15:30:00', close: 12, volume: 10 }),
      bar({ ts: '2024-01-02 15:00:00', interval: '1h', close: 50 }),
      bar({ ts: '2024-01-03 00:00:00', date: '2024-01-03', interval: '1day', close: 13, volume: 1000 }),
      bar({ ts: '2024-01-03 14:30:00', date: '2024-01-03', close: 77 }),
    ]);
    const fresh = await runStep(db, 'daily_fresh', 'trade_date');
    expect(fresh.map((r) => [r.trade_date, r.close, r.bar_count])).toEqual([
      ['2024-01-02', 12, '2'],
      ['2024-01-03', 13, '1'],
    ]);
    const day = (trade_date: string, close: number, is_context = 0) => ({
      ...bar({}),
      trade_date,
      close,
      bar_count: 1,
      daily_return: 123,
      is_context,
    });
    await given(db, 'existing_daily', dailySchema, [
      day('2023-12-29', 10, 1),
      day('2024-01-02', 999),
      day('2024-01-04', 26),
    ]);
    const out = await runStep(db, 'daily_out', 'trade_date');
    expect(out.map((r) => [r.trade_date, r.close, r.daily_return, r.month, r.is_context])).toEqual([
      ['2023-12-29', 10, null, '2023-12', 1],
      ['2024-01-02', 12, 12 / 10 - 1, '2024-01', 0],
      ['2024-01-03', 13, 13 / 12 - 1, '2024-01', 0],
      ['2024-01-04', 26, 1, '2024-01', 0],
    ]);
    expect(out[3]!.log_return).toBeCloseTo(Math.log(2), 12);
  });
});

describe('12_quarantine_out and 07_run_counts', () => {
  it('keeps one row per raw line, the first run wins', async () => {
    const qSchema = {
      raw_object: 'VARCHAR',
      line_number: 'BIGINT',
      reason_codes: 'VARCHAR[]',
      reason_detail: 'VARCHAR',
      raw_record: 'VARCHAR',
      symbol: 'VARCHAR',
      job_run_id: 'VARCHAR',
      plan_version: 'VARCHAR',
      date: 'VARCHAR',
    };
    const q = (line: number, run: string) => ({
      raw_object: 'raw/a',
      line_number: line,
      reason_codes: '[missing_field]',
      raw_record: 'x',
      job_run_id: run,
      date: '2024-01-03',
    });
    await given(db, 'existing_quarantine', qSchema, [q(1, 'run-1'), q(2, 'run-1')]);
    await given(db, 'quarantine_new', qSchema, [q(2, 'run-2'), q(3, 'run-2')]);
    const out = await runStep(db, 'quarantine_out', 'line_number');
    expect(out.map((r) => [r.line_number, r.job_run_id])).toEqual([
      ['1', 'run-1'],
      ['2', 'run-1'],
      ['3', 'run-2'],
    ]);
    await given(db, 'validated_records', { x: 'INTEGER' }, [
      { x: 1 },
      { x: 2 },
      { x: 3 },
      { x: 4 },
      { x: 5 },
    ]);
    // Two clean new rows, one of which won the dedupe; one existing winner.
    await given(db, 'valid_bars', { x: 'INTEGER' }, [{ x: 1 }, { x: 2 }]);
    await given(db, 'bars_out', { is_new: 'INTEGER' }, [{ is_new: 1 }, { is_new: 0 }]);
    const counts = await runStep(db, 'run_counts');
    expect(counts[0]).toEqual({ rows_in: '5', rows_kept: '1', rows_quarantined: '2', duplicates: '1' });
  });
});

describe('plan_version: the plan that produced each row (run_params.plan_version is pv-new)', () => {
  it('bars: a new winner takes the run’s version; a carried-over row keeps its own, NULL included', async () => {
    await given(db, 'valid_bars', validSchema, [
      // A revision that replaces an existing bar.
      bar({
        ts: '2024-01-02 14:30:00',
        ingested_at: '2024-01-05 00:00:00',
        line_number: 1,
        is_new: 1,
        plan_version: 'pv-new',
      }),
      // The same row read again (same ingested_at and object): the new copy wins.
      bar({
        ts: '2024-01-02 14:31:00',
        raw_object: 'raw/same',
        line_number: 2,
        is_new: 1,
        plan_version: 'pv-new',
      }),
    ]);
    await given(db, 'existing_bars', existingSchema, [
      bar({ ts: '2024-01-02 14:30:00', plan_version: 'pv-old' }),
      bar({ ts: '2024-01-02 14:31:00', raw_object: 'raw/same', plan_version: 'pv-old' }),
      // Carried over: not read from raw by this run, so not validated again.
      bar({ ts: '2024-01-02 14:32:00', plan_version: 'pv-old' }),
      bar({ ts: '2024-01-02 14:33:00', plan_version: null }),
    ]);
    await dedupe();
    const out = await runStep(db, 'bars_out', 'ts');
    expect(out.map((r) => [r.ts, r.plan_version, r.is_new])).toEqual([
      ['2024-01-02 14:30:00', 'pv-new', 1],
      ['2024-01-02 14:31:00', 'pv-new', 1],
      ['2024-01-02 14:32:00', 'pv-old', 0],
      ['2024-01-02 14:33:00', null, 0],
    ]);
  });

  it('04_valid_bars and 03_quarantine_new stamp this run’s rows with run_params.plan_version', async () => {
    await given(
      db,
      'validated_records',
      {
        ...barSchema,
        line_number: 'BIGINT',
        object_date: 'VARCHAR',
        reason_codes_csv: 'VARCHAR',
        reason_detail: 'VARCHAR',
        raw_record: 'VARCHAR',
      },
      [
        { ...bar({}), line_number: 1, object_date: '2024-01-03', reason_codes_csv: '' },
        {
          ...bar({}),
          line_number: 2,
          object_date: '2024-01-03',
          reason_codes_csv: 'missing_field',
          raw_record: '{}',
        },
      ],
    );
    const valid = await runStep(db, 'valid_bars');
    expect(valid.map((r) => [r.line_number, r.plan_version])).toEqual([['1', 'pv-new']]);
    const q = await runStep(db, 'quarantine_new');
    expect(q.map((r) => [r.line_number, r.plan_version, r.job_run_id])).toEqual([['2', 'pv-new', 'run-9']]);
  });

  it('rollups: a fresh row takes the run’s version, a kept one keeps its own', async () => {
    await given(db, 'bars_out', barsOutSchema, [
      bar({ ts: '2024-01-02 14:30:00', close: 11, volume: 10, plan_version: 'pv-old' }),
    ]);
    await runStep(db, 'hourly_fresh');
    await given(db, 'existing_hourly', hourlySchema, [
      { ...bar({ ts: '2024-01-02 14:00:00' }), bar_count: 1, plan_version: 'pv-old' },
      { ...bar({ symbol: 'MSFT', ts: '2024-01-02 14:00:00' }), bar_count: 1, plan_version: null },
    ]);
    const hourly = await runStep(db, 'hourly_out', 'symbol');
    // The rollup is this run's work even when the bars under it were validated earlier.
    expect(hourly.map((r) => [r.symbol, r.plan_version])).toEqual([
      ['AAPL', 'pv-new'],
      ['MSFT', null],
    ]);
    await runStep(db, 'daily_fresh');
    const day = (symbol: string, plan_version: string | null) => ({
      ...bar({ symbol }),
      trade_date: '2024-01-02',
      bar_count: 1,
      plan_version,
      is_context: 0,
    });
    await given(db, 'existing_daily', dailySchema, [day('AAPL', 'pv-old'), day('MSFT', 'pv-old')]);
    const daily = await runStep(db, 'daily_out', 'symbol');
    expect(daily.map((r) => [r.symbol, r.plan_version])).toEqual([
      ['AAPL', 'pv-new'],
      ['MSFT', 'pv-old'],
    ]);
  });

  it('quarantine: the first run’s row keeps its version with its reasons', async () => {
    const qSchema = {
      raw_object: 'VARCHAR',
      line_number: 'BIGINT',
      reason_codes: 'VARCHAR[]',
      reason_detail: 'VARCHAR',
      raw_record: 'VARCHAR',
      symbol: 'VARCHAR',
      job_run_id: 'VARCHAR',
      plan_version: 'VARCHAR',
      date: 'VARCHAR',
    };
    const q = (line: number, run: string, plan_version: string | null) => ({
      raw_object: 'raw/a',
      line_number: line,
      reason_codes: '[missing_field]',
      raw_record: 'x',
      job_run_id: run,
      plan_version,
      date: '2024-01-03',
    });
    await given(db, 'existing_quarantine', qSchema, [q(1, 'run-1', null), q(2, 'run-1', 'pv-old')]);
    await given(db, 'quarantine_new', qSchema, [q(2, 'run-9', 'pv-new'), q(3, 'run-9', 'pv-new')]);
    const out = await runStep(db, 'quarantine_out', 'line_number');
    expect(out.map((r) => [r.line_number, r.plan_version])).toEqual([
      ['1', null],
      ['2', 'pv-old'],
      ['3', 'pv-new'],
    ]);
  });
});
