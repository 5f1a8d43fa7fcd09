/**
 * The Glue catalog adapter on a mocked client: request shapes and the error paths moto
 * cannot make (per-entry errors, UnprocessedKeys). What Glue does with them — the forward
 * switch, schema migration and refusal — is tested on moto with IAM enforced
 * (services/catalog-sync/src/catalog-switch.stage.test.ts).
 */
import {
  BatchCreatePartitionCommand,
  BatchGetPartitionCommand,
  BatchUpdatePartitionCommand,
  GetTableCommand,
  GlueClient,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import {
  type ColumnSpec,
  schemaVersionParameters,
  type TableName,
  type TableSpec,
  tables,
} from '@ohlcv/core';
import { describeCatalogContract } from '@ohlcv/core/contracts/index';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { glueCatalog } from './glue-catalog.ts';

const glue = mockClient(GlueClient);

const glueColumns = (spec: TableSpec): { Name: string; Type: string }[] =>
  spec.columns
    .filter((c) => !(spec.partitionKeys as readonly string[]).includes(c.name))
    .map((c) => ({ Name: c.name, Type: c.type }));
const glueTable = (spec: TableSpec, columns = glueColumns(spec)) => ({
  Table: {
    Name: spec.name,
    DatabaseName: 'ohlcv_dev',
    CreateTime: new Date(),
    TableType: 'EXTERNAL_TABLE',
    Parameters: { classification: 'parquet', ...schemaVersionParameters(spec) },
    PartitionKeys: spec.partitionKeys.map((k) => ({ Name: k, Type: 'string' })),
    StorageDescriptor: {
      Columns: columns,
      Location: `s3://lake-bucket/${spec.location}`,
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    },
  },
});
const catalog = (t?: Record<TableName, TableSpec>) =>
  glueCatalog({ database: 'ohlcv_dev', client: glue as unknown as GlueClient, ...(t ? { tables: t } : {}) });

beforeEach(() => glue.reset());

describeCatalogContract('glueCatalog (mocked Glue)', () => {
  // Glue as it answers: the declared tables exist; a partition created before is
  // AlreadyExistsException in BatchCreatePartition's per-entry Errors.
  const created = new Set<string>();
  glue
    .on(BatchGetPartitionCommand)
    .callsFake((input: { TableName: string; PartitionsToGet: { Values: string[] }[] }) => ({
      Partitions: input.PartitionsToGet.filter((p) =>
        created.has(`${input.TableName}|${p.Values.join('/')}`),
      ).map((p) => ({ Values: p.Values, StorageDescriptor: { Location: 's3://lake-bucket/x/' } })),
    }));
  glue.on(GetTableCommand).callsFake((input: { Name: string }) => {
    const spec = (tables as Record<string, TableSpec | undefined>)[input.Name];
    if (!spec) throw Object.assign(new Error('Table not found'), { name: 'EntityNotFoundException' });
    return glueTable(spec);
  });
  glue
    .on(BatchCreatePartitionCommand)
    .callsFake((input: { TableName: string; PartitionInputList: { Values: string[] }[] }) => {
      const Errors = [];
      for (const p of input.PartitionInputList) {
        const id = `${input.TableName}|${p.Values.join('/')}`;
        if (created.has(id)) {
          Errors.push({
            PartitionValues: p.Values,
            ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'exists' },
          });
        } else created.add(id);
      }
      return { Errors };
    });
  return { catalog: catalog() };
});

