export * from './deliverer.ts';
export * from './http-delivery.ts';
export * from './local-subscriptions.ts';
export * from './subscription-store.ts';
