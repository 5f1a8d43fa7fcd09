/**
 * @ohlcv/stack: the composition root. It is the one package that knows both the services
 * and the local adapters, so neither has to know the other.
 */
export * from './local-services.ts';
