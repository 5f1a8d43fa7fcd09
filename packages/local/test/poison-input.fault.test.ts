/**
 * The fault suite of issue 13: every class of poison input, dropped together with a good
 * file, through the real embedded runtime (drop into raw/, drain). The big inputs are
 * generated here at run time, in the test's temp folder, once each.
 *
 * Asserted: the good rows are in ohlcv.bars; each bad object is quarantined with its
 * reason; no run is left RUNNING or FAILED; per object, rows in = kept + quarantined +
 * duplicates; the raw files are byte-identical afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { createTwelveDataClient } from '@ohlcv/twelvedata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime, localServices, resolveHome, stagingLimitsFromEnv } from '../src/index.ts';
import { csvBars, tempHome } from './pipeline-fixtures.ts';

const MiB = 1024 * 1024;
const CSV_HEADER = 'symbol,interval,timestamp,open,high,low,close,volume\n';
const bar = (symbol: string, ts: string, close = 100) =>
  JSON.stringify({
    symbol,
    exchange: 'XNAS',
    mic_code: 'XNGS',
    currency: 'USD',
    instrument_type: 'Common Stock',
    interval: '1min',
    ts,
    open: close,
    high: close + 1,
    low: close - 1,
    close,
    volume: 100,
    source: 'file',
    ingested_at: '2024-03-09T00:00:00Z',
  });

/** `size` bytes of `byte`, streamed (never one big string in this process). */
function repeated(byte: number, size: number): Readable {
  const chunk = Buffer.alloc(MiB, byte);
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) return this.push(null);
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

const concat = (...parts: (string | Readable)[]): Readable =>
  Readable.from(
    (async function* () {
      for (const p of parts) {
        if (typeof p === 'string') yield Buffer.from(p);
        else for await (const c of p) yield c as Buffer;
      }
    })(),
  );

interface Case {
  key: string;
  /** Non-blank lines (CSV: without the header): what "rows in" counts. */
  rowsIn: number;
  kept: number;
  reasons: string[];
  make: (file: string) => Promise<void>;
}

const write = (body: string | Buffer) => async (file: string) => fs.writeFileSync(file, body);
const stream =
  (src: () => Readable, gzip = false) =>
  async (file: string) =>
    gzip
      ? pipeline(src(), createGzip({ level: 1 }), fs.createWriteStream(file))
      : pipeline(src(), fs.createWriteStream(file));

const cases: Case[] = [
  { key: 'good.csv', rowsIn: 30, kept: 30, reasons: [], make: write(csvBars('GOOD', '2024-03-08', 30, 1)) },
  {
    key: 'line-200mb.csv',
    rowsIn: 1,
    kept: 0,
    reasons: ['line_too_long'],
    make: stream(() => concat(CSV_HEADER, repeated(0x41, 200 * MiB))),
  },
  {
    key: 'line-200mb.ndjson',
    rowsIn: 2,
    kept: 1,
    reasons: ['line_too_long'],
    make: stream(() =>
      concat('{"symbol":"', repeated(0x41, 200 * MiB), '"}\n', `${bar('NDJ', '2024-03-08T14:30:00Z')}\n`),
    ),
  },
  { key: 'random.ndjson', rowsIn: 1, kept: 0, reasons: ['unreadable_object'], make: write(randomBytes(MiB)) },
  {
    key: 'zeros-1gib.ndjson.gz',
    rowsIn: 1,
    kept: 0,
    reasons: ['unreadable_object'],
    make: stream(() => repeated(0, 1024 * MiB), true),
  },
  {
    key: 'broken.csv.gz',
    rowsIn: 1,
    kept: 0,
    reasons: ['unreadable_object'],
    make: write(
      gzipSync(Buffer.from(`${CSV_HEADER}X,1min,2024-03-08T14:30:00Z,1,2,1,1,1\n`)).subarray(0, 30),
    ),
  },
  {
    key: 'long-symbol.ndjson',
    rowsIn: 2,
    kept: 1,
    reasons: ['symbol_too_long'],
    make: write(`${bar('S'.repeat(249), '2024-03-08T14:30:00Z')}\n${bar('SHORT', '2024-03-08T14:30:00Z')}\n`),
  },
  {
    key: 'wrong.ndjson',
    rowsIn: 3,
    kept: 1,
    reasons: ['timestamp_before_floor', 'timestamp_offset_out_of_range'],
    make: write(
      [
        bar('WRONG', '2024-03-08T14:30:00+25:00'),
        bar('WRONG', '0001-03-08T14:30:00Z'),
        bar('TRIM ', '2024-03-08T14:31:00Z'), // kept, as "TRIM"
      ].join('\n'),
    ),
  },
];

