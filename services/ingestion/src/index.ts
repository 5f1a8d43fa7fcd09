export * from './handler.ts';
export * from './logic.ts';
export * from './schedule.ts';
export * from './state.ts';
export { ingestionRequestBatch } from './testing/fixtures.ts';
export * from './watchlist.ts';
