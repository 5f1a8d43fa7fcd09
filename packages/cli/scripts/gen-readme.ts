/** `pnpm gen:readme`: rewrites the README's generated table-schema section. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withTableSchemas } from '../src/docs/table-schemas.ts';

const readme = fileURLToPath(new URL('../../../README.md', import.meta.url));
writeFileSync(readme, withTableSchemas(readFileSync(readme, 'utf8')));
process.stderr.write(`updated ${readme}\n`);
