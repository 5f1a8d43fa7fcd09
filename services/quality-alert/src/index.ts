export * from './config.ts';
export * from './handler.ts';
export * from './inbound.ts';
export * from './logic.ts';
export * from './notifiers/index.ts';
