export * from './config.ts';
export * from './handler.ts';
export * from './logic.ts';
