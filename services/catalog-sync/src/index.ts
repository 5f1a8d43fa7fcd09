export { type CatalogSyncConfig, catalogSyncConfig } from './config.ts';
export { type CatalogSyncDeps, createCatalogSyncHandler, type SyncOutcome } from './handler.ts';
export { partitionsByTable, pendingMarkerKey, syncEvents, syncedMarkerKey } from './logic.ts';
