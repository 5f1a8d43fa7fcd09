/**
 * The local ETL job: one manifest in, touched partitions rewritten, one run summary out.
 * Everything after staging is the shared SQL in sql/etl, run on DuckDB; this module only
 * decides which existing partitions to read and rewrite, and moves files into place.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { listValue } from '@duckdb/node-api';
import type {
  Clock,
  Logger,
  Manifest,
  QuarantineReason,
  RunSummary,
  TableName,
  WrittenPartition,
} from '@ohlcv/core';
import { AppError, duckdbType, runSummaryKey, silentLogger, tables } from '@ohlcv/core';
import type { DuckSession, Row } from './duckdb.ts';
import { openDuckSession, sqlString, sqlStringList } from './duckdb.ts';
import { partitionPath } from './hive-path.ts';
import { realPathInside } from './inside-root.ts';
import { listPartitions, removeDir, writeFileAtomic } from './lake.ts';
import { CommittedVersions, currentPartitionFiles, publishVersion } from './partition-versions.ts';
import type { ExistingSpec } from './plan.ts';
import {
  loadDialect,
  loadEtlSteps,
  loadPlan,
  loadQualityRules,
  partitionSelectSql,
  planVersion,
  type RunInput,
  renderSql,
  runParamsSql,
} from './plan.ts';
import { stageObjects, TYPED_PARSED_RECORDS, TYPED_PATH_REPLACES } from './stage-duckdb.ts';
import { DEFAULT_STAGING_LIMITS, type StagingLimits } from './stage-screen.ts';
import { type Publish, writePartitions } from './write-partitions.ts';

export interface RunEtlJobInput {
  /** The lake folder: object key `raw/x.csv` is the file `<lakeRoot>/raw/x.csv`. */
  lakeRoot: string;
  manifest: Manifest;
  jobRunId: string;
  jobName: string;
  clock: Clock;
  /** DuckDB memory_limit, e.g. '2GB'. Above it DuckDB spills to the run's scratch folder. */
  memoryLimit?: string;
  threads?: number;
  /** Raw NDJSON bytes staged at a time (default STAGING_BATCH_BYTES): bounds staging memory. */
  stagingBatchBytes?: number;
  /** Line and decompressed-object limits of staging (default DEFAULT_STAGING_LIMITS). */
  stagingLimits?: StagingLimits;
  /**
   * Let NDJSON objects that qualify take the typed fast path (stage-duckdb.ts; default
   * true). false: every object through the text path (tests compare the two).
   */
  typedFastPath?: boolean;
  logger?: Logger;
}

