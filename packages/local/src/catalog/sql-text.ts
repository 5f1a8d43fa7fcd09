/**
 * The one place where names and paths are inlined into DuckDB SQL (view definitions):
 * each is validated or quoted here. Query values are never inlined; they are bound.
 */
import { AppError } from '@ohlcv/core';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function quoteIdent(name: string): string {
  if (!IDENT.test(name))
    throw new AppError('InvalidIdentifier', `not a valid identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** A string literal for a file path: no control characters, quotes doubled. */
export function quotePath(p: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
  if (/[\u0000-\u001f]/.test(p))
    throw new AppError('InvalidPath', `path has control characters: ${JSON.stringify(p)}`);
  return `'${p.replaceAll("'", "''")}'`;
}
