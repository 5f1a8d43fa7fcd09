/** The README documents what exists: generated schemas are current, every command and the sample CSV are there. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commands } from '../src/commands/index.ts';
import { withTableSchemas } from '../src/docs/table-schemas.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

describe('README', () => {
  it('table schemas are the ones core/tables.ts declares (run `pnpm gen:readme` when this fails)', () => {
    expect(readme).toBe(withTableSchemas(readme));
  });

  it('lists every command in the command table', () => {
    const section = readme.slice(
      readme.indexOf('## The command line'),
      readme.indexOf('## Reading the lake'),
    );
    for (const c of commands) expect(section, c.name).toMatch(new RegExp(`\\| \`${c.name}[ \`]`));
  });

  it('every file a quick-start `cp` copies is in the repository', () => {
    const copies = [...readme.matchAll(/^cp (\S+) /gm)].map((m) => m[1]!);
    expect(copies.length).toBeGreaterThan(0);
    for (const f of copies) expect(existsSync(path.join(repoRoot, f)), f).toBe(true);
  });
});