describe('glueCatalog', () => {
  beforeEach(() => {
    glue.on(BatchGetPartitionCommand).resolves({ Partitions: [] });
  });

  it('adds partitions with values in key order and the table storage at the partition location', async () => {
    glue.on(GetTableCommand).resolves(glueTable(tables.bars));
    glue.on(BatchCreatePartitionCommand).resolves({ Errors: [] });
    const result = await catalog().registerPartitions('bars', [
      {
        values: { symbol: 'BTC/USD', date: '2024-01-02' },
        location: 'processed/bars/date=2024-01-02/symbol=BTC%2FUSD/',
      },
    ]);
    expect(result).toMatchObject({ added: 1, existing: 0, switched: 0, superseded: [] });
    const input = glue.commandCalls(BatchCreatePartitionCommand)[0]!.args[0].input;
    expect(input.DatabaseName).toBe('ohlcv_dev');
    expect(input.TableName).toBe('bars');
    expect(input.PartitionInputList?.[0]).toMatchObject({
      Values: ['2024-01-02', 'BTC/USD'],
      StorageDescriptor: {
        Location: 's3://lake-bucket/processed/bars/date=2024-01-02/symbol=BTC%2FUSD/',
        SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
      },
    });
    expect(glue.commandCalls(UpdateTableCommand)).toHaveLength(0);
  });

  it('chunks by 100; a partition created meanwhile (AlreadyExistsException) is read again, not counted twice', async () => {
    glue.on(GetTableCommand).resolves(glueTable(tables.bars_hourly));
    const raced = ['2024-01-01', '2024-01-02'];
    glue
      .on(BatchCreatePartitionCommand)
      .resolvesOnce({
        Errors: raced.map((d) => ({
          PartitionValues: [d],
          ErrorDetail: { ErrorCode: 'AlreadyExistsException', ErrorMessage: 'exists' },
        })),
      })
      .resolves({});
    // First read: nothing there; the re-read after the race finds the two.
    glue
      .on(BatchGetPartitionCommand)
      .resolvesOnce({ Partitions: [] })
      .resolvesOnce({
        Partitions: raced.map((d) => ({
          Values: [d],
          StorageDescriptor: { Location: `s3://lake-bucket/processed/bars_hourly/date=${d}/` },
        })),
      })
      .resolves({ Partitions: [] });
    const parts = Array.from({ length: 250 }, (_, i) => {
      const date = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10);
      return { values: { date }, location: `processed/bars_hourly/date=${date}/` };
    });
    expect(await catalog().registerPartitions('bars_hourly', parts)).toMatchObject({
      added: 248,
      existing: 2,
      switched: 0,
    });
    expect(
      glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input.PartitionInputList?.length),
    ).toEqual([100, 100, 50]);
    expect(glue.commandCalls(GetTableCommand)).toHaveLength(1);
    expect(glue.commandCalls(BatchUpdatePartitionCommand)).toHaveLength(0);
  });

  it('switches forward in chunks of 100 (BatchUpdatePartition), never back, and reports what it superseded', async () => {
    glue.on(GetTableCommand).resolves(glueTable(tables.bars_hourly));
    glue.on(BatchUpdatePartitionCommand).resolves({ Errors: [] });
    const dates = Array.from({ length: 150 }, (_, i) =>
      new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10),
    );
    const loc = (d: string, v: number) =>
      `processed/bars_hourly/date=${d}/_v${String(v).padStart(10, '0')}-jr_${v}/`;
    // Registered at version 5, except the last 10 at version 9 (newer than what comes).
    glue.on(BatchGetPartitionCommand).callsFake((input: { PartitionsToGet: { Values: string[] }[] }) => ({
      Partitions: input.PartitionsToGet.map((p) => {
        const d = p.Values[0]!;
        return {
          Values: [d],
          StorageDescriptor: { Location: `s3://lake-bucket/${loc(d, dates.indexOf(d) >= 140 ? 9 : 5)}` },
        };
      }),
    }));
    const out = await catalog().registerPartitions(
      'bars_hourly',
      dates.map((d) => ({ values: { date: d }, location: loc(d, 7) })),
    );
    expect(out).toMatchObject({ added: 0, existing: 150, switched: 140 });
    expect(out.superseded).toHaveLength(140);
    expect(out.superseded?.[0]).toEqual({
      table: 'bars_hourly',
      values: { date: dates[0] },
      location: loc(dates[0]!, 5),
    });
    const calls = glue.commandCalls(BatchUpdatePartitionCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Entries?.length)).toEqual([100, 40]);
    expect(calls[0]?.Entries?.[0]).toMatchObject({
      PartitionValueList: [dates[0]],
      PartitionInput: {
        Values: [dates[0]],
        StorageDescriptor: { Location: `s3://lake-bucket/${loc(dates[0]!, 7)}` },
      },
    });
    expect(glue.commandCalls(BatchCreatePartitionCommand)).toHaveLength(0);
  });

  it('fails retryably when BatchUpdatePartition reports a throttled entry', async () => {
    glue.on(GetTableCommand).resolves(glueTable(tables.quarantine));
    glue.on(BatchGetPartitionCommand).resolves({
      Partitions: [
        {
          Values: ['2024-01-01'],
          StorageDescriptor: { Location: 's3://lake-bucket/quarantine/date=2024-01-01/' },
        },
      ],
    });
    glue.on(BatchUpdatePartitionCommand).resolves({
      Errors: [
        {
          PartitionValueList: ['2024-01-01'],
          ErrorDetail: { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
        },
      ],
    });
    await expect(
      catalog().registerPartitions('quarantine', [
        { values: { date: '2024-01-01' }, location: 'quarantine/date=2024-01-01/_v0000000001-jr_a/' },
      ]),
    ).rejects.toMatchObject({
      code: 'GluePartitionFailed',
      retryable: true,
      message: expect.stringMatching(/BatchUpdatePartition.*ThrottlingException/),
    });
  });

  it('fails with the first error when a partition fails for another reason', async () => {
    glue.on(GetTableCommand).resolves(glueTable(tables.quarantine));
    glue.on(BatchCreatePartitionCommand).resolves({
      Errors: [
        {
          PartitionValues: ['2024-01-01'],
          ErrorDetail: { ErrorCode: 'InternalServiceException', ErrorMessage: 'boom' },
        },
      ],
    });
    await expect(
      catalog().registerPartitions('quarantine', [
        { values: { date: '2024-01-01' }, location: 'quarantine/date=2024-01-01/' },
      ]),
    ).rejects.toMatchObject({
      code: 'GluePartitionFailed',
      retryable: true,
      message: expect.stringMatching(/InternalServiceException: boom/),
    });
  });

  it('appends a new nullable column with UpdateTable, keeping the rest of the table', async () => {
    const spread: ColumnSpec = { name: 'spread', type: 'double', nullable: true, comment: 'high - low' };
    const evolved = {
      ...tables,
      bars_daily: { ...tables.bars_daily, columns: [...tables.bars_daily.columns, spread] },
    } as unknown as Record<TableName, TableSpec>;
    glue.on(GetTableCommand).resolves(glueTable(tables.bars_daily));
    glue.on(UpdateTableCommand).resolves({});
    glue.on(BatchCreatePartitionCommand).resolves({});
    await catalog(evolved).registerPartitions('bars_daily', [
      { values: { month: '2024-02' }, location: 'processed/bars_daily/month=2024-02/' },
    ]);
    const input = glue.commandCalls(UpdateTableCommand)[0]!.args[0].input.TableInput!;
    expect(input.Name).toBe('bars_daily');
    expect(input.PartitionKeys).toEqual([{ Name: 'month', Type: 'string' }]);
    expect(input.StorageDescriptor?.Columns?.at(-1)).toEqual({
      Name: 'spread',
      Type: 'double',
      Comment: 'high - low',
    });
    expect(input.StorageDescriptor?.Columns).toHaveLength(glueColumns(tables.bars_daily).length + 1);
    // Stamped with the evolved schema's version (one more column).
    expect(input.Parameters).toMatchObject({
      classification: 'parquet',
      ...schemaVersionParameters(evolved.bars_daily),
    });
    expect(input).not.toHaveProperty('CreateTime');
    const partition =
      glue.commandCalls(BatchCreatePartitionCommand)[0]!.args[0].input.PartitionInputList![0]!;
    expect(partition.StorageDescriptor?.Columns?.at(-1)?.Name).toBe('spread');
  });

  it('refuses to drop or retype a column', async () => {
    const cols = glueColumns(tables.bars_daily).map((c) =>
      c.Name === 'close' ? { ...c, Type: 'string' } : c,
    );
    glue.on(GetTableCommand).resolves(glueTable(tables.bars_daily, cols));
    await expect(catalog().registerPartitions('bars_daily', [])).rejects.toMatchObject({
      code: 'IncompatibleSchemaChange',
    });
  });

  it('maps a missing table to GlueTableMissing and rejects bad partitions', async () => {
    glue
      .on(GetTableCommand)
      .rejects(Object.assign(new Error('Table not found'), { name: 'EntityNotFoundException' }));
    await expect(catalog().registerPartitions('bars', [])).rejects.toMatchObject({
      code: 'GlueTableMissing',
    });
    glue.reset();
    glue.on(GetTableCommand).resolves(glueTable(tables.bars));
    await expect(
      catalog().registerPartitions('bars', [
        { values: { date: '2024-01-01' }, location: 'processed/bars/date=2024-01-01/' },
      ]),
    ).rejects.toMatchObject({ code: 'InvalidPartition' });
    expect(glue.commandCalls(BatchCreatePartitionCommand)).toHaveLength(0);
  });
});
