import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STATEFUL_TEST, statefulTests, testFiles } from './vitest.isolation.ts';

describe('which unit test files keep a module graph of their own', () => {
  // Each list is filtered for the files it misclassifies, so a failure names all of them.
  it('stubs, spies, mocks, environment writes and Lambda entries are stateful', () => {
    const stateful = [
      "vi.stubEnv('BUCKET_NAME', 'b')",
      "vi.mock('./clock.ts')",
      'vi.spyOn(process.stdout, "write")',
      'const s3 = mockClient(S3Client);',
      "process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:5000';",
      "process.env['OHLCV_HOME'] = dir;",
      'delete process.env.OHLCV_SUBSCRIPTIONS;',
      "const { handler } = await import('./lambda.ts');",
      "import { handler } from './lambda';",
    ];
    expect(stateful.filter((src) => !STATEFUL_TEST.test(src))).toEqual([]);
  });

  it('reading the environment, comparing it, or importing other modules is not', () => {
    const plain = [
      "if (process.env.CI === 'true') skip();",
      'const home = process.env.OHLCV_HOME ?? tmp;',
      "import { handler } from './lambda-kit.ts';",
      "import { vi } from 'vitest';",
      'const x = invoke(vi);',
    ];
    expect(plain.filter((src) => STATEFUL_TEST.test(src))).toEqual([]);
  });

  it("finds this repository's stateful unit files, among them the pair that leaked into each other", () => {
    const root = dirname(fileURLToPath(import.meta.url));
    const files = testFiles(root);
    expect(files).toContain('vitest.isolation.test.ts');
    expect(files.some((f) => f.includes('node_modules'))).toBe(false);
    const stateful = statefulTests(root, files);
    expect(stateful).toContain('services/quality-alert/src/lambda.test.ts');
    expect(stateful).toContain('services/quality-alert/src/lambda-metrics.test.ts');
    // Plain SQL tests share the fork's modules (this file quotes the patterns, so it is isolated).
    expect(stateful).not.toContain('packages/etl/test/sql-steps.test.ts');
  });
});
