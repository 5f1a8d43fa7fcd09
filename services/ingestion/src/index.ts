export * from './handler.ts';
export * from './ingest.ts';
export * from './request-check.ts';
export * from './schedule.ts';
export * from './state.ts';
export * from './testing/memory-store.ts';
export * from './testing/sqs-event.ts';
export * from './watchlist.ts';
