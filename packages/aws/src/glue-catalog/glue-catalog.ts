/**
 * Catalog on the Glue Data Catalog through the partition API (docs/atomic-publish.md). Per
 * chunk of 100 partitions (the batch APIs' limit): BatchGetPartition reads where each one
 * points now; a missing one is created (BatchCreatePartition), an existing one is switched
 * forward to the new version's location (BatchUpdatePartition) only when the new version
 * number is higher — a late or redelivered older summary changes nothing, and a repeat is a
 * no-op. Locations switched away from are returned as `superseded` so catalog-sync can
 * remove their files after a grace period.
 *
 * Before that, the table definition is brought to this release's schema (tables.ts): new
 * nullable columns are appended with UpdateTable (old partitions stay readable: Parquet
 * columns are matched by name) and the schema version is stamped in its Parameters; a
 * table stamped by a newer release, or holding columns this release does not know, is
 * refused with what to do.
 */
import {
  BatchCreatePartitionCommand,
  BatchGetPartitionCommand,
  BatchUpdatePartitionCommand,
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
  dataColumns,
  tables as declaredTables,
  type PartitionSpec,
  partitionVersionOf,
  type RegisterOutcome,
  SCHEMA_VERSION_PARAMETER,
  schemaVersionOf,
  schemaVersionParameters,
  type TableName,
  type TableSpec,
  tableSchemaVersion,
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
/** BatchUpdatePartition takes at most 100 entries. */
export const BATCH_UPDATE_PARTITION_LIMIT = 100;
/** The Glue actions this adapter calls: the IAM grant of whoever runs it (infra/permissions.ts). */
export const GLUE_CATALOG_ACTIONS = [
  'glue:GetTable',
  'glue:UpdateTable',
  'glue:BatchGetPartition',
  'glue:BatchCreatePartition',
  'glue:BatchUpdatePartition',
] as const;
const RETRYABLE = new Set([
  'InternalServiceException',
  'OperationTimeoutException',
  'ThrottlingException',
  'ResourceNumberLimitExceededException',
  'ConcurrentModificationException',
]);

type Op = 'GetTable' | 'UpdateTable' | 'BatchGetPartition' | 'BatchCreatePartition' | 'BatchUpdatePartition';

export function glueCatalog(opts: GlueCatalogOptions): Catalog {
  const client = opts.client ?? new GlueClient({});
  const specs = opts.tables ?? declaredTables;
  const ids = opts.catalogId ? { CatalogId: opts.catalogId } : {};
  /** Tables already brought to the declared schema by this instance. */
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
    const current = table.StorageDescriptor.Columns ?? [];
    refuseNewer(opts.database, spec, table);
    const missing = missingColumns(spec, current, `${opts.database}.${spec.name}`);
    const stamp = schemaVersionParameters(spec);
    const stamped = Object.entries(stamp).every(([k, v]) => table?.Parameters?.[k] === v);
    if (missing.length > 0 || !stamped) {
      const columns = [...current, ...missing.map(toGlueColumn)];
      const parameters = { ...(table.Parameters ?? {}), ...stamp };
      const input = tableInput(table, columns, parameters);
      await call('UpdateTable', () =>
        client.send(new UpdateTableCommand({ ...ids, DatabaseName: opts.database, TableInput: input })),
      );
      table = {
        ...table,
        Parameters: parameters,
        StorageDescriptor: { ...table.StorageDescriptor, Columns: columns },
      };
    }
    ready.set(spec.name, table);
    return table;
  }

  /** Where each of these partitions points now (absent: not registered). */
  async function currentLocations(spec: TableSpec, values: string[][]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let pending = values.map((v) => ({ Values: v }));
    // UnprocessedKeys come back when Glue is busy: ask again for those (bounded).
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= 5) {
        throw new AppError(
          'GlueBatchGetPartitionFailed',
          `BatchGetPartition on ${spec.name}: ${pending.length} partition(s) still unprocessed after ${attempt} attempts`,
          { retryable: true },
        );
      }
      const got = await call('BatchGetPartition', () =>
        client.send(
          new BatchGetPartitionCommand({
            ...ids,
            DatabaseName: opts.database,
            TableName: spec.name,
            PartitionsToGet: pending,
          }),
        ),
      );
      for (const p of got.Partitions ?? [])
        if (p.Values) out.set(valuesKey(p.Values), p.StorageDescriptor?.Location ?? '');
      pending = (got.UnprocessedKeys ?? []).map((k) => ({ Values: k.Values ?? [] }));
    }
    return out;
  }

  async function create(spec: TableSpec, inputs: PartitionInput[]): Promise<PartitionInput[]> {
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
    const failed = errors.filter((e) => e.ErrorDetail?.ErrorCode !== 'AlreadyExistsException');
    if (failed.length > 0) throw partitionErrors('BatchCreatePartition', spec, failed);
    // Created meanwhile by another sync: those go through the switch instead.
    const raced = new Set(
      errors
        .filter((e) => e.ErrorDetail?.ErrorCode === 'AlreadyExistsException')
        .map((e) => valuesKey(e.PartitionValues ?? [])),
    );
    return inputs.filter((i) => raced.has(valuesKey(i.Values ?? [])));
  }

  async function update(spec: TableSpec, inputs: PartitionInput[]): Promise<void> {
    for (let i = 0; i < inputs.length; i += BATCH_UPDATE_PARTITION_LIMIT) {
      const chunk = inputs.slice(i, i + BATCH_UPDATE_PARTITION_LIMIT);
      const out = await call('BatchUpdatePartition', () =>
        client.send(
          new BatchUpdatePartitionCommand({
            ...ids,
            DatabaseName: opts.database,
            TableName: spec.name,
            Entries: chunk.map((p) => ({ PartitionValueList: p.Values, PartitionInput: p })),
          }),
        ),
      );
      const failed = (out.Errors ?? []).map((e) => ({
        PartitionValues: e.PartitionValueList,
        ErrorDetail: e.ErrorDetail,
      }));
      if (failed.length > 0) throw partitionErrors('BatchUpdatePartition', spec, failed);
    }
  }

  return {
    async registerPartitions(tableName, partitions): Promise<RegisterOutcome> {
      const spec = (specs as Record<string, TableSpec | undefined>)[tableName];
      if (!spec) throw new AppError('UnknownTable', `unknown table ${tableName}`);
      const table = await tableFor(spec);
      const sd = table.StorageDescriptor as StorageDescriptor;
      const lakeUri = opts.lakeUri ?? deriveLakeUri(spec, sd.Location);
      const outcome = {
        added: 0,
        existing: 0,
        switched: 0,
        superseded: [] as NonNullable<RegisterOutcome['superseded']>,
      };
      for (let i = 0; i < partitions.length; i += BATCH_CREATE_PARTITION_LIMIT) {
        const chunk = partitions.slice(i, i + BATCH_CREATE_PARTITION_LIMIT);
        const inputs = chunk.map((p) => partitionInput(spec, sd, lakeUri, p));
        const byKey = new Map(chunk.map((p, j) => [valuesKey(inputs[j]!.Values ?? []), p]));
        let todo = inputs;
        // Twice at most: a partition created by someone else between our read and our
        // create is read again and switched like any existing one.
        for (let pass = 0; pass < 2 && todo.length > 0; pass++) {
          const now = await currentLocations(
            spec,
            todo.map((t) => t.Values ?? []),
          );
          const missing = todo.filter((t) => !now.has(valuesKey(t.Values ?? [])));
          const forward: PartitionInput[] = [];
          for (const t of todo) {
            const at = now.get(valuesKey(t.Values ?? []));
            if (at === undefined) continue;
            outcome.existing++;
            const to = t.StorageDescriptor?.Location ?? '';
            // Forward only, by version number; an equal or older one changes nothing.
            if (partitionVersionOf(to) > partitionVersionOf(at)) {
              forward.push(t);
              const p = byKey.get(valuesKey(t.Values ?? []))!;
              if (at.startsWith(lakeUri))
                outcome.superseded.push({
                  table: spec.name,
                  values: p.values,
                  location: at.slice(lakeUri.length),
                });
            }
          }
          await update(spec, forward);
          outcome.switched += forward.length;
          const raced = missing.length > 0 ? await create(spec, missing) : [];
          outcome.added += missing.length - raced.length;
          todo = raced;
        }
        if (todo.length > 0) {
          throw new AppError(
            'GluePartitionFailed',
            `${spec.name}: ${todo.length} partition(s) neither created nor found; retry`,
            { retryable: true },
          );
        }
      }
      return outcome;
    },
  };
}

