/** A thin DuckDB session: run SQL, read rows as plain JSON values, quote inlined paths. */

import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';

export type Row = Record<string, unknown>;

export interface DuckSession {
  run(sql: string, params?: DuckDBValue[]): Promise<void>;
  all(sql: string, params?: DuckDBValue[]): Promise<Row[]>;
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
  return {
    async run(sql, params) {
      await conn.run(sql, params);
    },
    async all(sql, params) {
      const reader = await conn.runAndReadAll(sql, params);
      return reader.getRowObjectsJson() as Row[];
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
