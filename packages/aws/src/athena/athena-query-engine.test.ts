import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { athenaQueryEngine } from './athena-query-engine.ts';

const athena = mockClient(AthenaClient);
const sleeps: number[] = [];
let clock = 0;
const engine = (timeoutMs = 60_000) =>
  athenaQueryEngine({
    workGroup: 'ohlcv-dev',
    client: athena as unknown as AthenaClient,
    timeoutMs,
    poll: { initialMs: 100, factor: 2, maxMs: 400 },
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
  });

const cols = [
  { Name: 'symbol', Label: 'symbol', Type: 'varchar' },
  { Name: 'n', Label: 'n', Type: 'bigint' },
  { Name: 'r', Label: 'r', Type: 'double' },
  { Name: 'ok', Label: 'ok', Type: 'boolean' },
  { Name: 'd', Label: 'd', Type: 'date' },
];
const row = (...v: (string | undefined)[]) => ({
  Data: v.map((x) => (x === undefined ? {} : { VarCharValue: x })),
});

beforeEach(() => {
  athena.reset();
  sleeps.length = 0;
  clock = 0;
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
});

describe('athenaQueryEngine', () => {
  it('starts in the workgroup with ExecutionParameters, polls with backoff, reads every page typed', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { StatementType: 'DML', Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: cols },
          Rows: [row('symbol', 'n', 'r', 'ok', 'd'), row('AAPL', '3', '0.5', 'true', '2024-01-02')],
        },
        NextToken: 'p2',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'p2' })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: cols },
          Rows: [row('BTC/USD', undefined, '-1e-3', 'false', undefined)],
        },
      });

    const rows = await engine().query(
      'SELECT * FROM ohlcv.bars_daily WHERE symbol = :s AND n > :n AND s2 = :s',
      {
        s: "O'X",
        n: 2,
      },
    );

    expect(rows).toEqual([
      { symbol: 'AAPL', n: 3, r: 0.5, ok: true, d: '2024-01-02' },
      { symbol: 'BTC/USD', n: null, r: -0.001, ok: false, d: null },
    ]);
    const start = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(start).toMatchObject({
      QueryString: 'SELECT * FROM ohlcv.bars_daily WHERE symbol = ? AND n > ? AND s2 = ?',
      WorkGroup: 'ohlcv-dev',
      QueryExecutionContext: { Database: 'ohlcv', Catalog: 'AwsDataCatalog' },
      ExecutionParameters: ["'O''X'", '2', "'O''X'"],
    });
    expect(sleeps).toEqual([100, 200, 400, 400]);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(2);
  });

  it('sends no ExecutionParameters when the statement has none', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { StatementType: 'DDL', Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    expect(await engine().query('MSCK REPAIR TABLE ohlcv.bars')).toEqual([]);
    expect(
      athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input.ExecutionParameters,
    ).toBeUndefined();
  });

  it("fails with Athena's state change reason", async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved",
          AthenaError: { ErrorCategory: 2, Retryable: false },
        },
      },
    });
    await expect(engine().query('SELECT x FROM t')).rejects.toMatchObject({
      code: 'AthenaQueryFailed',
      retryable: false,
      message: "Athena query q-1 FAILED: COLUMN_NOT_FOUND: line 1:8: Column 'x' cannot be resolved",
    });
  });

  it('marks system errors retryable', async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: { State: 'FAILED', StateChangeReason: 'Internal error', AthenaError: { ErrorCategory: 1 } },
      },
    });
    await expect(engine().query('SELECT 1')).rejects.toMatchObject({
      code: 'AthenaQueryFailed',
      retryable: true,
    });
  });

  it('reports a cancelled query', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'CANCELLED', StateChangeReason: 'by user' } } });
    await expect(engine().query('SELECT 1')).rejects.toMatchObject({ code: 'AthenaQueryCancelled' });
  });

  it('stops the query when it runs past the timeout', async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    await expect(engine(1_000).query('SELECT 1')).rejects.toMatchObject({
      code: 'AthenaQueryTimeout',
      retryable: true,
    });
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryExecutionId: 'q-1',
    });
    expect(clock).toBeLessThanOrEqual(1_000);
  });

  it('turns a throttled start into a retryable error', async () => {
    const err = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    athena.on(StartQueryExecutionCommand).rejects(err);
    await expect(engine().query('SELECT 1')).rejects.toMatchObject({
      code: 'AthenaStartFailed',
      retryable: true,
    });
  });

  it('refuses a statement with an unbound parameter before calling Athena', async () => {
    await expect(engine().query('SELECT :a')).rejects.toThrow(/missing query parameter/);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });
});
