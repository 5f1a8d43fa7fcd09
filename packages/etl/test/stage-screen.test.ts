import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPlan } from '../src/plan.ts';
import {
  DEFAULT_STAGING_LIMITS,
  LINE_PREFIX_BYTES,
  screenObject,
  stagingLimitsFromEnv,
} from '../src/stage-screen.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'etl-screen-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const put = (name: string, body: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, body);
  return p;
};
const limits = (maxLineBytes: number, maxObjectBytes = 1 << 30) => ({
  ...DEFAULT_STAGING_LIMITS,
  maxLineBytes,
  maxObjectBytes,
});

describe('screenObject', () => {
  it('passes a clean object through untouched (no copy)', async () => {
    const p = put('a.csv', 'symbol,ts\nAAPL,2024-01-01\n');
    expect(await screenObject(p, 'raw/a.csv', join(dir, 'copy'))).toEqual({
      kind: 'readable',
      path: p,
      gzip: false,
      tooLong: [],
      plainStrings: true,
    });
  });

  it('plainStrings: false for a backslash or a space next to a double quote, also across chunks', async () => {
    const plain = async (body: string | Buffer) =>
      (
        (await screenObject(put('p.ndjson', body), 'raw/p.ndjson', join(dir, 'copy'))) as {
          plainStrings: boolean;
        }
      ).plainStrings;
    expect(await plain('{"symbol":"A B","instrument_type":"Common Stock"}\n')).toBe(true);
    expect(await plain('{"symbol":" A"}\n')).toBe(false);
    expect(await plain('{"symbol":"A "}\n')).toBe(false);
    expect(await plain('{"symbol": "A"}\n')).toBe(false);
    expect(await plain('{"symbol":"\\tA"}\n')).toBe(false);
    expect(await plain('{"symbol":"A\\u0020"}\n')).toBe(false);
    // The screen reads 1 MiB chunks: a quote ending one and a space starting the next.
    const mib = 1024 * 1024;
    const head = `{"a":"${'x'.repeat(mib - 7)}"`;
    expect(Buffer.byteLength(head)).toBe(mib);
    expect(await plain(`${head} }\n`)).toBe(false);
    expect(await plain(`${head}}\n`)).toBe(true);
    const spaceEnd = `{"a":"${'x'.repeat(mib - 7)} `;
    expect(await plain(`${spaceEnd}"}\n`)).toBe(false);
  });

  it('quarantines a line over the limit with a prefix; the copy blanks it and keeps the line numbers', async () => {
    const long = `AAPL,${'9'.repeat(40)}`;
    const p = put('a.csv', `symbol,ts\n${long}\nMSFT,2024-01-01\n${long}`);
    const r = await screenObject(p, 'raw/a.csv', join(dir, 'copy'), limits(32));
    expect(r.kind).toBe('readable');
    if (r.kind !== 'readable') return;
    expect(r.tooLong.map((t) => [t.line_number, t.stage_error, t.raw_record])).toEqual([
      [2, 'line_too_long', long],
      [4, 'line_too_long', long],
    ]);
    expect(readFileSync(r.path, 'utf8')).toBe('symbol,ts\n\nMSFT,2024-01-01\n');
  });

  it('a line longer than the chunks (3 MiB, default 1 MiB limit) is quarantined, the rest goes on', async () => {
    const p = put('a.ndjson', `{"a":1}\n${'A'.repeat(3 * 1024 * 1024)}\n{"b":2}\n`);
    const r = await screenObject(p, 'raw/a.ndjson', join(dir, 'copy'), DEFAULT_STAGING_LIMITS);
    if (r.kind !== 'readable') throw new Error(r.cause);
    expect(r.tooLong).toHaveLength(1);
    expect(r.tooLong[0]).toMatchObject({ line_number: 2, raw_record: 'A'.repeat(LINE_PREFIX_BYTES) });
    expect(readFileSync(r.path, 'utf8')).toBe('{"a":1}\n\n{"b":2}\n');
  });

  it('an empty line just before a chunk ends keeps its number and its newline (1 MiB chunks)', async () => {
    // The first 1 MiB read ends "...b\n\nc": the empty line 3 closes the chunk's complete lines.
    const MiB = 1024 * 1024;
    const head = `a\n${'b'.repeat(MiB - 5)}\n\nc`;
    expect(head.length).toBe(MiB);
    const p = put('e.csv', `${head}\n${'L'.repeat(2 * MiB)}\nz\n`);
    const r = await screenObject(p, 'raw/e.csv', join(dir, 'copy'), limits(MiB));
    if (r.kind !== 'readable') throw new Error(r.cause);
    expect(r.tooLong.map((t) => t.line_number)).toEqual([5]);
    expect(readFileSync(r.path, 'utf8')).toBe(`${head}\n\nz\n`);
  });

  it('an object that is not UTF-8 text is unreadable, with the line', async () => {
    const p = put(
      'a.ndjson',
      Buffer.concat([Buffer.from('{"a":1}\n'), Buffer.from([0xff, 0xfe, 0x00, 0xc3])]),
    );
    expect(await screenObject(p, 'raw/a.ndjson', join(dir, 'copy'))).toEqual({
      kind: 'unreadable',
      cause: 'not UTF-8 text (line 2)',
    });
  });

  it('a gzip bomb stops at the decompressed-size cap, without inflating it', async () => {
    const p = put('z.csv.gz', gzipSync(Buffer.alloc(64 * 1024 * 1024)));
    const r = await screenObject(p, 'raw/z.csv.gz', join(dir, 'copy'), limits(1 << 20, 8 * 1024 * 1024));
    expect(r).toEqual({
      kind: 'unreadable',
      cause: `larger than ${8 * 1024 * 1024} bytes once decompressed`,
    });
  });

  it('a broken gzip is unreadable; a good one is handed on decompressed', async () => {
    const good = gzipSync(Buffer.from('symbol,ts\nAAPL,2024-01-01\n'));
    const bad = put('b.csv.gz', good.subarray(0, good.length - 6));
    const r = await screenObject(bad, 'raw/b.csv.gz', join(dir, 'copy-b'));
    expect(r.kind === 'unreadable' && r.cause).toBe(loadPlan().staging.unreadableGzip);
    const ok = await screenObject(put('g.csv.gz', good), 'raw/g.csv.gz', join(dir, 'copy-g'));
    expect(ok.kind === 'readable' && readFileSync(ok.path, 'utf8')).toBe('symbol,ts\nAAPL,2024-01-01\n');
  });

  it('limits come from the environment, checked', () => {
    expect(stagingLimitsFromEnv({ OHLCV_MAX_LINE_BYTES: '2048', OHLCV_MIN_DATE: '1900-01-01' })).toEqual({
      maxLineBytes: 2048,
      maxObjectBytes: DEFAULT_STAGING_LIMITS.maxObjectBytes,
      minDate: '1900-01-01',
    });
    expect(() => stagingLimitsFromEnv({ OHLCV_MIN_DATE: '1.1.1900' })).toThrow(/OHLCV_MIN_DATE/);
    expect(() => stagingLimitsFromEnv({ OHLCV_MAX_OBJECT_BYTES: '1e3x' })).toThrow(/OHLCV_MAX_OBJECT_BYTES/);
  });

  it('a JSON document is capped whole (it is parsed as one value)', async () => {
    const p = put('td.json', `{"values":"${'x'.repeat(2048)}"}`);
    const r = await screenObject(p, 'raw/td.json', join(dir, 'copy'), limits(1 << 20, 1024));
    expect(r).toEqual({ kind: 'unreadable', cause: 'larger than 1024 bytes' });
    const ok = await screenObject(p, 'raw/td.json', join(dir, 'copy'), limits(16));
    expect(ok.kind === 'readable' && ok.tooLong).toEqual([]);
  });
});
