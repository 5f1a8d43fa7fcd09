/**
 * The staging twins: the DuckDB runner's staging (stage-formats.ts and the NDJSON SQL in
 * stage-duckdb.ts) and the PySpark runner's (glue/etl_staging.py) on the same raw
 * objects give the same staged_records rows, column for column. The Python side stages as
 * the Glue job does (etl_staging.stage_objects: screened, read line by line, written to the
 * NDJSON parts Spark reads) and the parts are read back. Needs only Python (etl_staging.py
 * is pure Python), from the test venv.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { requireVenvPython } from '@ohlcv/core/testing/toolchain';
import { describe, expect, it } from 'vitest';
import { openDuckSession } from '../src/duckdb.ts';
import { loadPlan } from '../src/plan.ts';
import { stageObjects } from '../src/stage-duckdb.ts';
import { corpus } from './fixtures/bad-input.ts';
import { pool } from './fixtures/order-pool.ts';
import { stagingEdges } from './fixtures/staging-edges.ts';
import type { RawObject } from './lake-harness.ts';
import { ndjsonBar, TestLake } from './lake-harness.ts';

const { python, run } = requireVenvPython();
const stagingPy = fileURLToPath(new URL('../glue/etl_staging.py', import.meta.url));

const objects = [...stagingEdges, ...corpus, ...pool];

type Row = Record<string, unknown>;
const byPlace = (a: Row, b: Row) =>
  `${a.raw_object}`.localeCompare(`${b.raw_object}`) || Number(a.line_number) - Number(b.line_number);

async function duckdbStaged(lake: TestLake, manifest: ReturnType<TestLake['put']>[]): Promise<Row[]> {
  const db = await openDuckSession({ threads: 1 });
  const scratch = mkdtempSync(join(tmpdir(), 'staging-twins-'));
  try {
    // The text staging contract is what the Python twin mirrors; the typed fast path is
    // checked against this text path, table for table (typed-path.int.test.ts).
    const staging = await stageObjects(db, lake.root, manifest, scratch, undefined, undefined, false);
    const out: Row[] = [];
    for (let b = 0; b < staging.count; b++) {
      await staging.load(b);
      out.push(...(await db.all('SELECT * FROM staged_records')));
    }
    return out.map((r) => ({ ...r, line_number: Number(r.line_number) })).sort(byPlace);
  } finally {
    db.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function pythonStaged(
  manifest: ReturnType<TestLake['put']>[],
  lake: TestLake,
  chunkBytes?: number,
  s3 = false,
): Row[] {
  const request = {
    contract: loadPlan().staging,
    chunkBytes,
    s3,
    objects: manifest.map((o) => ({
      ...o,
      body_b64: readFileSync(join(lake.root, o.key)).toString('base64'),
    })),
  };
  const r = spawnSync(python!, [stagingPy], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
  });
  if (r.status !== 0) throw new Error(r.stderr);
  const columns = loadPlan().staging.columns;
  return (JSON.parse(r.stdout) as Row[])
    .map((rec) => Object.fromEntries(columns.map((c) => [c, rec[c] ?? null])))
    .sort(byPlace);
}

describe.runIf(run)('staging twins: TypeScript/DuckDB and Python stage the same records', () => {
  it('every fixture object, row for row and column for column', async () => {
    const lake = new TestLake();
    try {
      const seen = new Set<string>();
      const manifest = objects.filter((o) => !seen.has(o.key) && seen.add(o.key)).map((o) => lake.put(o));
      const duck = await duckdbStaged(lake, manifest);
      const py = pythonStaged(manifest, lake);
      expect(duck.length).toBeGreaterThan(40);
      expect(py).toEqual(duck);
      // The same through the Glue job's S3 store (moto): raw objects read as S3 streams, the
      // staged parts put into and read back from the bucket, then deleted.
      expect(pythonStaged(manifest, lake, undefined, true)).toEqual(duck);
    } finally {
      lake.cleanup();
    }
  });
});

describe.runIf(run)('staging twins: the same field names in every format (issue 14)', () => {
  const keys = ['raw/aliases.ndjson', 'raw/ticker.csv', 'raw/both-ts.csv', 'raw/td-keys.json'];
  it('both runners read aliases, ASCII case and duplicates alike, as the contract says', async () => {
    const lake = new TestLake();
    try {
      const manifest = stagingEdges.filter((o) => keys.includes(o.key)).map((o) => lake.put(o));
      const pick = (r: Row) => [
        r.raw_object,
        r.line_number,
        r.unknown_keys,
        r.duplicate_keys,
        r.symbol,
        r.interval,
        r.ts,
        r.open,
        r.close,
      ];
      const duck = (await duckdbStaged(lake, manifest)).map(pick);
      expect(pythonStaged(manifest, lake).map(pick)).toEqual(duck);
      const ts = '2024-01-02T15:00:00Z';
      expect(duck).toEqual([
        // `timestamp` instead of `ts`: read as ts (it was 100% quarantined before).
        ['raw/aliases.ndjson', 1, null, null, 'AAPL', '1min', ts, '10', '10'],
        // Both ts and timestamp, or ts and TS: ambiguous, every spelling named; the first value.
        ['raw/aliases.ndjson', 2, null, 'ts, timestamp', 'AAPL', '1min', ts, '10', '10'],
        ['raw/aliases.ndjson', 3, null, 'ts, TS', 'AAPL', '1min', ts, '10', '10'],
        // Any ASCII case, trimmed keys; unknown keys as written (an empty one as "").
        [
          'raw/aliases.ndjson',
          4,
          'a/b~c, "", é',
          null,
          'AAPL',
          '1min',
          '2024-01-02T15:02:00Z',
          '1.5',
          '12345678901234567890123',
        ],
        ['raw/aliases.ndjson', 5, 'ticker, freq, time, o, h, l, c, v', null, null, null, null, null, null],
        // A non-ASCII name matches no field (İ lower-cases differently per engine).
        ['raw/aliases.ndjson', 6, 'İnterval', 'symbol, Symbol, symbol', 'X', null, null, 'true', null],
        ['raw/both-ts.csv', 2, '"", ""', 'ts, Timestamp', 'AAPL', '1min', ts, '1', '1.5'],
        // Twelve Data values: the same mapping (DateTime, Open), unknown keys ignored.
        ['raw/td-keys.json', 1, null, null, 'AAPL', '1min', '2024-01-02 10:00:00', '1', '1.5'],
        [
          'raw/td-keys.json',
          2,
          null,
          'datetime, timestamp',
          'AAPL',
          '1min',
          '2024-01-02 10:01:00',
          '1',
          '1.5',
        ],
        ['raw/ticker.csv', 2, 'ticker, freq, time, o, h, l, c, v', null, null, null, null, null, null],
      ]);
    } finally {
      lake.cleanup();
    }
  });
});

/**
 * Objects whose lines, CR LF pairs, BOM and multibyte characters (2, 3 and 4 bytes in
 * UTF-8) fall across the Python reader's chunks when it reads a few bytes at a time.
 */