const SAFE_RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export async function runEtlJob(input: RunEtlJobInput): Promise<RunSummary> {
  const { lakeRoot, manifest, jobRunId, jobName, clock } = input;
  const log = input.logger ?? silentLogger;
  if (!SAFE_RUN_ID.test(jobRunId)) throw new AppError('InvalidJobRunId', `Unsafe job run id: ${jobRunId}`);
  const startedAt = clock.now().toISOString();
  // Scratch inside the lake: renames into processed/ stay on one filesystem.
  const work = join(lakeRoot, '_tmp', jobRunId);
  realPathInside(lakeRoot, work);
  realPathInside(lakeRoot, join(lakeRoot, runSummaryKey(jobRunId)));
  removeDir(work);
  mkdirSync(work, { recursive: true });
  const db = await openDuckSession({
    memoryLimit: input.memoryLimit ?? '2GB',
    threads: input.threads,
    tempDirectory: join(work, 'spill'),
  });
  try {
    const timer = phaseTimer(log, jobRunId);
    for (const stmt of loadDialect().duckdbPrelude) await db.run(stmt);
    const objects = uniqueObjects(manifest.objects);
    const staging = await stageObjects(
      db,
      lakeRoot,
      objects,
      work,
      input.stagingBatchBytes,
      input.stagingLimits,
      input.typedFastPath ?? true,
    );
    const plan = loadPlan();
    const version = planVersion(plan);
    // The run's parameters, as text; the plan's SQL types them into run_params.
    const inputs: Record<RunInput, string> = {
      job_run_id: jobRunId,
      now_text: clock.now().toISOString(),
      min_date: (input.stagingLimits ?? DEFAULT_STAGING_LIMITS).minDate,
      plan_version: version,
    };
    const names = plan.runParams.inputs;
    await db.run(
      `CREATE OR REPLACE TEMP TABLE run_inputs AS SELECT ${names.map((n, i) => `CAST($${i + 1} AS VARCHAR) AS ${n}`).join(', ')}`,
      names.map((n) => inputs[n]),
    );
    await db.run(`CREATE OR REPLACE TEMP TABLE run_params AS\n${renderSql(runParamsSql(plan), 'duckdb')}`);
    timer('staged');

    // Existing partitions are read at their current committed version (atomic publish).
    const committed = new CommittedVersions(lakeRoot);
    const files: PartitionFiles = (dir) => currentPartitionFiles(committed, lakeRoot, dir);
    const steps = loadEtlSteps(plan);
    const rules = loadQualityRules(plan);
    // What is read after the steps: the quality rules, the written relations, the counts.
    const readAfter = [
      ...rules.map((r) => r.sql),
      ...plan.outputs.map((o) => o.relation),
      plan.runCounts,
      plan.quarantineTop.relation,
    ];
    // A step's partition selection reads relations too, just before the step runs.
    const withSelection = steps.map((s) => ({
      ...s,
      sql: [s.sql, ...(s.needs ?? []).map((n) => partitionSelectSql(plan.existing[n]!))].join('\n'),
    }));
    const freeAfter = tablesFreedAfter(withSelection, readAfter);
    const perBatch = stepsPerStagingBatch(steps);
    const lastPerBatch = steps.findLastIndex((s) => perBatch.has(s.relation));
    // Views over staged_records are bound when created: it must exist from the start.
    await staging.load(0);
    // (Its own phase: the first batch's line split and typed-path check would otherwise
    // be charged to whichever step comes first in the profile.)
    timer('load staging batch 0');
    // A typed staging batch stands in for the plan's parsed_records view (01): per batch,
    // that view is the typed batch or 01's own SQL over staged_records.
    const viewSql = new Map<string, string>();
    let replacedNow: string | undefined;
    const pointParsedRecords = async (typed: boolean) => {
      const own = viewSql.get(TYPED_PATH_REPLACES);
      if (own === undefined) return;
      const want = typed ? `SELECT * FROM ${TYPED_PARSED_RECORDS}` : own;
      if (want === (replacedNow ?? own)) return;
      await db.run(`CREATE OR REPLACE TEMP VIEW ${TYPED_PATH_REPLACES} AS\n${want}`);
      replacedNow = want;
    };
    for (const [i, step] of steps.entries()) {
      for (const name of step.needs ?? [])
        await loadExisting(db, lakeRoot, files, name, plan.existing[name]!);
      const sql = renderSql(step.sql, 'duckdb');
      if (perBatch.has(step.relation)) {
        // A table built from staged_records: filled batch by batch.
        // staging.count can grow: objects a typed batch refused come back as text batches.
        for (let b = 0; b < staging.count; b++) {
          await staging.load(b);
          await pointParsedRecords(staging.typed);
          await db.run(
            b === 0
              ? `CREATE OR REPLACE TEMP TABLE ${step.relation} AS\n${sql}`
              : `INSERT INTO ${step.relation}\n${sql}`,
          );
        }
        if (i === lastPerBatch) {
          log.debug('etl staging', {
            jobRunId,
            batches: staging.count,
            typedObjects: staging.typedObjects.length,
            objects: objects.length,
          });
          await staging.release();
        }
      } else {
        const kind = step.materialize === 'table' ? 'TABLE' : 'VIEW';
        await db.run(`CREATE OR REPLACE TEMP ${kind} ${step.relation} AS\n${sql}`);
        if (kind === 'VIEW') viewSql.set(step.relation, sql);
      }
      // A table nothing reads any more is dropped at once: a 10M-row run otherwise keeps
      // every intermediate copy under memory_limit and spills.
      for (const table of freeAfter.get(i) ?? []) await db.run(`DROP TABLE ${table}`);
      timer(step.file, await duckdbMemory(db));
    }

    const dataQuality = [];
    for (const rule of rules) {
      const rows = await db.all(`SELECT failed_rows FROM (\n${renderSql(rule.sql, 'duckdb')}\n) q`);
      const failedRows = Number(rows[0]?.failed_rows ?? 0);
      dataQuality.push({
        rule: rule.rule,
        description: rule.description,
        passed: failedRows === 0,
        failedRows,
      });
    }
    timer('quality', await duckdbMemory(db));

    const counts = (await db.all(`SELECT * FROM ${plan.runCounts}`))[0] ?? {};
    const quarantineReasons = quarantineReasonsOf(
      await db.all(`SELECT * FROM ${plan.quarantineTop.relation} ORDER BY rank`),
    );
    const partitionsWritten: WrittenPartition[] = [];
    const publish: Publish = (staging, table, rel) =>
      publishVersion(committed, lakeRoot, staging, join(tableDir(lakeRoot, table), rel), jobRunId);
    for (const { table, relation, where } of plan.outputs) {
      partitionsWritten.push(...(await writePartitions(db, work, table, relation, where, timer, publish)));
      timer(`publish ${table}`);
    }

    const summary: RunSummary = {
      jobRunId,
      jobName,
      manifestId: manifest.manifestId,
      correlationId: manifest.correlationId,
      startedAt,
      finishedAt: clock.now().toISOString(),
      objects: objects.length,
      rowsIn: Number(counts.rows_in ?? 0),
      rowsKept: Number(counts.rows_kept ?? 0),
      rowsQuarantined: Number(counts.rows_quarantined ?? 0),
      duplicates: Number(counts.duplicates ?? 0),
      partitionsWritten,
      dataQuality,
      quarantineReasons,
      planVersion: version,
    };
    if (summary.rowsIn !== summary.rowsKept + summary.rowsQuarantined + summary.duplicates) {
      throw new AppError(
        'RowAccountingMismatch',
        `rows in ${summary.rowsIn} != kept + quarantined + duplicates`,
        {
          retryable: false,
        },
      );
    }
    // The commit: until this one file exists no reader takes any version this run wrote.
    writeFileAtomic(join(lakeRoot, runSummaryKey(jobRunId)), `${JSON.stringify(summary, null, 2)}\n`);
    log.info('etl run finished', {
      jobRunId,
      rowsIn: summary.rowsIn,
      rowsKept: summary.rowsKept,
      rowsQuarantined: summary.rowsQuarantined,
      duplicates: summary.duplicates,
      partitions: partitionsWritten.length,
    });
    return summary;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('EtlJobFailed', `ETL run ${jobRunId} failed: ${(e as Error).message}`, { cause: e });
  } finally {
    db.close();
    removeDir(work);
  }
}