let home: { root: string; cleanup: () => void };
let rt: LocalRuntime;
const md5 = async (file: string) => {
  const h = createHash('md5');
  await pipeline(fs.createReadStream(file), h);
  return h.digest('hex');
};
const before = new Map<string, string>();

beforeAll(async () => {
  home = tempHome('ohlcv-fault-');
  const layout = resolveHome({ OHLCV_HOME: home.root }, '/');
  const raw = path.join(layout.lake, 'raw', 'drops');
  fs.mkdirSync(raw, { recursive: true });
  for (const c of cases) {
    const file = path.join(raw, c.key);
    await c.make(file);
    before.set(c.key, await md5(file));
  }
  // The gzip bomb decompresses past this cap; the 200 MB lines stay under it.
  rt = LocalRuntime.open({
    home: layout,
    etl: { limits: stagingLimitsFromEnv({ OHLCV_MAX_OBJECT_BYTES: String(256 * MiB) }) },
  });
  rt.attachServices(
    localServices({
      marketData: createTwelveDataClient({ apiKey: 'unused', baseUrl: 'http://127.0.0.1:9' }),
      env: {},
    }),
  );
  await rt.drain();
}, 300_000);

afterAll(async () => {
  await rt?.close();
  home?.cleanup();
});

const rows = (sql: string) => rt.catalog.queryEngine.query(sql);

describe('poison input dropped with a good file', () => {
  it('no run is left RUNNING, none failed', () => {
    expect(rt.jobRunner.counts()).toMatchObject({ RUNNING: 0, WAITING: 0, FAILED: 0, TIMEOUT: 0 });
    expect(rt.jobRunner.counts().SUCCEEDED).toBeGreaterThanOrEqual(1);
  });

  it('the good rows are in ohlcv.bars', async () => {
    const bySymbol = Object.fromEntries(
      (await rows('SELECT symbol, count(*) AS n FROM ohlcv.bars GROUP BY symbol')).map((r) => [
        r.symbol,
        r.n,
      ]),
    );
    expect(bySymbol).toEqual({ GOOD: 30, NDJ: 1, SHORT: 1, TRIM: 1 });
  });

  it.each(cases.filter((c) => c.reasons.length > 0))('$key is quarantined with its reason', async (c) => {
    const q = await rows(
      `SELECT line_number, reason_codes, raw_record FROM ohlcv.quarantine WHERE raw_object = 'raw/drops/${c.key}' ORDER BY line_number`,
    );
    expect([...new Set(q.flatMap((r) => r.reason_codes as string[]))].sort()).toEqual(c.reasons);
    // A quarantined line keeps a prefix of its text, never all of it.
    for (const r of q) expect(String(r.raw_record).length).toBeLessThanOrEqual(1024);
  });

  it.each(cases)('$key: rows in = kept + quarantined + duplicates', async (c) => {
    const where = `raw_object = 'raw/drops/${c.key}'`;
    const [kept] = await rows(`SELECT count(*) AS n FROM ohlcv.bars WHERE ${where}`);
    const [quarantined] = await rows(`SELECT count(*) AS n FROM ohlcv.quarantine WHERE ${where}`);
    expect({ kept: kept!.n, quarantined: quarantined!.n }).toEqual({
      kept: c.kept,
      quarantined: c.rowsIn - c.kept,
    });
  });

  it('the run summary accounts for every row', async () => {
    const runs = fs.readdirSync(path.join(home.root, 'lake', '_runs'));
    const summaries = runs.map((r) =>
      JSON.parse(fs.readFileSync(path.join(home.root, 'lake', '_runs', r, 'summary.json'), 'utf8')),
    );
    const total = (k: string) => summaries.reduce((s, x) => s + x[k], 0);
    expect(total('rowsIn')).toBe(cases.reduce((s, c) => s + c.rowsIn, 0));
    expect(total('rowsIn')).toBe(total('rowsKept') + total('rowsQuarantined') + total('duplicates'));
  });

  it('raw files are byte-identical', async () => {
    for (const c of cases) {
      expect(await md5(path.join(home.root, 'lake', 'raw', 'drops', c.key))).toBe(before.get(c.key));
    }
  });
});
