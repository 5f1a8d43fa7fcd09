/**
 * The stage screen's twins: stage-screen.ts (DuckDB runner) and glue/etl_screen.py (PySpark
 * runner) on the same raw objects and limits give the same decision — the same cause, the
 * same too-long lines (numbers and prefixes) and the same clean copy. The Python screen runs
 * at two chunk sizes (its outcome must not depend on how the bytes come in) and on a stream
 * from S3 (moto), as the Glue job reads raw objects.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireVenvPython } from '@ohlcv/core/testing/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlan } from '../src/plan.ts';
import { DEFAULT_STAGING_LIMITS, screenObject } from '../src/stage-screen.ts';
import { screenCases } from './fixtures/screen-cases.ts';

const { python, run } = requireVenvPython();
const screenPy = fileURLToPath(new URL('../glue/etl_screen.py', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'screen-twins-'));
  for (const [i, c] of screenCases.entries()) writeFileSync(join(dir, `in-${i}`), c.body);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  kind: string;
  cause?: string;
  gzip?: boolean;
  tooLong?: unknown[];
  text?: string;
}

async function typescript(): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const [i, c] of screenCases.entries()) {
    const r = await screenObject(join(dir, `in-${i}`), c.key, join(dir, `ts-${i}`), {
      ...DEFAULT_STAGING_LIMITS,
      maxLineBytes: c.maxLineBytes,
      maxObjectBytes: c.maxObjectBytes,
    });
    out.push(
      r.kind === 'unreadable'
        ? r
        : { kind: r.kind, gzip: r.gzip, tooLong: r.tooLong, text: readFileSync(r.path, 'latin1') },
    );
  }
  return out;
}

function python3(chunkBytes: number, s3 = false): Outcome[] {
  const cases = screenCases.map((c, i) => ({
    // Keys are unique per case (the S3 variant uploads them all into one bucket).
    key: c.key,
    path: join(dir, `in-${i}`),
    out: join(dir, `py-${chunkBytes}-${s3}-${i}`),
    maxLineBytes: c.maxLineBytes,
    maxObjectBytes: c.maxObjectBytes,
    chunkBytes,
  }));
  const r = spawnSync(python!, [screenPy], {
    input: JSON.stringify({ contract: loadPlan().staging, cases, s3 }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as Outcome[]).map((o, i) =>
    o.kind === 'unreadable' ? o : { ...o, text: readFileSync(cases[i]!.out, 'latin1') },
  );
}

describe.runIf(run)('stage screen twins (TypeScript and Python)', () => {
  it('every case: same decision, cause, too-long lines and clean copy, at any chunk size', async () => {
    const ts = await typescript();
    // The Glue job's two stores: a folder, and S3 (moto) through S3Storage.open's stream.
    for (const [chunk, s3] of [
      [1024 * 1024, false],
      [4093, false],
      [1024 * 1024, true],
    ] as const) {
      const py = python3(chunk, s3);
      for (const [i, c] of screenCases.entries()) {
        expect(py[i], `${c.name} (python chunks of ${chunk}${s3 ? ', S3' : ''})`).toEqual(ts[i]);
      }
    }
    // The fixtures reach every class.
    const causes = ts.map((o) => o.cause ?? (o.tooLong?.length ? 'line_too_long' : 'clean'));
    expect(causes).toContain(loadPlan().staging.unreadableGzip);
    expect(causes.some((c) => /^not UTF-8 text \(line \d+\)$/.test(c))).toBe(true);
    expect(causes.some((c) => /once decompressed$/.test(c))).toBe(true);
    expect(causes).toContain('line_too_long');
    expect(existsSync(screenPy)).toBe(true);
  }, 120_000);
});