/**
 * For each step index, the materialized step tables whose last reader is that step. A
 * view reads its sources whenever the view is read, so a use of a view counts as a use
 * of everything it reads. Relations named in `readAfter` (SQL text or names) are kept.
 */
export function tablesFreedAfter(
  steps: readonly { relation: string; materialize: string; sql: string }[],
  readAfter: readonly string[],
): Map<number, string[]> {
  const mentions = (sql: string, name: string): boolean => new RegExp(`\\b${name}\\b`).test(sql);
  const sources = new Map(
    steps.map((s, i) => [
      s.relation,
      steps
        .slice(0, i)
        .filter((p) => mentions(s.sql, p.relation))
        .map((p) => p.relation),
    ]),
  );
  const isView = new Set(steps.filter((s) => s.materialize !== 'table').map((s) => s.relation));
  const reads = (relation: string): string[] =>
    (sources.get(relation) ?? []).flatMap((r) => (isView.has(r) ? [r, ...reads(r)] : [r]));
  const lastUse = new Map<string, number>();
  steps.forEach((step, i) => {
    for (const r of reads(step.relation)) lastUse.set(r, i);
  });
  const kept = new Set(
    steps
      .filter((s) => readAfter.some((text) => mentions(text, s.relation)))
      .flatMap((s) => (isView.has(s.relation) ? [s.relation, ...reads(s.relation)] : [s.relation])),
  );
  const freed = new Map<number, string[]>();
  for (const [relation, i] of lastUse) {
    if (kept.has(relation) || isView.has(relation)) continue;
    freed.set(i, [...(freed.get(i) ?? []), relation]);
  }
  return freed;
}

