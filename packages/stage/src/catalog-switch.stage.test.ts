/**
 * The Glue side of atomic publish and of table schema versions, on moto with IAM enforced:
 * the real etl-trigger and catalog-sync entries run in their workers with their own
 * policies, the harness runs each Glue run on the local ETL, and the test reads the
 * Athena-facing catalog (GetPartitions) as the admin. The sweep of superseded versions and
 * the schema cases call catalog-sync's own modules in-process, signed as catalog-sync's IAM
 * user, so its grants are what moto checks. One moto server for the file.
 */

import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetPartitionsCommand,
  GetTableCommand,
  type GlueClient,
  type Table,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import {
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { s3ObjectStore } from '@ohlcv/aws';
import { glueCatalog } from '@ohlcv/aws/glue-catalog/index';
import {
  type Catalog,
  type Clock,
  dataColumns,
  isAppError,
  SCHEMA_VERSION_PARAMETER,
  type TableSpec,
  tableSchemaVersion,
  tables,
} from '@ohlcv/core';
import { requireToolchain, venvPython } from '@ohlcv/core/testing/toolchain';
import { GLUE_JOB_STATE_CHANGE, GLUE_SOURCE } from '@ohlcv/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPERSEDED_PREFIX, sweepSuperseded } from '../../../services/catalog-sync/src/superseded.ts';
import { awsClients } from './clients.ts';
import previousRelease from './fixtures/glue-tables-release-1.json' with { type: 'json' };
import { type Emulator, startMoto } from './moto-server.ts';
import { Rehearsal } from './rehearsal.ts';

const hasMoto = requireToolchain(
  'moto server (python venv)',
  !!venvPython(),
  'run .ci/prepare.d/10-python.sh (builds ~/.cache/ohlcv-data-engine/venv with moto[server])',
);

const HEADER = 'symbol,interval,timestamp,open,high,low,close,volume\n';
const VERSION = /\/_v(\d{10})-([^/]+)\/$/;

describe.skipIf(!hasMoto)('Glue catalog switch and schema versions on moto with IAM enforced', () => {
  let moto: Emulator;
  let r: Rehearsal;
  let asCatalogSync: { glue: GlueClient; s3: S3Client };

  beforeAll(async () => {
    moto = await startMoto();
    r = await Rehearsal.start({
      stageName: 'switch',
      services: ['etl-trigger', 'catalog-sync'],
      subscription: false,
      emulator: moto,
      windowScale: 0.2,
      stepTimeoutMs: 60_000,
    });
    const creds = r.stage.functions['catalog-sync']!.credentials;
    const c = awsClients(r.endpoint, creds);
    asCatalogSync = { glue: c.glue, s3: c.s3 };
  }, 120_000);
  afterAll(async () => {
    await r?.close();
    await moto?.stop();
  });

  /** Every partition of a table as the catalog lists it: values joined → lake-relative location. */
  const partitions = async (table: string): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    let token: string | undefined;
    do {
      const page = await r.admin.glue.send(
        new GetPartitionsCommand({ DatabaseName: r.stage.glueDatabase, TableName: table, NextToken: token }),
      );
      for (const p of page.Partitions ?? [])
        out.set(
          (p.Values ?? []).join('/'),
          (p.StorageDescriptor?.Location ?? '').replace(`s3://${r.stage.bucket}/`, ''),
        );
      token = page.NextToken;
    } while (token);
    return out;
  };
  const keys = async (prefix: string): Promise<string[]> => {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await r.admin.s3.send(
        new ListObjectsV2Command({ Bucket: r.stage.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) out.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  };
  const drop = async (key: string, body: string) => {
    await r.admin.s3.send(new PutObjectCommand({ Bucket: r.stage.bucket, Key: key, Body: body }));
    expect(await r.runUntilIdle(), `idle after dropping ${key}`).toBe(true);
  };
  const stateChange = async (jobRunId: string, state: 'SUCCEEDED' | 'FAILED') => {
    const out = await r.admin.events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: GLUE_SOURCE,
            DetailType: GLUE_JOB_STATE_CHANGE,
            Detail: JSON.stringify({
              jobName: r.stage.etlJobName,
              severity: state === 'SUCCEEDED' ? 'INFO' : 'ERROR',
              state,
              jobRunId,
              message: state === 'SUCCEEDED' ? 'Job run succeeded' : 'Job run failed',
            }),
            EventBusName: 'default',
          },
        ],
      }),
    );
    expect(out.FailedEntryCount ?? 0).toBe(0);
    expect(await r.runUntilIdle()).toBe(true);
  };
  // bars' values in key order [date, symbol], as GetPartitions lists them.
  const barsKey = '2024-03-08/AAPL';

  /** Run 1's and run 2's locations per table, filled by the first two cases. */
  const first = new Map<string, Map<string, string>>();
  const second = new Map<string, Map<string, string>>();
  let run1 = '';
  let run2 = '';

  it('a first run registers version 1 of each partition it wrote', async () => {
    await drop('raw/drops/first.csv', `${HEADER}AAPL,1min,2024-03-08T14:00:00Z,10,11,9,10.5,100\n`);
    for (const t of ['bars', 'bars_hourly', 'bars_daily']) first.set(t, await partitions(t));
    const loc = first.get('bars')?.get(barsKey) ?? '';
    expect(loc, JSON.stringify([...(first.get('bars') ?? [])])).toMatch(VERSION);
    expect(VERSION.exec(loc)?.[1]).toBe('0000000001');
    run1 = VERSION.exec(loc)?.[2] ?? '';
  }, 120_000);

  it('a second run writing the same partitions switches the catalog to its versions (BatchUpdatePartition)', async () => {
    await drop('raw/drops/second.csv', `${HEADER}AAPL,1min,2024-03-08T15:00:00Z,10.5,12,10,11.5,200\n`);
    for (const t of ['bars', 'bars_hourly', 'bars_daily']) second.set(t, await partitions(t));
    const loc = second.get('bars')?.get(barsKey) ?? '';
    expect(VERSION.exec(loc)?.[1], loc).toBe('0000000002');
    run2 = VERSION.exec(loc)?.[2] ?? '';
    expect(run2).not.toBe(run1);
    // Every table the run rewrote points at run 2's version now, none at run 1's.
    for (const t of ['bars', 'bars_hourly', 'bars_daily']) {
      for (const [values, l] of second.get(t) ?? []) {
        expect(l, `${t} ${values}`).toContain(`-${run2}/`);
      }
    }
    // Within the grace period the superseded version's files are still there (a query
    // planned before the switch may read them) and the ledger names them.
    const v1 = first.get('bars')?.get(barsKey) ?? '';
    expect((await keys(v1)).length).toBeGreaterThan(0);
    const ledger = await keys(SUPERSEDED_PREFIX);
    expect(ledger.length).toBe(3); // bars, bars_hourly, bars_daily of 2024-03-08
    // With exactly its policy: no call of the switch was denied, nothing dead-lettered.
    expect(r.accessDenied('catalog-sync')).toBe(0);
    expect(Object.values(await r.dlqDepths()).every((d) => d === 0)).toBe(true);
  }, 120_000);

  it('a late delivery of the first run’s summary changes nothing: never backwards', async () => {
    // As if run 1's first sync had failed before its markers: its state change arrives
    // after run 2's switch, with nothing to tell it apart but the version numbers.
    for (const m of ['catalog-synced.json', 'catalog-sync-pending.json'])
      await r.admin.s3.send(new DeleteObjectCommand({ Bucket: r.stage.bucket, Key: `_runs/${run1}/${m}` }));
    await stateChange(run1, 'SUCCEEDED');
    expect((await keys(`_runs/${run1}/catalog-synced.json`)).length, 'run 1 synced again').toBe(1);
    for (const t of ['bars', 'bars_hourly', 'bars_daily'])
      expect(await partitions(t), t).toEqual(second.get(t));
    // A plain redelivery (markers in place) is a no-op too.
    await stateChange(run2, 'SUCCEEDED');
    expect(await partitions('bars')).toEqual(second.get('bars'));
    expect((await keys(SUPERSEDED_PREFIX)).length).toBe(3);
  }, 120_000);

  it('a failed run is never switched, even with a summary listing a newer version', async () => {
    const failed = 'jr_failed_after_writing';
    const v3 = (second.get('bars')?.get(barsKey) ?? '').replace(VERSION, `/_v0000000003-${failed}/`);
    await r.admin.s3.send(
      new PutObjectCommand({ Bucket: r.stage.bucket, Key: `${v3}data_0.parquet`, Body: 'not read' }),
    );
    await r.admin.s3.send(
      new PutObjectCommand({
        Bucket: r.stage.bucket,
        Key: `_runs/${failed}/summary.json`,
        Body: JSON.stringify({
          jobRunId: failed,
          jobName: r.stage.etlJobName,
          manifestId: 'm-x',
          correlationId: 'c-x',
          startedAt: new Date().toISOString(),
          finishedAt: new Date().toISOString(),
          objects: 1,
          rowsIn: 1,
          rowsKept: 1,
          rowsQuarantined: 0,
          duplicates: 0,
          partitionsWritten: [
            { table: 'bars', values: { date: '2024-03-08', symbol: 'AAPL' }, location: v3, rows: 1 },
          ],
          dataQuality: [],
        }),
      }),
    );
    await stateChange(failed, 'FAILED');
    expect(await partitions('bars')).toEqual(second.get('bars'));
    expect((await keys(`_runs/${failed}/catalog-synced.json`)).length).toBe(0);
  }, 120_000);

  it('superseded versions are deleted after the grace period, signed as catalog-sync; the live ones stay', async () => {
    const store = s3ObjectStore({ bucket: r.stage.bucket, client: asCatalogSync.s3 });
    const at = (ms: number): Clock => ({ now: () => new Date(Date.now() + ms) });
    const graceMs = 60 * 60_000;
    // Inside the grace period: nothing goes.
    expect(await sweepSuperseded(store, at(0), graceMs)).toMatchObject({ versions: 0, objects: 0 });
    const v1 = [...(first.values() ?? [])].flatMap((m) => [...m.values()]);
    for (const loc of v1) expect((await keys(loc)).length, loc).toBeGreaterThan(0);
    // After it: run 1's versions go, with their ledger entries.
    const swept = await sweepSuperseded(store, at(graceMs + 60_000), graceMs);
    expect(swept.versions).toBe(3);
    for (const loc of v1) expect(await keys(loc), loc).toEqual([]);
    expect(await keys(SUPERSEDED_PREFIX)).toEqual([]);
    for (const m of second.values())
      for (const loc of m.values()) expect((await keys(loc)).length, loc).toBeGreaterThan(0);
  }, 60_000);

  // ---- table schema versions --------------------------------------------------------

  const getTable = async (name: string): Promise<Table> =>
    (await r.admin.glue.send(new GetTableCommand({ DatabaseName: r.stage.glueDatabase, Name: name })))
      .Table as Table;
  /** Overwrites a table's columns and Parameters as the admin (what another release's deploy would leave). */
  const setTable = async (
    name: string,
    columns: { Name: string; Type: string }[],
    parameters: Record<string, string>,
  ) => {
    const t = await getTable(name);
    await r.admin.glue.send(
      new UpdateTableCommand({
        DatabaseName: r.stage.glueDatabase,
        TableInput: {
          Name: t.Name,
          TableType: t.TableType,
          Parameters: parameters,
          PartitionKeys: t.PartitionKeys,
          StorageDescriptor: { ...t.StorageDescriptor, Columns: columns },
        },
      }),
    );
  };
  const catalogSyncCatalog = (): Catalog =>
    glueCatalog({
      database: r.stage.glueDatabase,
      lakeUri: `s3://${r.stage.bucket}/`,
      client: asCatalogSync.glue,
    });
  const columnSet = (t: Table) =>
    (t.StorageDescriptor?.Columns ?? []).map((c) => `${c.Name}:${c.Type}`).sort();
  const declaredSet = (spec: TableSpec) =>
    dataColumns(spec)
      .map((c) => `${c.name}:${c.type}`)
      .sort();

  it("migrates each table from the previous release's definition: new columns appended, version stamped", async () => {
    const fixture = previousRelease as unknown as Record<
      string,
      { columns: { Name: string; Type: string }[]; parameters: Record<string, string> }
    >;
    for (const spec of Object.values(tables)) {
      const old = fixture[spec.name];
      expect(old, spec.name).toBeDefined();
      await setTable(spec.name, old!.columns, old!.parameters);
    }
    // And one table a column further back than that (derived: its last nullable column gone),
    // so a column migration is exercised whatever the previous release declared.
    const daily = tables.bars_daily;
    const lastNullable = dataColumns(daily)
      .filter((c) => c.nullable)
      .at(-1)!;
    await setTable(
      daily.name,
      dataColumns(daily)
        .filter((c) => c.name !== lastNullable.name)
        .map((c) => ({ Name: c.name, Type: c.type })),
      fixture[daily.name]!.parameters,
    );
    const catalog = catalogSyncCatalog();
    for (const spec of Object.values(tables)) {
      await catalog.registerPartitions(spec.name, []);
      const t = await getTable(spec.name);
      expect(columnSet(t), spec.name).toEqual(declaredSet(spec));
      expect(t.Parameters?.[SCHEMA_VERSION_PARAMETER], spec.name).toBe(
        String(tableSchemaVersion(spec).version),
      );
      expect(t.Parameters?.['ohlcv.schema_hash'], spec.name).toBe(tableSchemaVersion(spec).hash);
      // The rest of the table as it was.
      expect(t.Parameters?.classification).toBe('parquet');
    }
    expect((await getTable(daily.name)).StorageDescriptor?.Columns?.at(-1)?.Name).toBe(lastNullable.name);
    // The live partitions are untouched by the migration.
    expect(await partitions('bars')).toEqual(second.get('bars'));
  }, 60_000);

  it('refuses a table stamped by a newer release, saying what to do, and leaves it as it is', async () => {
    const spec = tables.bars_hourly;
    const ours = tableSchemaVersion(spec);
    const newer = [
      ...dataColumns(spec).map((c) => ({ Name: c.name, Type: c.type })),
      { Name: 'from_the_future', Type: 'string' },
    ];
    await setTable(spec.name, newer, {
      classification: 'parquet',
      [SCHEMA_VERSION_PARAMETER]: String(ours.version + 1),
      'ohlcv.schema_hash': 'ffffffffffffffff',
    });
    const err = await catalogSyncCatalog()
      .registerPartitions(spec.name, [
        {
          values: { date: '2024-03-09' },
          location: 'processed/bars_hourly/date=2024-03-09/_v0000000001-jr_x/',
        },
      ])
      .catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('GlueTableTooNew');
    expect(String((err as Error).message)).toMatch(
      new RegExp(
        `schema version ${ours.version + 1}, newer than this release's ${ours.version}.*Deploy that release`,
      ),
    );
    const t = await getTable(spec.name);
    expect(t.StorageDescriptor?.Columns?.at(-1)?.Name).toBe('from_the_future');
    expect((await partitions(spec.name)).has('2024-03-09')).toBe(false);
  }, 60_000);
});
