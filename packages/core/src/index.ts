export * from './errors.ts';
export * from './ports.ts';
export * from './run-contract.ts';
export * from './tables.ts';
export * from './topology.ts';
export * from './sqs-batch.ts';
export * from './event-pattern/index.ts';
