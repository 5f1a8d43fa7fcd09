export { type AthenaQueryEngineOptions, athenaQueryEngine, convertValue } from './athena-query-engine.ts';
