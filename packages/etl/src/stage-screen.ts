/**
 * The first look at every raw object, before any reader parses it: a streaming pass with
 * bounded memory whatever the object holds. It decides
 * - `unreadable_object` (with the cause) for an object that cannot be decompressed, whose
 *   decompressed size passes the cap (a gzip bomb), or that is not UTF-8 text;
 * - `line_too_long` for each line longer than the line limit (line formats: CSV, NDJSON),
 *   keeping a prefix of its text; the line is blanked in the copy the readers get, so the
 *   object's other lines go on and keep their line numbers.
 * A gzip object, or one with blanked lines, is handed on as a decompressed (clean) copy in
 * the run's scratch folder; the raw object itself is never modified.
 *
 * The same pass tells whether a JSON string in the object can need trimming at all
 * (`plainStrings`): with no backslash (so no escapes: JSON forbids raw control characters
 * in strings, so the only whitespace a string can hold is a literal space) and no space
 * next to a double quote, no string starts or ends with whitespace. The typed fast path
 * of NDJSON staging (stage-duckdb.ts) relies on it to skip the trims.
 */

import { isUtf8 } from 'node:buffer';
import { once } from 'node:events';
import { closeSync, createReadStream, createWriteStream, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { DEFAULT_STAGING_LIMITS, type StagingLimits } from '@ohlcv/core';
import { loadPlan } from './plan.ts';
import type { StagedRecord } from './stage-formats.ts';

// The limits themselves are one setting shared with infra (core/staging-limits.ts).
export { DEFAULT_STAGING_LIMITS, type StagingLimits, stagingLimitsFromEnv } from '@ohlcv/core';

/** The plan's screen (sql/etl/plan.json staging.screen): limits and cause texts both runners share. */
const SCREEN = loadPlan().staging.screen;

/** Largest JSON document (not a line format) staged: it is parsed as one value. */
export const MAX_JSON_DOCUMENT_BYTES = SCREEN.maxJsonDocumentBytes;

/** How much of a too-long line the quarantine row keeps. */
export const LINE_PREFIX_BYTES = SCREEN.linePrefixBytes;

/** A cause text of the plan with its `{name}` placeholders filled. */
const cause = (template: string, values: Record<string, number>): string =>
  template.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k]));

export type ScreenResult =
  | { kind: 'unreadable'; cause: string }
  /**
   * `path` is what the readers read: the object itself or its clean copy. `plainStrings`:
   * no backslash and no space next to a double quote anywhere in the (decompressed) object.
   */
  | { kind: 'readable'; path: string; gzip: boolean; tooLong: StagedRecord[]; plainStrings: boolean };

const GZIP = [0x1f, 0x8b];
const NEWLINE = 0x0a;

class Unreadable extends Error {}

/** A line format: lines are records, so one over the limit is quarantined alone. */
const isLineFormat = (key: string): boolean => {
  const name = key.toLowerCase().replace(/\.gz$/, '');
  return SCREEN.lineFormatSuffixes.some((s) => name.endsWith(s));
};

export async function screenObject(
  path: string,
  key: string,
  scratchFile: string,
  limits: StagingLimits = DEFAULT_STAGING_LIMITS,
): Promise<ScreenResult> {
  const gzip = await startsWithGzip(path);
  const lines = isLineFormat(key);
  // A JSON document (Twelve Data's /time_series) is parsed whole, so it is capped whole:
  // a real one is about a megabyte.
  const lineLimit = lines ? limits.maxLineBytes : Number.POSITIVE_INFINITY;
  const maxBytes = lines ? limits.maxObjectBytes : Math.min(limits.maxObjectBytes, MAX_JSON_DOCUMENT_BYTES);
  let first: { tooLong: StagedRecord[]; plainStrings: boolean };
  try {
    first = await scan(path, gzip, lineLimit, maxBytes, undefined);
  } catch (e) {
    if (e instanceof Unreadable) return { kind: 'unreadable', cause: e.message };
    throw e;
  }
  const { tooLong, plainStrings } = first;
  if (!gzip && tooLong.length === 0) return { kind: 'readable', path, gzip, tooLong, plainStrings };
  // Second pass: the text the readers get, decompressed and with the long lines blanked.
  await scan(path, gzip, lineLimit, maxBytes, scratchFile);
  return { kind: 'readable', path: scratchFile, gzip, tooLong, plainStrings };
}

export const scratchCopyName = (scratchDir: string, index: number): string =>
  join(scratchDir, `screened-${index}`);

