/**
 * Catalog on the Glue Data Catalog through the partition API: partitions are added with
 * BatchCreatePartition (100 per call, the API's limit) and an AlreadyExistsException for
 * a partition counts as `existing`. Before adding, the table definition is brought up to
 * the declared columns (tables.ts): new nullable columns are appended with UpdateTable,
 * which old partitions tolerate because Parquet columns are matched by name.
 */
import {
  BatchCreatePartitionCommand,
  type Column,
  GetTableCommand,
  GlueClient,
  type PartitionInput,
  type StorageDescriptor,
  type Table,
  type TableInput,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import {
  AppError,
  type Catalog,
  type ColumnSpec,
  tables as declaredTables,
  type PartitionSpec,
  type TableName,
  type TableSpec,
} from '@ohlcv/core';

export interface GlueCatalogOptions {
  database: string;
  client?: GlueClient;
  catalogId?: string;
  /** `s3://bucket/`; by default derived from each table's location. */
  lakeUri?: string;
  tables?: Record<TableName, TableSpec>;
}

export const BATCH_CREATE_PARTITION_LIMIT = 100;
const RETRYABLE = new Set([
  'InternalServiceException',
  'OperationTimeoutException',
  'ThrottlingException',
  'ResourceNumberLimitExceededException',
]);

export function glueCatalog(opts: GlueCatalogOptions): Catalog {
  const client = opts.client ?? new GlueClient({});
  const specs = opts.tables ?? declaredTables;
  const ids = opts.catalogId ? { CatalogId: opts.catalogId } : {};
  /** Tables already checked against the declared columns by this instance. */
  const ready = new Map<string, Table>();

  async function tableFor(spec: TableSpec): Promise<Table> {
    const cached = ready.get(spec.name);
    if (cached) return cached;
    const got = await call('GetTable', () =>
      client.send(new GetTableCommand({ ...ids, DatabaseName: opts.database, Name: spec.name })),
    );
    let table = got.Table;
    if (!table?.StorageDescriptor) {
      throw new AppError(
        'GlueTableMissing',
        `Glue table ${opts.database}.${spec.name} has no storage descriptor`,
      );
    }
    const missing = missingColumns(spec, table.StorageDescriptor.Columns ?? []);
    if (missing.length > 0) {
      const columns = [...(table.StorageDescriptor.Columns ?? []), ...missing.map(toGlueColumn)];
      const input = tableInput(table, columns);
      await call('UpdateTable', () =>
        client.send(new UpdateTableCommand({ ...ids, DatabaseName: opts.database, TableInput: input })),
      );
      table = { ...table, StorageDescriptor: { ...table.StorageDescriptor, Columns: columns } };
    }
    ready.set(spec.name, table);
    return table;
  }

  return {
    async registerPartitions(tableName, partitions) {
      const spec = (specs as Record<string, TableSpec | undefined>)[tableName];
      if (!spec) throw new AppError('UnknownTable', `unknown table ${tableName}`);
      const table = await tableFor(spec);
      const sd = table.StorageDescriptor as StorageDescriptor;
      const lakeUri = opts.lakeUri ?? deriveLakeUri(spec, sd.Location);
      let added = 0;
      let existing = 0;
      for (let i = 0; i < partitions.length; i += BATCH_CREATE_PARTITION_LIMIT) {
        const chunk = partitions.slice(i, i + BATCH_CREATE_PARTITION_LIMIT);
        const inputs = chunk.map((p) => partitionInput(spec, sd, lakeUri, p));
        const out = await call('BatchCreatePartition', () =>
          client.send(
            new BatchCreatePartitionCommand({
              ...ids,
              DatabaseName: opts.database,
              TableName: spec.name,
              PartitionInputList: inputs,
            }),
          ),
        );
        const errors = out.Errors ?? [];
        const already = errors.filter((e) => e.ErrorDetail?.ErrorCode === 'AlreadyExistsException');
        const failed = errors.filter((e) => e.ErrorDetail?.ErrorCode !== 'AlreadyExistsException');
        if (failed.length > 0) {
          const first = failed[0]?.ErrorDetail;
          throw new AppError(
            'GluePartitionFailed',
            `BatchCreatePartition on ${spec.name}: ${failed.length} partition(s) failed, first ${JSON.stringify(failed[0]?.PartitionValues)}: ${first?.ErrorCode}: ${first?.ErrorMessage}`,
            { retryable: failed.every((e) => RETRYABLE.has(e.ErrorDetail?.ErrorCode ?? '')) },
          );
        }
        existing += already.length;
        added += chunk.length - already.length;
      }
      return { added, existing };
    },
  };
}

function partitionInput(
  spec: TableSpec,
  sd: StorageDescriptor,
  lakeUri: string,
  p: PartitionSpec,
): PartitionInput {
  const values = spec.partitionKeys.map((k) => {
    const v = p.values[k];
    if (v === undefined) {
      throw new AppError(
        'InvalidPartition',
        `partition of ${spec.name} lacks a value for ${k}: ${JSON.stringify(p.values)}`,
      );
    }
    return v;
  });
  if (!p.location.startsWith(spec.location) || p.location.split('/').includes('..')) {
    throw new AppError('InvalidPartition', `partition location ${p.location} is not under ${spec.location}`);
  }
  return {
    Values: values,
    StorageDescriptor: {
      ...sd,
      Location: `${lakeUri}${p.location}`,
    },
  };
}

function deriveLakeUri(spec: TableSpec, tableLocation: string | undefined): string {
  const loc = tableLocation?.endsWith('/') ? tableLocation : `${tableLocation ?? ''}/`;
  if (!tableLocation || !loc.endsWith(`/${spec.location}`)) {
    throw new AppError(
      'GlueTableLocation',
      `cannot derive the lake URI: table ${spec.name} is at ${tableLocation}, expected .../${spec.location}; pass lakeUri`,
    );
  }
  return loc.slice(0, loc.length - spec.location.length);
}

/**
 * Declared columns the Glue table lacks. Only appended nullable ones are allowed; a
 * removed or retyped column needs a migration, not a silent update.
 */
export function missingColumns(spec: TableSpec, current: readonly Column[]): ColumnSpec[] {
  const keys = new Set<string>(spec.partitionKeys);
  const declared = spec.columns.filter((c) => !keys.has(c.name));
  const byName = new Map(current.map((c) => [c.Name?.toLowerCase(), c]));
  for (const c of current) {
    const d = declared.find((x) => x.name === c.Name?.toLowerCase());
    if (!d || d.type !== c.Type?.toLowerCase()) {
      throw new AppError(
        'IncompatibleSchemaChange',
        `Glue column ${spec.name}.${c.Name} (${c.Type}) is not in the declared schema`,
      );
    }
  }
  const missing = declared.filter((c) => !byName.has(c.name));
  const required = missing.filter((c) => !c.nullable);
  if (required.length > 0) {
    throw new AppError(
      'IncompatibleSchemaChange',
      `new columns of ${spec.name} must be nullable: ${required.map((c) => c.name).join(', ')}`,
    );
  }
  return missing;
}

const toGlueColumn = (c: ColumnSpec): Column => ({
  Name: c.name,
  Type: c.type,
  ...(c.comment ? { Comment: c.comment } : {}),
});

/** GetTable's output has read-only fields UpdateTable rejects; copy only the writable ones. */
function tableInput(t: Table, columns: Column[]): TableInput {
  return {
    Name: t.Name,
    Description: t.Description,
    Owner: t.Owner,
    Retention: t.Retention,
    TableType: t.TableType,
    Parameters: t.Parameters,
    PartitionKeys: t.PartitionKeys,
    StorageDescriptor: { ...t.StorageDescriptor, Columns: columns },
  };
}

async function call<T>(
  op: 'GetTable' | 'UpdateTable' | 'BatchCreatePartition',
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const name = err instanceof Error ? err.name : 'UnknownError';
    throw new AppError(
      name === 'EntityNotFoundException' ? 'GlueTableMissing' : (`Glue${op}Failed` as const),
      `Glue ${op}: ${name}: ${(err as Error)?.message ?? String(err)}`,
      {
        retryable: RETRYABLE.has(name),
        cause: err,
      },
    );
  }
}