const valuesKey = (values: readonly string[]): string => JSON.stringify(values);

function partitionErrors(
  op: 'BatchCreatePartition' | 'BatchUpdatePartition',
  spec: TableSpec,
  failed: { PartitionValues?: string[]; ErrorDetail?: { ErrorCode?: string; ErrorMessage?: string } }[],
): AppError {
  const first = failed[0]?.ErrorDetail;
  return new AppError(
    'GluePartitionFailed',
    `${op} on ${spec.name}: ${failed.length} partition(s) failed, first ${JSON.stringify(failed[0]?.PartitionValues)}: ${first?.ErrorCode}: ${first?.ErrorMessage}`,
    { retryable: failed.every((e) => RETRYABLE.has(e.ErrorDetail?.ErrorCode ?? '')) },
  );
}

/**
 * A table another release stamped with a higher schema version: this release would
 * write files without its columns and cannot know whether its rules still hold. Refused,
 * not "fixed" (UpdateTable would drop the newer columns from the catalog).
 */
function refuseNewer(database: string, spec: TableSpec, table: Table): void {
  const ours = tableSchemaVersion(spec);
  const raw = table.Parameters?.[SCHEMA_VERSION_PARAMETER];
  const theirs = raw === undefined ? undefined : Number(raw);
  const columns = (table.StorageDescriptor?.Columns ?? []).map((c) => ({
    name: c.Name ?? '',
    type: c.Type ?? '',
  }));
  const actual = schemaVersionOf(columns, spec.partitionKeys);
  if ((theirs !== undefined && theirs > ours.version) || actual.version > ours.version) {
    throw tooNew(database, spec, `schema version ${Math.max(theirs ?? 0, actual.version)}`, ours.version);
  }
}

