import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferedFileWriter, fileLines } from '../src/file-lines.ts';
import { splitAtLines } from '../src/stage-duckdb.ts';

const dir = mkdtempSync(join(tmpdir(), 'file-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Text of lines with multi-byte characters, CRs, blank lines and a BOM in play. */
const text = fc
  .array(fc.constantFrom('a', 'é', '€', '𝄞', '\n', '\r', ' ', '\ufeff', '{"x":1}', '\n\n'), {
    maxLength: 80,
  })
  .map((parts) => parts.join(''));

describe('fileLines', () => {
  it('gives exactly the lines of split("\\n") for any chunk size, characters across chunks whole', () => {
    const file = join(dir, 'lines.txt');
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 9 }), (t, chunk) => {
        writeFileSync(file, t);
        expect([...fileLines(file, chunk)]).toEqual(t.split('\n'));
      }),
      { numRuns: 300 },
    );
  });

  it('reads an empty file as one empty line, as split does', () => {
    const file = join(dir, 'empty.txt');
    writeFileSync(file, '');
    expect([...fileLines(file)]).toEqual(['']);
  });
});

describe('splitAtLines', () => {
  it('cuts after newlines: the parts put together are the file, and each knows its first line number', () => {
    const file = join(dir, 'object.ndjson');
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 12 }), (t, partBytes) => {
        writeFileSync(file, t);
        const parts = splitAtLines(file, partBytes, dir, 0);
        const bodies = parts.map((p) => readFileSync(p.path, 'utf8'));
        expect(bodies.join('')).toBe(t);
        let line = 1;
        parts.forEach((p, i) => {
          expect(p.first_line).toBe(line);
          // Every part but the last ends a line; none is empty.
          if (i < parts.length - 1) expect(bodies[i]!.endsWith('\n')).toBe(true);
          if (parts.length > 1) expect(bodies[i]!.length).toBeGreaterThan(0);
          line += bodies[i]!.split('\n').length - 1;
        });
      }),
      { numRuns: 300 },
    );
  });

  it('leaves a file that fits as its own single part, not copied', () => {
    const file = join(dir, 'small.ndjson');
    writeFileSync(file, '{"a":1}\n{"a":2}\n');
    expect(splitAtLines(file, 1024, dir, 1)).toEqual([{ path: file, first_line: 1 }]);
  });
});

describe('BufferedFileWriter', () => {
  it('writes every piece in order through its buffer, and counts the bytes', () => {
    const file = join(dir, 'out.txt');
    const out = new BufferedFileWriter(file, 4);
    for (const piece of ['ab', 'é', '', '€€', 'xyz']) out.write(piece);
    out.writeBytes(Buffer.from('!'));
    out.close();
    expect(readFileSync(file, 'utf8')).toBe('abé€€xyz!');
    expect(out.bytes).toBe(Buffer.byteLength('abé€€xyz!'));
  });
});
