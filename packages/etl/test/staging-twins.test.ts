/**
 * The staging twins: the DuckDB runner's staging (stage-formats.ts and the NDJSON SQL in
 * stage-duckdb.ts) and the PySpark runner's (glue/etl_staging.py) on the same raw
 * objects give the same staged_records rows, column for column. Needs only Python
 * (etl_staging.py is pure Python), from the test venv.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireToolchain, venvPython } from '@ohlcv/core/testing/toolchain';
import { describe, expect, it } from 'vitest';
import { openDuckSession } from '../src/duckdb.ts';
import { loadPlan } from '../src/plan.ts';
import { stageObjects } from '../src/stage-duckdb.ts';
import { corpus } from './fixtures/bad-input.ts';
import { pool } from './fixtures/order-pool.ts';
import { stagingEdges } from './fixtures/staging-edges.ts';
import { TestLake } from './lake-harness.ts';

const python = venvPython();
const run = requireToolchain(
  'Python 3.11 (the test venv)',
  python !== undefined,
  'run .ci/prepare.d/10-python.sh',
);
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

function pythonStaged(manifest: ReturnType<TestLake['put']>[], lake: TestLake): Row[] {
  const request = {
    contract: loadPlan().staging,
    objects: manifest.map((o) => ({
      ...o,
      body_b64: readFileSync(join(lake.root, o.key)).toString('base64'),
    })),
  };
  const r = spawnSync(python!, [stagingPy], { input: JSON.stringify(request), encoding: 'utf8' });
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
    } finally {
      lake.cleanup();
    }
  });
});
