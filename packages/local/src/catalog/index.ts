export * from '@ohlcv/sql/queries';
export { openStateDb } from '../state-db.ts';
export { assertCompatible, SchemaChangeError } from './catalog-state.ts';
export { type DuckSession, openDuckSession, openScratchDuckDb } from './duckdb-session.ts';
export { type LocalCatalog, type LocalCatalogOptions, openLocalCatalog } from './local-catalog.ts';
