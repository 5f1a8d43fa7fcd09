/**
 * Bounded memory in the PySpark runner's staging (issue 13): the Python driver stages a
 * batch through the screen, a line-streaming reader and NDJSON parts of a bounded size
 * (etl_staging.stage_objects), so its peak RSS does not grow with the object. It used to
 * read each clean copy whole, split it into a list of lines and collect every record of
 * the batch in one list for createDataFrame: 323 MB peak for this 60 MB CSV.
 * The staging runs in a child Python process (the test entry of glue/etl_staging.py, on
 * the Glue job's FolderStorage) that reports its own peak RSS (getrusage ru_maxrss).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { requireVenvPython } from '@ohlcv/core/testing/toolchain';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../src/plan.ts';

const { python, run } = requireVenvPython();
const stagingPy = fileURLToPath(new URL('../glue/etl_staging.py', import.meta.url));

/** A valid CSV of about `bytes` bytes. Wide rows keep the record count, and so the runtime, small. */
function writeCsv(path: string, bytes: number): number {
  const header = 'symbol,exchange,interval,ts,open,high,low,close,volume\n';
  const row = (i: number) =>
    `SYM${i % 97},${'X'.repeat(900)},1min,2024-01-02T${String(10 + (i % 8)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z,1.5,2,0.5,1.25,${i}\n`;
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header);
    let written = header.length;
    let rows = 0;
    const block: string[] = [];
    while (written < bytes) {
      const r = row(rows++);
      block.push(r);
      written += r.length;
      if (block.length === 1000) writeSync(fd, block.splice(0).join(''));
    }
    writeSync(fd, block.join(''));
    return rows;
  } finally {
    closeSync(fd);
  }
}

describe.runIf(run)('PySpark runner staging: bounded memory (issue 13)', () => {
  it('stages a 60 MB CSV with a peak RSS bounded by a part, not the object', () => {
    const lake = mkdtempSync(join(tmpdir(), 'staging-memory-'));
    try {
      mkdirSync(join(lake, 'raw'));
      const rows = writeCsv(join(lake, 'raw/wide.csv'), 60 * 1024 * 1024);
      const request = {
        contract: loadPlan().staging,
        lakeRoot: lake,
        objects: [{ key: 'raw/wide.csv', lastModified: '2024-06-01T00:00:00.000Z' }],
        countOnly: true,
      };
      const r = spawnSync(python!, [stagingPy], { input: JSON.stringify(request), encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      const out = JSON.parse(r.stdout) as { parts: number; records: number; maxRssKb: number };
      // Every row staged, in more than one part (the part size bounds the buffer).
      expect(out.records).toBe(rows);
      expect(out.parts).toBeGreaterThan(1);
      // Python itself, one 32 MiB part and its copy on write, a chunk and a line: ~80 MB.
      // The old whole-copy read and record list peaked at 323 MB here (5.4x the object).
      expect(out.maxRssKb / 1024).toBeLessThan(150);
    } finally {
      rmSync(lake, { recursive: true, force: true });
    }
  }, 60_000);

  it('a JSON document, parsed whole, is capped at maxJsonDocumentBytes, gzip or not; the batch goes on', () => {
    const lake = mkdtempSync(join(tmpdir(), 'staging-memory-'));
    try {
      const cap = loadPlan().staging.screen.maxJsonDocumentBytes;
      mkdirSync(join(lake, 'raw'));
      const over = Buffer.alloc(cap + 1, ' ');
      writeFileSync(join(lake, 'raw/big.json'), over);
      writeFileSync(join(lake, 'raw/bomb.json.gz'), gzipSync(over));
      const doc = {
        meta: { symbol: 'X', interval: '1day' },
        values: [{ datetime: '2024-01-02', close: '1' }],
      };
      writeFileSync(join(lake, 'raw/good.json'), JSON.stringify(doc));
      const lastModified = '2024-06-01T00:00:00.000Z';
      const request = {
        contract: loadPlan().staging,
        lakeRoot: lake,
        objects: ['raw/big.json', 'raw/bomb.json.gz', 'raw/good.json'].map((key) => ({ key, lastModified })),
      };
      const r = spawnSync(python!, [stagingPy], { input: JSON.stringify(request), encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      const rows = (JSON.parse(r.stdout) as Record<string, unknown>[]).map((x) => [
        x.raw_object,
        x.stage_error ?? null,
        x.raw_record,
      ]);
      expect(rows).toEqual([
        ['raw/big.json', 'unreadable_object', `larger than ${cap} bytes`],
        ['raw/bomb.json.gz', 'unreadable_object', `larger than ${cap} bytes once decompressed`],
        ['raw/good.json', null, '{"datetime":"2024-01-02","close":"1"}'],
      ]);
    } finally {
      rmSync(lake, { recursive: true, force: true });
    }
  }, 60_000);
});