async function startsWithGzip(path: string): Promise<boolean> {
  const stream = createReadStream(path, { start: 0, end: 1 });
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  const head = Buffer.concat(chunks);
  return head.length === 2 && head[0] === GZIP[0] && head[1] === GZIP[1];
}

/**
 * One streaming pass. Memory: one chunk plus at most `lineLimit` bytes of the line that
 * spans chunks. UTF-8 is checked on whole lines (a newline byte never falls inside a
 * multi-byte character), a chunk's run of complete lines at once. The outcome does not
 * depend on how the bytes come in chunks (the Python twin, etl_screen.py, reads other
 * chunks): bytes past the cap are never looked at, so the first problem in byte order wins.
 */
async function scan(
  path: string,
  gzip: boolean,
  lineLimit: number,
  maxBytes: number,
  out: string | undefined,
): Promise<{ tooLong: StagedRecord[]; plainStrings: boolean }> {
  // The common pass (a plain object, nothing written) reads into one reused buffer: a
  // stream allocates a fresh megabyte per chunk, and its garbage collection and thread-pool
  // round trips were two thirds of the screen's time (0.8 of 1.2 s on 640 MB). A pass that
  // writes keeps the stream: its writes hold on to the chunks.
  if (!gzip && out === undefined) return scanChunks(plainChunks(path), false, lineLimit, maxBytes, undefined);
  const raw = createReadStream(path, { highWaterMark: SCREEN_CHUNK_BYTES });
  const source = gzip ? raw.pipe(createGunzip({ chunkSize: SCREEN_CHUNK_BYTES })) : raw;
  return scanChunks(source as AsyncIterable<Buffer>, gzip, lineLimit, maxBytes, out, () => {
    raw.destroy();
    source.destroy();
  });
}

const SCREEN_CHUNK_BYTES = 1024 * 1024;
/** Chunks read between two yields to the event loop (timers, sockets of the local runtime). */
const CHUNKS_PER_YIELD = 16;

/** The file's bytes in chunks of one reused buffer: a chunk is valid until the next is asked for. */
async function* plainChunks(path: string): AsyncGenerator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(SCREEN_CHUNK_BYTES);
    for (let n = 1; ; n++) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) return;
      yield buffer.subarray(0, read);
      if (n % CHUNKS_PER_YIELD === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    closeSync(fd);
  }
}

