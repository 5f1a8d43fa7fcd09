import { defineConfig } from 'vitest/config';
import { SummaryLineReporter } from './vitest.summary-reporter.ts';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/.sst/**', '**/.ohlcv/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', new SummaryLineReporter()],
  },
});
