/**
 * The lines of a text file, read in chunks: exactly what `text.split('\n')` gives for the
 * file's whole text, without ever holding that text. A valid CSV can be bigger than V8's
 * longest string (2^29 - 24 characters, ~512 MiB), and a whole-file string plus its lines
 * plus their records costs about ten times the file in heap.
 *
 * Lines are split on the byte 0x0A, which is never part of a multi-byte UTF-8 character,
 * and each is decoded on its own, so a character across a chunk boundary decodes whole.
 * Memory: one chunk plus the longest line (the stage screen bounds lines of line formats).
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

const NEWLINE = 0x0a;
export const LINE_CHUNK_BYTES = 1024 * 1024;

/** The file's lines as bytes (without the '\n'); the last one is what follows the last '\n'. */
export function* fileLineBytes(path: string, chunkBytes: number = LINE_CHUNK_BYTES): Generator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    // The line in progress when a chunk ends: copies, since the chunk buffer is reused.
    let carry: Buffer[] = [];
    for (;;) {
      const n = readSync(fd, chunk, 0, chunkBytes, null);
      if (n === 0) break;
      const view = chunk.subarray(0, n);
      let start = 0;
      for (let nl = view.indexOf(NEWLINE, start); nl !== -1; nl = view.indexOf(NEWLINE, start)) {
        const piece = view.subarray(start, nl);
        if (carry.length) {
          yield Buffer.concat([...carry, piece]);
          carry = [];
        } else yield piece;
        start = nl + 1;
      }
      if (start < n) carry.push(Buffer.from(view.subarray(start)));
    }
    yield carry.length ? Buffer.concat(carry) : Buffer.alloc(0);
  } finally {
    closeSync(fd);
  }
}

/** The file's lines as text: `readFileSync(path, 'utf8').split('\n')`, streamed. */
export function* fileLines(path: string, chunkBytes: number = LINE_CHUNK_BYTES): Generator<string> {
  for (const line of fileLineBytes(path, chunkBytes)) yield line.toString('utf8');
}

/**
 * Appends text to a file through a buffer of about `flushBytes`: many small writes cost a
 * system call each, one big string costs memory. `bytes` counts what was written so far.
 */
export class BufferedFileWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingChars = 0;
  bytes = 0;

  constructor(
    readonly path: string,
    private readonly flushChars: number = LINE_CHUNK_BYTES,
  ) {
    this.fd = openSync(path, 'w');
  }

  write(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= this.flushChars) this.flush();
  }

  writeBytes(bytes: Uint8Array): void {
    this.flush();
    this.writeAll(bytes);
  }

  /** Bytes written plus (about) those still buffered. */
  get size(): number {
    return this.bytes + this.pendingChars;
  }

  flush(): void {
    if (!this.pending.length) return;
    const data = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingChars = 0;
    this.writeAll(data);
  }

  private writeAll(data: Uint8Array): void {
    // writeSync may write less than asked (a full disk reports an error instead).
    for (let off = 0; off < data.length; ) off += writeSync(this.fd, data, off, data.length - off);
    this.bytes += data.length;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