async function scanChunks(
  source: AsyncIterable<Buffer>,
  gzip: boolean,
  lineLimit: number,
  maxBytes: number,
  out: string | undefined,
  destroy: () => void = () => {},
): Promise<{ tooLong: StagedRecord[]; plainStrings: boolean }> {
  const sink = out ? createWriteStream(out) : undefined;
  const write = async (b: Buffer) => {
    if (sink && b.length > 0 && !sink.write(b)) await once(sink, 'drain');
  };
  const tooLong: StagedRecord[] = [];
  let total = 0;
  let lineNumber = 1;
  const plain = new PlainStrings();
  // The line that continues into the next chunk: its bytes while within the limit, or
  // (past it) only its prefix.
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let overLimit: Buffer | undefined;
  const fail = (cause: string): never => {
    destroy();
    sink?.destroy();
    throw new Unreadable(cause);
  };
  const quarantine = (prefix: Buffer) =>
    tooLong.push({
      line_number: lineNumber,
      raw_record: prefix
        .subarray(0, LINE_PREFIX_BYTES)
        .toString('utf8')
        .replace(/\uFFFD+$/, ''),
      stage_error: loadPlan().staging.errors.lineTooLong,
      unknown_keys: null,
      duplicate_keys: null,
    });
  /** Adds bytes to the line in progress. */
  const extend = (piece: Buffer) => {
    if (overLimit) return;
    if (carryBytes + piece.length > lineLimit) {
      overLimit = Buffer.concat([...carry, piece.subarray(0, LINE_PREFIX_BYTES)]).subarray(
        0,
        LINE_PREFIX_BYTES,
      );
      carry = [];
      carryBytes = 0;
    } else {
      carry.push(Buffer.from(piece));
      carryBytes += piece.length;
    }
  };
  /** Ends the line in progress (its newline seen, or the end of the object). */
  const endCarried = async (newline: boolean) => {
    if (overLimit) quarantine(overLimit);
    else {
      const line = Buffer.concat(carry, carryBytes);
      if (!isUtf8(line)) fail(cause(SCREEN.causes.notUtf8, { line: lineNumber }));
      await write(line);
    }
    if (newline) await write(NL);
    carry = [];
    carryBytes = 0;
    overLimit = undefined;
    lineNumber++;
  };
  /** Complete lines `data[from, to)` (`to` is a newline or the chunk end, exclusive). */
  const completeLines = async (data: Buffer, from: number, to: number) => {
    let clean = from; // start of the run of lines still to check and write as one
    let cleanLine = lineNumber; // and the number of its first line
    let pos = from;
    // `<=`: the line ending at `to` may be empty (two newlines close the chunk's lines).
    while (pos <= to) {
      let nl = data.indexOf(NEWLINE, pos);
      if (nl < 0 || nl >= to) nl = to;
      if (nl - pos > lineLimit) {
        await flushRun(data, clean, pos, cleanLine);
        quarantine(data.subarray(pos, Math.min(nl, pos + LINE_PREFIX_BYTES)));
        await write(NL);
        clean = nl + 1;
        cleanLine = lineNumber + 1;
      }
      lineNumber++;
      pos = nl + 1;
    }
    await flushRun(data, clean, Math.min(pos, to + 1), cleanLine);
  };
  const flushRun = async (data: Buffer, from: number, to: number, firstLine: number) => {
    if (to <= from) return;
    const run = data.subarray(from, to);
    if (!isUtf8(run)) fail(cause(SCREEN.causes.notUtf8, { line: firstBadLine(run, firstLine) }));
    await write(run);
  };
  /** One chunk's bytes (all within the cap). */
  const take = async (data: Buffer) => {
    const first = data.indexOf(NEWLINE);
    if (first < 0) {
      extend(data);
      return;
    }
    extend(data.subarray(0, first));
    await endCarried(true);
    const last = data.lastIndexOf(NEWLINE);
    // Lines between the first and the last newline are complete in this chunk; the
    // last newline itself is written with them.
    if (last > first) await completeLines(data, first + 1, last);
    extend(data.subarray(last + 1));
  };
  try {
    for await (const data of source) {
      const allowed = Math.min(data.length, maxBytes - total);
      total += data.length;
      plain.check(data.subarray(0, allowed));
      await take(data.subarray(0, allowed));
      if (allowed < data.length) {
        fail(cause(gzip ? SCREEN.causes.tooLargeDecompressed : SCREEN.causes.tooLarge, { bytes: maxBytes }));
      }
    }
  } catch (e) {
    if (e instanceof Unreadable) throw e;
    const err = e as NodeJS.ErrnoException;
    // zlib's errors name the problem (incorrect header check, unexpected end of file).
    if (gzip && (err.code?.startsWith('Z_') || /zlib|gzip|header|unexpected end/i.test(err.message))) {
      // The plan's one cause text (sql/etl/plan.json staging.unreadableGzip): the Spark runner
      // writes the same, and zlib's message differs between Node and Python anyway.
      fail(loadPlan().staging.unreadableGzip);
    }
    throw e;
  }
  if (carryBytes > 0 || overLimit) await endCarried(false);
  if (sink) {
    sink.end();
    await once(sink, 'finish');
  }
  return { tooLong, plainStrings: plain.ok };
}

const BACKSLASH = 0x5c;
const SPACE = 0x20;
const QUOTE = 0x22;

/**
 * Chunk by chunk: no backslash, and no space next to a double quote (across chunk
 * borders too). Native searches only (memchr), and it stops looking once it failed.
 */
class PlainStrings {
  ok = true;
  private last = -1;
  check(data: Buffer): void {
    if (!this.ok || data.length === 0) return;
    if (data.indexOf(BACKSLASH) >= 0) {
      this.ok = false;
      return;
    }
    if ((this.last === SPACE && data[0] === QUOTE) || (this.last === QUOTE && data[0] === SPACE)) {
      this.ok = false;
      return;
    }
    for (let i = data.indexOf(SPACE); i >= 0; i = data.indexOf(SPACE, i + 1)) {
      if ((i > 0 && data[i - 1] === QUOTE) || data[i + 1] === QUOTE) {
        this.ok = false;
        return;
      }
    }
    this.last = data[data.length - 1]!;
  }
}

const NL = Buffer.from([NEWLINE]);

/** The number of the first line of `run` (numbered from `firstLine`) that is not UTF-8. */
function firstBadLine(run: Buffer, firstLine: number): number {
  let line = firstLine;
  for (let start = 0; start <= run.length; line++) {
    let nl = run.indexOf(NEWLINE, start);
    if (nl < 0) nl = run.length;
    if (!isUtf8(run.subarray(start, nl))) return line;
    start = nl + 1;
  }
  return firstLine;
}