const tooNew = (database: string, spec: TableSpec, what: string, ours: number): AppError =>
  new AppError(
    'GlueTableTooNew',
    `Glue table ${database}.${spec.name} has ${what}, newer than this release's ${ours} (${tableSchemaVersion(spec).hash}): ` +
      'it was written by a newer release. Deploy that release (or newer) to this stage; to go back to this one, ' +
      'redeploy it ("npx sst deploy" puts its table definition back) and then redrive the catalog-sync DLQ.',
  );

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
export function missingColumns(
  spec: TableSpec,
  current: readonly Column[],
  where: string = spec.name,
): ColumnSpec[] {
  const declared = dataColumns(spec);
  const byName = new Map(current.map((c) => [c.Name?.toLowerCase(), c]));
  for (const c of current) {
    const d = declared.find((x) => x.name === c.Name?.toLowerCase());
    if (!d) {
      throw new AppError(
        'GlueTableTooNew',
        `Glue column ${where}.${c.Name} (${c.Type}) is not in this release's schema: the table was written by a newer release (or by hand). Deploy that release to this stage, or redeploy this one ("npx sst deploy" puts its table definition back) and redrive the catalog-sync DLQ.`,
      );
    }
    if (d.type !== c.Type?.toLowerCase()) {
      throw new AppError(
        'IncompatibleSchemaChange',
        `Glue column ${where}.${c.Name} is ${c.Type}, this release declares ${d.type}: a retyped column needs a migration`,
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
function tableInput(t: Table, columns: Column[], parameters: Record<string, string>): TableInput {
  return {
    Name: t.Name,
    Description: t.Description,
    Owner: t.Owner,
    Retention: t.Retention,
    TableType: t.TableType,
    Parameters: parameters,
    PartitionKeys: t.PartitionKeys,
    StorageDescriptor: { ...t.StorageDescriptor, Columns: columns },
  };
}

async function call<T>(op: Op, fn: () => Promise<T>): Promise<T> {
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
