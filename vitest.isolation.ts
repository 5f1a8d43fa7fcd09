import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Which unit test files need a module graph of their own. The unit tier runs without
 * isolation (one module graph per fork): re-importing zod, the AWS SDK and DuckDB for each
 * of 80 files was more than half of `pnpm test:unit` (import 55 s of a 65 s run; 34 s
 * without isolation, same 804 tests). A file that changes what a module sees, or
 * imports a module that reads the environment when it loads, keeps its own graph:
 * under shared graphs services/quality-alert/src/lambda.test.ts received the Lambda entry
 * that lambda-metrics.test.ts had loaded under its own stubbed environment.
 *
 * Found by reading the files, so a new test that stubs or patches is isolated without
 * anyone having to list it.
 */
export const STATEFUL_TEST = new RegExp(
  [
    String.raw`\bvi\.(mock|doMock|stubEnv|stubGlobal|spyOn|useFakeTimers|hoisted)\b`,
    String.raw`\bmockClient\(`, // aws-sdk-client-mock patches the client classes' send
    String.raw`process\.env(\.[A-Za-z_]+|\[[^\]]+\])\s*=[^=]`,
    String.raw`\bdelete\s+process\.env`,
    String.raw`process\.chdir\(`,
    String.raw`['"]\./lambda(\.ts)?['"]`, // a Lambda entry: it reads the environment when it loads
  ].join('|'),
);

const SKIP_DIRS = new Set(['node_modules', '.git', '.sst', '.ohlcv', 'dist', 'cdk.out']);

/** Every `*.test.ts` under root (relative paths), not descending into build or dependency folders. */
export function testFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.name.endsWith('.test.ts')) {
        out.push(relative(root, join(dir, entry.name)));
      }
    }
  };
  walk(root);
  return out.sort();
}

/** The files among `files` (relative to root) whose source matches STATEFUL_TEST. */
export function statefulTests(root: string, files: string[]): string[] {
  return files.filter((f) => STATEFUL_TEST.test(readFileSync(join(root, f), 'utf8')));
}
