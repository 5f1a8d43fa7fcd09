export * from './http.ts';
export * from './log.ts';
export * from './slack.ts';
export * from './webhook.ts';
