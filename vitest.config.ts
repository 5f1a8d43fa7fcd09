import { configDefaults, defineConfig } from 'vitest/config';
import { LongTiersFirstSequencer } from './vitest.sequencer.ts';
import { SummaryLineReporter } from './vitest.summary-reporter.ts';

/**
 * Test tiers by file name. `pnpm test` runs every project; `pnpm test:unit` (the inner
 * loop) only `unit`: everything but the suites that start a real runtime, a CLI or browser,
 * the AWS emulator, Spark, or inject faults into them.
 */
const heavyTiers = ['int', 'e2e', 'stage', 'spark', 'fault', 'browser'].map((t) => `**/*.${t}.test.ts`);
const exclude = [...configDefaults.exclude, '**/node_modules/**', '**/.sst/**', '**/.ohlcv/**'];

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
        test: { name: 'unit', include: ['**/*.test.ts'], exclude: [...exclude, ...heavyTiers] },
      },
      {
        extends: true,
        test: { name: 'runtime', include: heavyTiers, globalSetup: ['./vitest.bin-setup.ts'] },
      },
    ],
  },
});
