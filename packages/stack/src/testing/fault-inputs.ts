/**
 * The poison inputs of issue 13, each with how it must come out of a drain. Generated at
 * run time into a folder (never committed): the fault suite drops them all at once, and
 * fault-rss.ts drops one class with the good file to measure a drain's peak RSS.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { csvBars } from './pipeline-fixtures.ts';

export const MiB = 1024 * 1024;
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

export interface Case {
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

export const cases: Case[] = [
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
    // A saved Twelve Data response with a lone surrogate escape in one value: that value is
    // unparseable (as the same line is in NDJSON); it used to fail the whole run, because
    // DuckDB's JSON reader refuses the escape in the staged records.
    key: 'surrogate-td.json',
    rowsIn: 2,
    kept: 1,
    reasons: ['unparseable_line'],
    make: write(
      '{"meta":{"symbol":"SURR","interval":"1day","exchange":"NASDAQ"},"values":[' +
        '{"datetime":"2024-03-08","open":"\\ud800","high":"2","low":"1","close":"1","volume":"5"},' +
        '{"datetime":"2024-03-07","open":"1","high":"2","low":"1","close":"1","volume":"5"}]}',
    ),
  },
  {
    key: 'wrong.ndjson',
    rowsIn: 3,
    kept: 1,
    reasons: ['timestamp_before_floor', 'timestamp_offset_out_of_range'],
    make: write(
      [
        bar('WRONG', '2024-03-08T14:30:00+25:00'),
        bar('WRONG', '1799-03-08T14:30:00Z'), // before the floor (a year below 1000 is unparseable)
        bar('TRIM ', '2024-03-08T14:31:00Z'), // kept, as "TRIM"
      ].join('\n'),
    ),
  },
];