const straddling: RawObject[] = (() => {
  const bar = (over: Record<string, unknown>) =>
    JSON.stringify({
      ...(JSON.parse(ndjsonBar({ symbol: 'AAPL', ts: '2024-01-02T15:00:00Z', close: 10 })) as Row),
      ...over,
    });
  const header = 'symbol,exchange,interval,ts,open,high,low,close,volume';
  return [
    {
      key: 'raw/straddle.csv',
      body: [
        '\uFEFF\r',
        ' \t',
        `${header}\r`,
        'Ünï€,X€𝄞,1min,2024-01-02T15:00:00Z,1,2,0.5,1.5,3\r',
        '\r',
        '"é,""q""",𝄞𝄞,1min,2024-01-02T15:01:00Z,1,2,0.5,1.5,\r',
        '\v',
        '"open é,1min',
        'ÄAPL,Ω,1min,2024-01-02T15:02:00Z,1,2,0.5,1.5,3\r',
      ].join('\n'),
    },
    { key: 'raw/bom-first.csv', body: `\uFEFF${header}\nA,B,1min,2024-01-02T15:00:00Z,1,2,0.5,1.5,3\n` },
    { key: 'raw/no-final-newline.csv', body: `${header}\r\nAé,B,1day,2024-01-02,1,2,0.5,1.5,3\r` },
    {
      key: 'raw/straddle.ndjson',
      body: [
        `\uFEFF${bar({ symbol: 'Ünï€' })}\r`,
        ' \t\r',
        bar({ exchange: '𝄞 X', currency: 'é' }),
        '\v',
        '{"symbol":"\\u00e9\\ud834\\udd1e","close":"1,5"}\r',
        '{"symbol":"é" broken',
        // A lone surrogate escape: not JSON to DuckDB, so not to its Python twin either.
        '{"symbol":"\\ud800","close":"1"}',
        '{"symbol":"A","x":["é\\udd1e"]}',
        '{"symbol":"A","esc":"\\\\ud800"}',
        '',
        `${bar({ symbol: 'ΩΩΩ' })}\r`,
      ].join('\n'),
    },
    { key: 'raw/straddle.json', body: `\uFEFF${bar({ symbol: 'Ü' })}\r\n${bar({ symbol: '€' })}` },
    {
      key: 'raw/straddle-td.json',
      body: JSON.stringify({
        meta: { symbol: 'EUR/€', interval: '1min', exchange_timezone: 'Europe/Berlin' },
        values: [{ datetime: '2024-01-02 10:00:00', open: 'é', close: '𝄞' }],
      }),
    },
    {
      // Lone surrogate escapes in a value and in meta; a daily datetime whose first 10
      // UTF-16 units cut a pair; a valid pair: JSON.stringify's escapes, JavaScript's slice.
      key: 'raw/surrogate-td.json',
      body: `{"meta":{"symbol":"SUR","interval":"1day"},"values":[${[
        '{"datetime":"2024-01-02","open":"\\ud800","close":"1"}',
        '{"datetime":"2024-01-03","open":"1","close":"\\ud834\\udd1e"}',
        '{"datetime":"123456789\\ud834\\udd1e","open":"1","close":"1"}',
        '{"datetime":"2024-01-04","open":"1","close":"1"}',
      ].join(',')}]}`,
    },
    {
      key: 'raw/surrogate-meta-td.json',
      body: '{"meta":{"symbol":"S\\udc00","interval":"1day"},"values":[{"datetime":"2024-01-02","open":"1"}]}',
    },
    { key: 'raw/straddle.txt', body: `${bar({ symbol: 'Ü€𝄞' })}\r\n\r\n${bar({})}` },
    {
      key: 'raw/straddle.csv.gz',
      body: gzipSync(`\uFEFF${header}\r\nÜ,€,1min,2024-01-02T15:00:00Z,1,2,0.5,1.5,3\r\n`),
    },
  ];
})();

describe.runIf(run)('staging twins: the Python reader streams lines in chunks of any size (issue 13)', () => {
  it('lines, CR LF, a BOM and multibyte characters across chunk boundaries stage as TypeScript stages them', async () => {
    const lake = new TestLake();
    try {
      const manifest = [...straddling, ...stagingEdges].map((o) => lake.put(o));
      const duck = await duckdbStaged(lake, manifest);
      expect(duck.filter((r) => `${r.raw_object}`.includes('straddle')).length).toBeGreaterThan(15);
      for (const chunkBytes of [1, 2, 3, 5, 7, 64]) {
        expect({ chunkBytes, rows: pythonStaged(manifest, lake, chunkBytes) }).toEqual({
          chunkBytes,
          rows: duck,
        });
      }
    } finally {
      lake.cleanup();
    }
  });
});
