/** A thin DuckDB session: run SQL, read rows as plain JSON values, quote inlined paths. */

import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';

export type Row = Record<string, unknown>;

export interface DuckSession {
  run(sql: string, params?: DuckDBValue[]): Promise<void>;
  all(sql: string, params?: DuckDBValue[]): Promise<Row[]>;
  /**
   * Runs the statements at the same time, each on a connection of its own (temp
   * objects of the main connection are not visible there). For work DuckDB does on one
   * thread per statement, such as splitting text files into lines.
   */
  runConcurrently(statements: readonly string[]): Promise<void>;
  /** As runConcurrently, but every statement runs: its error (or undefined) by position. */
  tryConcurrently(statements: readonly string[]): Promise<(Error | undefined)[]>;
  /** How many statements runConcurrently runs at once: the session's threads. */
  readonly threads: number;
  close(): void;
}

/** The one helper for values that must be inlined (file paths): a quoted SQL string literal. */
export const sqlString = (value: string): string => {
  if (value.includes('\u0000')) throw new Error('NUL in SQL string literal');
  return `'${value.replace(/'/g, "''")}'`;
};

export const sqlStringList = (values: readonly string[]): string => `[${values.map(sqlString).join(', ')}]`;

export async function openDuckSession(opts: {
  memoryLimit?: string;
  threads?: number;
  tempDirectory?: string;
}): Promise<DuckSession> {
  // Row order is never relied on (every step orders what it needs), and keeping it
  // makes DuckDB buffer far more during large partitioned writes.
  const config: Record<string, string> = { preserve_insertion_order: 'false' };
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
  if (opts.threads) config.threads = String(opts.threads);
  if (opts.tempDirectory) config.temp_directory = opts.tempDirectory;
  const instance = await DuckDBInstance.create(':memory:', config);
  const conn: DuckDBConnection = await instance.connect();
  const threads = Number(
    (await (await conn.runAndReadAll("SELECT current_setting('threads') AS t")).getRowObjectsJson())[0]?.t,
  );
  const extra: DuckDBConnection[] = [];
  /** Statements dealt over up to `threads` connections; `stopOnError`: no new ones after a failure. */
  const concurrently = async (
    statements: readonly string[],
    stopOnError: boolean,
  ): Promise<(Error | undefined)[]> => {
    const lanes = Math.max(1, Math.min(threads, statements.length));
    while (extra.length < lanes - 1) extra.push(await instance.connect());
    const connections = [conn, ...extra.slice(0, lanes - 1)];
    const errors: (Error | undefined)[] = statements.map(() => undefined);
    let next = 0;
    let stop = false;
    await Promise.all(
      connections.map(async (c) => {
        while (!stop && next < statements.length) {
          const i = next++;
          try {
            await c.run(statements[i]!);
          } catch (e) {
            errors[i] = e as Error;
            if (stopOnError) stop = true;
          }
        }
      }),
    );
    return errors;
  };
  return {
    threads,
    async runConcurrently(statements) {
      const errors = await concurrently(statements, true);
      const failed = errors.find((e) => e !== undefined);
      if (failed) throw failed;
    },
    async tryConcurrently(statements) {
      return concurrently(statements, false);
    },
    async run(sql, params) {
      await conn.run(sql, params);
    },
    async all(sql, params) {
      const reader = await conn.runAndReadAll(sql, params);
      return reader.getRowObjectsJson() as Row[];
    },
    close() {
      for (const c of extra) c.closeSync();
      conn.closeSync();
      instance.closeSync();
    },
  };
}
