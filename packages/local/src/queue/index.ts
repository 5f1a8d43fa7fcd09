export * from './queue-bench.ts';
export * from './queue-poller.ts';
export * from './queue-sender.ts';
export * from './queue-types.ts';
export * from './sqlite-queue-store.ts';
export * from './topology-queues.ts';
