/** Writes events/schemas/<detail-type-kebab>.json from the zod schemas (`pnpm gen:schemas`). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventCatalog, jsonSchemaText } from '../src/catalog.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');
mkdirSync(dir, { recursive: true });
const wanted = new Set(eventCatalog.map((e) => `${e.name}.json`));
// A renamed or removed event must not leave its old schema behind.
for (const f of readdirSync(dir)) if (f.endsWith('.json') && !wanted.has(f)) rmSync(join(dir, f));
for (const e of eventCatalog) writeFileSync(join(dir, `${e.name}.json`), jsonSchemaText(e));
console.log(`wrote ${eventCatalog.length} JSON Schemas to ${dir}`);
