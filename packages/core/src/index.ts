export * from './errors.ts';
export * from './event-pattern/index.ts';
export * from './metrics.ts';
export * from './ports.ts';
export * from './run-contract.ts';
export * from './sqs-batch.ts';
export * from './tables.ts';
export * from './topology.ts';
