import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { statefulTests, testFiles } from './vitest.isolation.ts';
import { LongTiersFirstSequencer } from './vitest.sequencer.ts';
import { SummaryLineReporter } from './vitest.summary-reporter.ts';

/**
 * Test tiers by file name. `pnpm test` runs every project; `pnpm test:unit` (the inner
 * loop) only the unit tier (`unit` and `unit-isolated`): everything but the suites that
 * start a real runtime, a CLI or browser, the AWS emulator, Spark, or inject faults into them.
 */
const tiers = ['int', 'e2e', 'stage', 'spark', 'fault', 'browser'];
const heavyTiers = tiers.map((t) => `**/*.${t}.test.ts`);
const exclude = [...configDefaults.exclude, '**/node_modules/**', '**/.sst/**', '**/.ohlcv/**'];
const root = dirname(fileURLToPath(import.meta.url));
const heavyName = new RegExp(String.raw`\.(${tiers.join('|')})\.test\.ts$`);
// The unit files that stub, patch or load a Lambda entry: isolated (vitest.isolation.ts).
const stateful = statefulTests(
  root,
  testFiles(root).filter((f) => !heavyName.test(f)),
);

export default defineConfig({
  test: {
    exclude,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default on a 2-core machine is one fork, and the heavy suites mostly wait (on the
    // Spark JVM, moto, Chromium, child CLIs): two forks overlap those waits. Measured in one
    // sitting on a fresh clone, CI=true: 874 s with one fork, 595 s with two, all green.
    maxWorkers: 2,
    sequence: { sequencer: LongTiersFirstSequencer },
    reporters: ['default', new SummaryLineReporter()],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...exclude, ...heavyTiers, ...stateful],
          // One module graph per fork, not per file: see vitest.isolation.ts.
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: 'unit-isolated', include: stateful, exclude },
      },
      {
        extends: true,
        test: { name: 'runtime', include: heavyTiers, globalSetup: ['./vitest.bin-setup.ts'] },
      },
    ],
  },
});