/**
 * The materialized steps that read `staged_records` (directly or through views): they
 * are built one staging batch at a time, appending to their table.
 */
export function stepsPerStagingBatch(
  steps: readonly { relation: string; materialize: string; sql: string }[],
): Set<string> {
  const readsStaging = new Set(['staged_records']);
  const out = new Set<string>();
  for (const step of steps) {
    if (![...readsStaging].some((r) => new RegExp(`\\b${r}\\b`).test(step.sql))) continue;
    if (step.materialize === 'table') out.add(step.relation);
    else readsStaging.add(step.relation);
  }
  return out;
}

/** The plan's quarantine_top rows as the run summary carries them (twin: etl_runner.py). */
export function quarantineReasonsOf(rows: readonly Record<string, unknown>[]): QuarantineReason[] {
  return rows.map((r) => ({
    reasonCodes: String(r.reason_codes_csv).split(','),
    ...(r.reason_detail === null || r.reason_detail === undefined ? {} : { detail: String(r.reason_detail) }),
    rows: Number(r.rows),
  }));
}

/** A key listed twice in one manifest is read once (the latest write). */
function uniqueObjects(objects: Manifest['objects']): Manifest['objects'] {
  const byKey = new Map<string, Manifest['objects'][number]>();
  for (const o of objects) {
    const prev = byKey.get(o.key);
    if (!prev || prev.lastModified < o.lastModified) byKey.set(o.key, o);
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function phaseTimer(log: Logger, jobRunId: string): (phase: string, extra?: DuckDbMemory) => void {
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  return (phase, extra) => {
    const now = performance.now();
    // CPU of the whole process (DuckDB's threads included): cpuMs near threads x ms is a
    // phase bound by computing, far below it one that waits (I/O, a single thread).
    const cpu = process.cpuUsage(lastCpu);
    log.debug('etl phase', {
      jobRunId,
      phase,
      ms: Math.round(now - last),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      ...extra,
    });
    last = now;
    lastCpu = process.cpuUsage();
  };
}

/** DuckDB's own memory after a phase, and what it holds spilled to the run's scratch folder (MiB). */
interface DuckDbMemory {
  duckdbMb: number;
  spilledMb: number;
}

/**
 * Read after each step, for the phase log: a step whose tables no longer fit memory_limit
 * reads and writes spill files, which the phase times alone do not show (issue 16: at 10M
 * rows validated_records and bars_out hold about 2.4 GB each, and 06 took 14 s under the
 * 2 GB limit against 10 s under 8 GB).
 */
async function duckdbMemory(db: DuckSession): Promise<DuckDbMemory> {
  const [r] = await db.all(
    'SELECT sum(memory_usage_bytes) AS held, sum(temporary_storage_bytes) AS spilled FROM duckdb_memory()',
  );
  const mib = (v: unknown) => Math.round(Number(v ?? 0) / 2 ** 20);
  return { duckdbMb: mib(r?.held), spilledMb: mib(r?.spilled) };
}

const tableDir = (lakeRoot: string, table: TableName): string => join(lakeRoot, tables[table].location);
/** The Parquet files of a partition folder's current version. */
type PartitionFiles = (partitionDir: string) => string[];
const columnNames = (table: TableName): string[] => tables[table].columns.map((c) => c.name);
/** Partition keys that are not columns (bars' date): they exist only in the path. */
const pathOnlyKeys = (table: TableName): string[] =>
  tables[table].partitionKeys.filter((k) => !(columnNames(table) as string[]).includes(k));

/**
 * Loads an existing-rows relation of the plan: the table's partitions are listed into
 * `lake_partitions`, the plan's selection SQL picks the ones to read (with is_context),
 * and their rows are read with the partition keys taken from the paths.
 */
async function loadExisting(
  db: DuckSession,
  lakeRoot: string,
  partitionFiles: PartitionFiles,
  name: string,
  spec: ExistingSpec,
): Promise<void> {
  const { table } = spec;
  const keys = tables[table].partitionKeys;
  const cols = [
    ...tables[table].columns.map((c) => `${c.name} ${duckdbType[c.type]}`),
    ...pathOnlyKeys(table).map((k) => `${k} VARCHAR`),
    'is_context INTEGER',
  ];
  await db.run(`CREATE OR REPLACE TEMP TABLE ${name} (${cols.join(', ')})`);
  await db.run(
    `CREATE OR REPLACE TEMP TABLE lake_partitions (${keys.map((k) => `${k} VARCHAR`).join(', ')})`,
  );
  const dir = tableDir(lakeRoot, table);
  const pathOf = (values: Record<string, unknown>) =>
    join(dir, partitionPath(keys, Object.fromEntries(keys.map((k) => [k, String(values[k])]))));
  // Only partitions with a current version exist for the selection: a folder holding
  // nothing but a failed run's versions is not one (its "previous partition" is older).
  // Finding a folder's current version reads its version folders, and a 10M-row lake has
  // 7,000-50,000 bars partitions (2.8 s of a one-symbol-day run), so it is found only for the
  // folders the selection picks: select over every folder, drop the picked ones that have
  // no current version, select again, until every picked folder has one. The result is the
  // selection over the partitions that exist: the plan's selections read lake_partitions
  // only through joins, min and max, so a folder that is not picked changes nothing.
  const filesOf = new Map<string, string[]>();
  const candidates = listPartitions(dir, keys).map((values) => ({ values, at: pathOf(values) }));
  const absent = new Set<string>();
  let chosen: Row[];
  for (;;) {
    const listed = candidates.filter((c) => !absent.has(c.at)).map((c) => c.values);
    await db.run('DELETE FROM lake_partitions');
    // One statement for all of them: the values are bound as one list per key and
    // unnested side by side.
    if (listed.length) {
      await db.run(
        `INSERT INTO lake_partitions SELECT ${keys.map((k, i) => `unnest($${i + 1}::VARCHAR[]) AS ${k}`).join(', ')}`,
        keys.map((k) => listValue(listed.map((p) => p[k]!))),
      );
    }
    chosen = await db.all(renderSql(partitionSelectSql(spec), 'duckdb'));
    const before = absent.size;
    for (const r of chosen) {
      const at = pathOf(r);
      if (!filesOf.has(at)) filesOf.set(at, partitionFiles(at));
      if (!filesOf.get(at)!.length) absent.add(at);
    }
    if (absent.size === before) break;
  }
  const hiveTypes = keys.map((k) => `${sqlString(k)}: 'VARCHAR'`).join(', ');
  for (const isContext of [0, 1]) {
    const files = chosen
      .filter((r) => Number(r.is_context) === isContext)
      .flatMap((r) => filesOf.get(pathOf(r)) ?? []);
    if (!files.length) continue;
    const scan = `read_parquet(${sqlStringList(files)}, hive_partitioning = true, hive_types = {${hiveTypes}}, union_by_name = true)`;
    // A column that no file has yet (files written before it was added: quarantine's
    // reason_detail; plan_version, lake layout < 3) reads as NULL, as the catalogs read it;
    // union_by_name fills it only where some file has it.
    const present = new Set(
      (await db.all(`DESCRIBE SELECT * FROM ${scan}`)).map((r) => String(r.column_name)),
    );
    const select = tables[table].columns.map((c) =>
      present.has(c.name) ? c.name : `CAST(NULL AS ${duckdbType[c.type]}) AS ${c.name}`,
    );
    // A partition key that is also a column (bars' symbol) is read from the path.
    await db.run(
      `INSERT INTO ${name} SELECT ${[...select, ...pathOnlyKeys(table)].join(', ')}, ${isContext}
       FROM ${scan}`,
    );
  }
  await db.run('DROP TABLE lake_partitions');
}
