/**
 * QueryEngine on Athena: one statement per call, run in a workgroup with its `:name`
 * parameters passed as ExecutionParameters, polled with backoff to a terminal state and
 * read back page by page into rows typed from Athena's column metadata.
 */
import {
  AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  type Row,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { AppError, DATABASE, type QueryEngine, type QueryParams } from '@ohlcv/core';
import { toAthena } from '@ohlcv/sql/params';

export interface AthenaQueryEngineOptions {
  workGroup: string;
  database?: string;
  catalog?: string;
  /** Only when the workgroup does not enforce its own result location. */
  outputLocation?: string;
  client?: AthenaClient;
  /** Stop the query and fail after this long (default 5 minutes). */
  timeoutMs?: number;
  /** Poll delays: first, growth factor, cap. */
  poll?: { initialMs?: number; factor?: number; maxMs?: number };
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const RETRYABLE_START = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'InternalServerException',
]);

export function athenaQueryEngine(opts: AthenaQueryEngineOptions): QueryEngine & {
  /** Runs and returns the execution id with the rows (for logs and links to the console). */
  execute(
    sql: string,
    params?: QueryParams,
  ): Promise<{ queryExecutionId: string; rows: Record<string, unknown>[] }>;
} {
  const client = opts.client ?? new AthenaClient({});
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  const initialMs = opts.poll?.initialMs ?? 200;
  const factor = opts.poll?.factor ?? 1.6;
  const maxMs = opts.poll?.maxMs ?? 5_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;

  async function start(sql: string, params: QueryParams): Promise<string> {
    const { sql: text, executionParameters } = toAthena(sql, params);
    try {
      const out = await client.send(
        new StartQueryExecutionCommand({
          QueryString: text,
          WorkGroup: opts.workGroup,
          QueryExecutionContext: {
            Database: opts.database ?? DATABASE,
            Catalog: opts.catalog ?? 'AwsDataCatalog',
          },
          ...(executionParameters.length > 0 ? { ExecutionParameters: executionParameters } : {}),
          ...(opts.outputLocation ? { ResultConfiguration: { OutputLocation: opts.outputLocation } } : {}),
        }),
      );
      if (!out.QueryExecutionId)
        throw new AppError('AthenaStartFailed', 'Athena returned no QueryExecutionId');
      return out.QueryExecutionId;
    } catch (err) {
      if (err instanceof AppError) throw err;
      const name = err instanceof Error ? err.name : 'UnknownError';
      throw new AppError(
        'AthenaStartFailed',
        `Athena StartQueryExecution failed: ${name}: ${String((err as Error)?.message ?? err)}`,
        {
          retryable: RETRYABLE_START.has(name),
          cause: err,
        },
      );
    }
  }

  async function waitForTerminal(id: string): Promise<QueryExecution> {
    const deadline = now() + timeoutMs;
    let delay = initialMs;
    for (;;) {
      const { QueryExecution: qe } = await client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = qe?.Status?.State ?? 'UNKNOWN';
      if (qe && TERMINAL.has(state)) return qe;
      if (now() + delay > deadline) {
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
        throw new AppError(
          'AthenaQueryTimeout',
          `Athena query ${id} still ${state} after ${timeoutMs} ms; stopped it`,
          {
            retryable: true,
          },
        );
      }
      await sleep(delay);
      delay = Math.min(maxMs, Math.round(delay * factor));
    }
  }

  async function readResults(id: string, qe: QueryExecution): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    let columns: ColumnInfo[] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page = await client.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }),
      );
      if (first) columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      let data = page.ResultSet?.Rows ?? [];
      // A SELECT's first row repeats the column labels.
      if (first && qe.StatementType === 'DML' && data[0] && isHeader(data[0], columns)) data = data.slice(1);
      for (const row of data) rows.push(toRecord(row, columns));
      token = page.NextToken;
      first = false;
    } while (token);
    return rows;
  }

  async function execute(sql: string, params: QueryParams = {}) {
    const id = await start(sql, params);
    const qe = await waitForTerminal(id);
    const state = qe.Status?.State;
    if (state !== 'SUCCEEDED') {
      const reason = qe.Status?.StateChangeReason ?? 'no reason given';
      // AthenaError.ErrorCategory: 1 system, 2 user, 3 other; Athena also says when a retry can help.
      const retryable = qe.Status?.AthenaError?.Retryable ?? qe.Status?.AthenaError?.ErrorCategory === 1;
      throw new AppError(
        state === 'CANCELLED' ? 'AthenaQueryCancelled' : 'AthenaQueryFailed',
        `Athena query ${id} ${state}: ${reason}`,
        { retryable },
      );
    }
    return { queryExecutionId: id, rows: await readResults(id, qe) };
  }

  return {
    execute,
    async query(sql, params) {
      return (await execute(sql, params)).rows;
    },
  };
}

function isHeader(row: Row, columns: ColumnInfo[]): boolean {
  const values = row.Data ?? [];
  return (
    values.length === columns.length &&
    values.every((d, i) => d.VarCharValue === (columns[i]?.Label ?? columns[i]?.Name))
  );
}

function toRecord(row: Row, columns: ColumnInfo[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  (row.Data ?? []).forEach((d, i) => {
    const col = columns[i];
    const name = col?.Label ?? col?.Name ?? `_col${i}`;
    out[name] = convertValue(d.VarCharValue, col?.Type ?? 'varchar');
  });
  return out;
}

/** Athena returns every value as text; the column type says what it was. */
export function convertValue(text: string | undefined, type: string): unknown {
  if (text === undefined) return null;
  const t = type.toLowerCase();
  if (t === 'boolean') return text === 'true';
  if (t === 'tinyint' || t === 'smallint' || t === 'integer' || t === 'int') return Number.parseInt(text, 10);
  if (t === 'bigint') {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  if (t === 'double' || t === 'float' || t === 'real' || t.startsWith('decimal')) {
    if (text === 'NaN') return Number.NaN;
    if (text === 'Infinity') return Number.POSITIVE_INFINITY;
    if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
    return Number(text);
  }
  return text;
}
