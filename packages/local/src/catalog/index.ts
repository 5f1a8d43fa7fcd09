export * from '@ohlcv/sql/queries';
export { openStateDb } from '../state-db.ts';
export { assertCompatible, SchemaChangeError } from './catalog-state.ts';
export { type DuckSession, openDuckSession, openScratchDuckDb } from './duckdb-session.ts';
export { type LocalCatalog, type LocalCatalogOptions, openLocalCatalog } from './local-catalog.ts';
export {
  DEFAULT_QUERY_MEMORY_LIMIT,
  isSqlRefused,
  SQL_REFUSED,
  SqlRefusedError,
} from './sql-sandbox.ts';
