/**
 * The partition-version twins: partition-versions.ts (DuckDB runner) and glue/etl_versions.py
 * (PySpark runner) decide the same current version of every partition and publish the same
 * next version, rolling back the same uncommitted ones, on the same lake fixture. This is what
 * lets one lake be run by both engines in turn. The Python side runs on both of the Glue
 * job's stores: a folder, and S3 through boto3 on moto (copy + delete instead of a rename).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireVenvPython } from '@ohlcv/core/testing/toolchain';
import { afterEach, describe, expect, it } from 'vitest';
import { CommittedVersions, currentPartitionFiles, publishVersion } from '../src/partition-versions.ts';

const { python, run } = requireVenvPython();
const versionsPy = fileURLToPath(new URL('../glue/etl_versions.py', import.meta.url));

const P = 'processed/bars/';
const part = (d: string) => `${P}date=2024-01-0${d}/symbol=A/`;
/** A lake with every case: files (relative paths) and run summaries (run id -> listed locations). */
const files = [
  `${part('1')}data_0.parquet`, // an earlier release's layout only
  `${part('2')}data_0.parquet`,
  `${part('2')}_v0000000001-r1/data_0.parquet`, // committed, over the legacy files
  `${part('3')}_v0000000001-r1/data_0.parquet`,
  `${part('3')}_v0000000002-r2/data_0.parquet`, // r2 has no summary: uncommitted
  `${part('4')}_v0000000001-r1/part-00000-x.c000.snappy.parquet`,
  `${part('4')}_v0000000001-r1/.part-00000-x.c000.snappy.parquet.crc`,
  `${part('4')}_v0000000001-r1/_SUCCESS`,
  `${part('4')}_v0000000002-r3/data_0.parquet`, // r3's summary does not list it
  `${part('5')}_v0000000003-r2/data_0.parquet`, // only uncommitted
  '_tmp/r9/out/a/data_0.parquet',
  '_tmp/r9/out/b/data_0.parquet',
  '_tmp/r9/out/c/data_0.parquet',
];
const summaries: Record<string, string[]> = {
  r1: [`${part('2')}_v0000000001-r1/`, `${part('3')}_v0000000001-r1/`, `${part('4')}_v0000000001-r1/`],
  r3: [`${part('6')}_v0000000001-r3/`],
};
const partitions = ['1', '2', '3', '4', '5', '6', '7'].map(part);
const publishes = [
  { staging: '_tmp/r9/out/a/', partition: part('3'), jobRunId: 'r9' },
  { staging: '_tmp/r9/out/b/', partition: part('5'), jobRunId: 'r9' },
  { staging: '_tmp/r9/out/c/', partition: part('7'), jobRunId: 'r9' },
];

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function fixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'versions-twins-'));
  roots.push(root);
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), f);
  }
  for (const [id, locations] of Object.entries(summaries)) {
    mkdirSync(join(root, '_runs', id), { recursive: true });
    writeFileSync(
      join(root, '_runs', id, 'summary.json'),
      JSON.stringify({ jobRunId: id, partitionsWritten: locations.map((location) => ({ location })) }),
    );
  }
  return root;
}
const tree = (root: string, dir = root): string[] =>
  readdirSync(dir).flatMap((n) =>
    statSync(join(dir, n)).isDirectory() ? tree(root, join(dir, n)) : [relative(root, join(dir, n))],
  );

describe.runIf(run)('partition version twins (TypeScript and Python)', () => {
  it('same current files, same published versions, same roll-back', () => {
    const ts = fixture();
    const committed = new CommittedVersions(ts);
    const tsCurrent = partitions.map((p) =>
      currentPartitionFiles(committed, ts, join(ts, p)).map((f) => relative(ts, f)),
    );
    const tsPublished = publishes.map((p) =>
      publishVersion(committed, ts, join(ts, p.staging), join(ts, p.partition), p.jobRunId),
    );

    // The Glue job's two stores: a folder (OHLCV_ETL_S3_ROOT) and S3 (moto, as boto3 sees it).
    for (const s3 of [false, true]) {
      const py = fixture();
      const r = spawnSync(python!, [versionsPy], {
        input: JSON.stringify({ root: py, current: partitions, publish: publishes, s3 }),
        encoding: 'utf8',
        env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
      });
      if (r.status !== 0) throw new Error(r.stderr);
      const out = JSON.parse(r.stdout) as { current: string[][]; published: string[] };
      expect(out.current, s3 ? 'S3' : 'folder').toEqual(tsCurrent);
      expect(out.published, s3 ? 'S3' : 'folder').toEqual(tsPublished);
      expect(tree(py).sort(), s3 ? 'S3' : 'folder').toEqual(tree(ts).sort());
    }
    // The cases are the ones meant.
    expect(tsCurrent.map((c) => c.map((f) => f.slice(P.length)))).toEqual([
      ['date=2024-01-01/symbol=A/data_0.parquet'],
      ['date=2024-01-02/symbol=A/_v0000000001-r1/data_0.parquet'],
      ['date=2024-01-03/symbol=A/_v0000000001-r1/data_0.parquet'],
      ['date=2024-01-04/symbol=A/_v0000000001-r1/part-00000-x.c000.snappy.parquet'],
      [],
      [],
      [],
    ]);
    expect(tsPublished).toEqual([
      `${part('3')}_v0000000002-r9/`,
      `${part('5')}_v0000000001-r9/`,
      `${part('7')}_v0000000001-r9/`,
    ]);
    expect(tree(ts).filter((f) => f.includes('-r2/'))).toEqual([]);
  });
});
