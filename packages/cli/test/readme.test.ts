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

  it("the field-alias table is the ETL plan's (sql/etl/plan.json staging.fieldAliases)", () => {
    const plan = JSON.parse(readFileSync(path.join(repoRoot, 'sql/etl/plan.json'), 'utf8')) as {
      staging: { fieldAliases: Record<string, string>; fields: string[] };
    };
    const table = readme.slice(readme.indexOf('<!-- field-aliases'));
    const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(3);
    const cells = rows.map((r) => r.split('|').map((c) => [...c.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)));
    // Every field once, each with exactly its aliases.
    expect(cells.flatMap((c) => c[1]!).sort()).toEqual([...plan.staging.fields].sort());
    for (const c of cells)
      for (const field of c[1]!)
        expect(c[3], field).toEqual(
          Object.entries(plan.staging.fieldAliases)
            .filter(([, f]) => f === field)
            .map(([alias]) => alias),
        );
  });

  it('every file a quick-start `cp` copies is in the repository', () => {
    const copies = [...readme.matchAll(/^cp (\S+) /gm)].map((m) => m[1]!);
    expect(copies.length).toBeGreaterThan(0);
    for (const f of copies) expect(existsSync(path.join(repoRoot, f)), f).toBe(true);
  });
});
