/**
 * Every service folder has the same shape (DESIGN.md, house style), so a newcomer finds a
 * service's logic, handler, Lambda entry, config, errors and tests from one listing; and
 * each service's `errors.ts` lists exactly the codes the folder raises itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../src/error-codes.ts';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const services = fs
  .readdirSync(path.join(repo, 'services'))
  .filter((n) => fs.existsSync(path.join(repo, 'services', n, 'package.json')));

/** The shape: the same names in every service. */
const SHAPE = [
  'README.md',
  'src/index.ts',
  'src/logic.ts',
  'src/handler.ts',
  'src/handler.test.ts|src/handler.int.test.ts',
  'src/lambda.ts',
  'src/lambda.test.ts',
  'src/config.ts',
  'src/errors.ts',
];
/** Written on the stage-rehearsal branch (issue 10); remove once it has landed. */
const PENDING = new Set(['ingestion/src/config.ts', 'ingestion/src/lambda.test.ts']);

const sources = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => !f.includes(`${path.sep}testing${path.sep}`) && !f.endsWith(`${path.sep}errors.ts`));

describe('service folders', () => {
  it('all have the same shape', () => {
    const missing = services.flatMap((s) =>
      SHAPE.map((f) => `${s}/${f}`).filter(
        (f) =>
          !PENDING.has(f) &&
          !f
            .split('|')
            .some((alt, i) => fs.existsSync(path.join(repo, 'services', i === 0 ? alt : `${s}/${alt}`))),
      ),
    );
    expect(missing).toEqual([]);
    // No second place for tests or helpers.
    const strays = services.filter((s) => fs.existsSync(path.join(repo, 'services', s, 'test')));
    expect(strays).toEqual([]);
  });

  it.each(services)(
    '%s: errors.ts lists exactly the codes the service raises, all from the table',
    async (s) => {
      const dir = path.join(repo, 'services', s, 'src');
      const declared = (await import(path.join(dir, 'errors.ts'))) as {
        raises: Record<string, string>;
        handles: Record<string, string>;
      };
      const raised = new Set(
        sources(dir).flatMap((f) =>
          [...fs.readFileSync(f, 'utf8').matchAll(/new AppError\(\s*'([A-Za-z]+)'/g)].map((m) => m[1]!),
        ),
      );
      expect(Object.keys(declared.raises).sort()).toEqual([...raised].sort());
      for (const code of [...Object.keys(declared.raises), ...Object.keys(declared.handles)]) {
        expect(Object.hasOwn(errorCodes, code), code).toBe(true);
      }
    },
  );
});
