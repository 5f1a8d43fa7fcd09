/**
 * Writes events/schemas/<name>.json (JSON Schema 2020-12, for subscribers) and
 * events/schemas/registry/<name>.json (draft 4, for the EventBridge schema registry) from the
 * zod schemas (`pnpm gen:schemas`).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CatalogEntry,
  eventCatalog,
  jsonSchemaText,
  registryEntries,
  registrySchemaText,
} from '../src/catalog.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');

const writeAll = (dir: string, entries: readonly CatalogEntry[], text: (e: CatalogEntry) => string) => {
  mkdirSync(dir, { recursive: true });
  const wanted = new Set(entries.map((e) => `${e.name}.json`));
  // A renamed or removed event must not leave its old schema behind.
  for (const f of readdirSync(dir)) if (f.endsWith('.json') && !wanted.has(f)) rmSync(join(dir, f));
  for (const e of entries) writeFileSync(join(dir, `${e.name}.json`), text(e));
  console.log(`wrote ${entries.length} JSON Schemas to ${dir}`);
};

writeAll(root, eventCatalog, jsonSchemaText);
writeAll(join(root, 'registry'), registryEntries(), registrySchemaText);
