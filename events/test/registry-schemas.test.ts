/**
 * The draft-4 schemas the EventBridge schema registry receives. moto has no schema registry,
 * so what can be checked here is the format itself: a draft-4 validator (not the 2020-12 one)
 * compiles each schema in strict mode, every sample validates, and no keyword of a later draft
 * slipped in (draft 4 would silently ignore it, so the registry would accept a weaker schema).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv4Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { registryEntries, registrySchemaName, registrySchemaText } from '../src/catalog.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const registryDir = join(root, 'schemas', 'registry');
const samplesDir = join(root, 'samples');
const addFormats = addFormatsModule.default;
// ajv-draft-04 is CommonJS too: from ESM its class sits on `.default`.
const Ajv4 = Ajv4Module.default;

/** Keywords JSON Schema draft 4 defines (validation + metadata); anything else is from later drafts. */
const DRAFT4_KEYWORDS = new Set([
  '$schema',
  'id',
  '$ref',
  'title',
  'description',
  'default',
  'type',
  'enum',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'definitions',
  'properties',
  'patternProperties',
  'additionalProperties',
  'required',
  'minProperties',
  'maxProperties',
  'dependencies',
  'items',
  'additionalItems',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
]);

/** Keywords used by a schema, skipping property names under `properties`. */
const keywordsOf = (node: unknown, out = new Set<string>()): Set<string> => {
  if (Array.isArray(node)) for (const n of node) keywordsOf(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      out.add(k);
      if (k === 'properties' || k === 'definitions' || k === 'patternProperties') {
        for (const sub of Object.values(v as object)) keywordsOf(sub, out);
      } else if (k !== 'enum' && k !== 'default') keywordsOf(v, out);
    }
  }
  return out;
};

describe('EventBridge schema registry schemas (JSON Schema draft 4)', () => {
  it('one per pipeline detail-type, and nothing else in schemas/registry/', () => {
    const files = readdirSync(registryDir).sort();
    expect(files).toEqual(
      registryEntries()
        .map((e) => `${e.name}.json`)
        .sort(),
    );
    expect(files).toHaveLength(8);
  });

  for (const e of registryEntries()) {
    describe(e.detailType, () => {
      const file = join(registryDir, `${e.name}.json`);
      it('is checked in and up to date (run `pnpm gen:schemas`)', () => {
        expect(readFileSync(file, 'utf8')).toBe(registrySchemaText(e));
      });

      it('uses only draft-4 keywords, with boolean exclusive bounds', () => {
        const schema = JSON.parse(readFileSync(file, 'utf8'));
        expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
        const extra = [...keywordsOf(schema)].filter((k) => !DRAFT4_KEYWORDS.has(k));
        expect(extra).toEqual([]);
        const text = readFileSync(file, 'utf8');
        expect(text).not.toMatch(/"exclusive(Minimum|Maximum)": -?\d/);
      });

      it('compiles with a draft-4 validator in strict mode and accepts every sample, rejecting a wrong detail-type', () => {
        const ajv = new Ajv4({ allErrors: true, strict: true, strictTypes: false });
        addFormats(ajv);
        const validate = ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
        const samples = readdirSync(samplesDir).filter(
          (f) => f === `${e.name}.json` || f.startsWith(`${e.name}.`),
        );
        expect(samples.length).toBeGreaterThan(0);
        for (const f of samples) {
          const sample = JSON.parse(readFileSync(join(samplesDir, f), 'utf8'));
          expect(validate(sample) ? '' : ajv.errorsText(validate.errors), f).toBe('');
          expect(validate({ ...sample, 'detail-type': 'Something Else' }), f).toBe(false);
          expect(validate({ ...sample, detail: { ...sample.detail, schemaVersion: 2 } }), f).toBe(false);
        }
      });
    });
  }

  it('names schemas the way the registry names discovered ones (source@DetailType)', () => {
    expect(registryEntries().map(registrySchemaName)).toContain('ohlcv.quality-alert@AlertRaised');
  });
});
