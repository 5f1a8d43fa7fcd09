/**
 * The sandbox every query session runs in (named queries, `query --sql`, the dashboard):
 * user SQL sees the `ohlcv.*` views and nothing else of the machine.
 *
 * Two independent fences, because each alone has a hole:
 * - DuckDB's own configuration, locked: file access only to the Parquet files the views
 *   list (`allowed_paths`), no other external access (no ATTACH, INSTALL, `read_text` of
 *   system files, `glob` over the disk), no spilling, a memory limit, and
 *   `lock_configuration` so no SET can undo any of it. But an allowed file can still be
 *   overwritten by `COPY ... TO` it.
 * - One statement, parsed and bound by DuckDB itself (extract + prepare), whose type must
 *   be SELECT: no COPY, ATTACH, SET, PRAGMA, CREATE, INSERT. Not a pattern over the text.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { StatementType } from '@duckdb/node-api';
import { AppError } from '@ohlcv/core';
import { quotePath } from './sql-text.ts';

/** Memory a query session may use when the caller does not say (DuckDB's default is 80% of RAM). */
export const DEFAULT_QUERY_MEMORY_LIMIT = '1GB';

/** Stable code of a statement the sandbox refuses; the CLI answers it with exit 2 and the reason. */
export const SQL_REFUSED = 'SqlRefused';

/** A statement the sandbox refused: bad input, never retryable. */
export class SqlRefusedError extends AppError {
  override name = 'SqlRefusedError';
  constructor(
    readonly reason: string,
    opts: { cause?: unknown } = {},
  ) {
    super(SQL_REFUSED, `statement refused: ${reason}`, { retryable: false, cause: opts.cause });
  }
}

export const isSqlRefused = (e: unknown): e is SqlRefusedError => e instanceof SqlRefusedError;

/** Locks the session down; call after the views exist (creating them reads the files). */
export async function lockDownSession(
  conn: DuckDBConnection,
  readableFiles: readonly string[],
  memoryLimit: string = DEFAULT_QUERY_MEMORY_LIMIT,
): Promise<void> {
  if (!/^\d+(\.\d+)?\s*[KMGT]i?B$/i.test(memoryLimit)) {
    throw new AppError('ConfigInvalid', `query memory limit must look like 512MB or 2GB, got ${memoryLimit}`);
  }
  const statements = [
    `SET memory_limit = '${memoryLimit}'`,
    // Nothing to spill to: past the limit a query fails instead of writing to disk.
    "SET temp_directory = ''",
    `SET allowed_paths = [${readableFiles.map(quotePath).join(', ')}]`,
    'SET allowed_directories = []',
    'SET autoinstall_known_extensions = false',
    'SET autoload_known_extensions = false',
    'SET allow_community_extensions = false',
    'SET enable_external_access = false',
    'SET lock_configuration = true',
  ];
  for (const s of statements) await conn.run(s);
}

/**
 * Refuses anything but exactly one SELECT (WITH, FROM-first, DESCRIBE, SUMMARIZE and
 * table-function PRAGMAs like `PRAGMA version` are SELECTs to DuckDB), or an EXPLAIN of
 * one. Preparing binds the statement without running it, so a file outside the sandbox is
 * refused here too.
 */
export async function assertReadOnly(conn: DuckDBConnection, sql: string): Promise<void> {
  let extracted: Awaited<ReturnType<DuckDBConnection['extractStatements']>>;
  try {
    extracted = await conn.extractStatements(sql);
  } catch (err) {
    throw refusalOr(err);
  }
  if (extracted.count !== 1) {
    throw new SqlRefusedError(`run one statement at a time (got ${extracted.count})`);
  }
  let type: StatementType;
  try {
    type = (await extracted.prepare(0)).statementType;
  } catch (err) {
    throw refusalOr(err);
  }
  if (type === StatementType.EXPLAIN) {
    // EXPLAIN ANALYZE runs what it explains: the explained statement must pass too. Only a
    // plain leading keyword is taken off; anything else stays and fails as EXPLAIN below.
    const inner = /^\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?/i.exec(sql);
    if (inner) return assertReadOnly(conn, sql.slice(inner[0].length));
  }
  if (type !== StatementType.SELECT) {
    throw new SqlRefusedError(
      `only read-only SELECT statements may run here, this is ${StatementType[type]}`,
    );
  }
}

/** DuckDB's refusals under the locked configuration become typed; other errors pass unchanged. */
export function refusalOr(err: unknown): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (
    /^Permission Error|Cannot change configuration option|file system operations are disabled/.test(message)
  ) {
    return new SqlRefusedError(message.split('\n')[0] ?? message, { cause: err });
  }
  return err;
}
