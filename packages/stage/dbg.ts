import { Rehearsal } from '@ohlcv/stage';

const t0 = Date.now();
const r = await Rehearsal.start({
  stageName: 'neg-ingestion',
  steps: ['scheduled-ingestion'],
  services: ['ingestion'],
  removeStatements: { 'neg-ingestion-ingestion-fn': ['IngestionState'] },
  stepTimeoutMs: 30000,
  windowScale: 0.2,
  keepWorkDir: true,
  log: (l) => console.log(((Date.now() - t0) / 1000).toFixed(1), l),
});
await r.runScenario();
const s = await r.summary();
console.log(JSON.stringify(s.workers), s.workDir);
await r.close();
