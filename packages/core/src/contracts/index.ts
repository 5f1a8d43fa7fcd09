/**
 * One contract suite per port, run against every adapter set. Import from
 * `@ohlcv/core/contracts/index` in tests only: these modules import vitest.
 */
export * from './catalog.contract.ts';
export * from './event-publisher.contract.ts';
export * from './job-runner.contract.ts';
export * from './object-store.contract.ts';
export * from './queue-sender.contract.ts';
