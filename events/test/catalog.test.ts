import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { type CatalogEntry, eventCatalog, jsonSchemaText, kebab } from '../src/catalog.ts';
import { pipelineDetailTypes } from '../src/pipeline/registry.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const samplesDir = join(root, 'samples');
const schemasDir = join(root, 'schemas');
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8'));

// ajv-formats is CommonJS: imported from ESM, its plugin function sits on `.default`.
const addFormats = addFormatsModule.default;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validators = new Map<string, ReturnType<typeof ajv.compile>>();
const validatorFor = (file: string) => {
  let v = validators.get(file);
  if (v === undefined) {
    v = ajv.compile(readJson(file));
    validators.set(file, v);
  }
  return v;
};

/** Sample files belong to the entry whose name is their stem: `<name>.json` or `<name>.<variant>.json`. */
const samplesOf = (e: CatalogEntry): string[] =>
  readdirSync(samplesDir).filter((f) => f === `${e.name}.json` || f.startsWith(`${e.name}.`));

describe('event catalog', () => {
  it('lists the 3 AWS events and 8 pipeline events, each with a unique name', () => {
    expect(eventCatalog.map((e) => e.detailType)).toEqual([
      'Object Created',
      'Glue Job State Change',
      'Data Quality Evaluation Results Available',
      'Ingestion Requested',
      'Ingestion Batch Completed',
      'Ingestion Batch Failed',
      'ETL Run Requested',
      'ETL Run Completed',
      'Partitions Registered',
      'Quality Evaluated',
      'Alert Raised',
    ]);
    expect(new Set(eventCatalog.map((e) => e.name)).size).toBe(eventCatalog.length);
    expect(pipelineDetailTypes).toHaveLength(8);
    expect(kebab('ETL Run Completed')).toBe('etl-run-completed');
  });

  it('every sample file belongs to exactly one catalog event', () => {
    for (const f of readdirSync(samplesDir)) {
      const owners = eventCatalog.filter((e) => samplesOf(e).includes(f));
      expect(
        owners.map((e) => e.name),
        f,
      ).toHaveLength(1);
    }
  });

  for (const e of eventCatalog) {
    describe(e.detailType, () => {
      const schemaFile = join(schemasDir, `${e.name}.json`);

      it('has a checked-in JSON Schema that is up to date (run `pnpm gen:schemas`)', () => {
        expect(readFileSync(schemaFile, 'utf8')).toBe(jsonSchemaText(e));
      });

      it('has at least one sample, and each validates against the zod and the JSON Schema', () => {
        const files = samplesOf(e);
        expect(files.length).toBeGreaterThan(0);
        const validate = validatorFor(schemaFile);
        for (const f of files) {
          const sample = readJson(join(samplesDir, f));
          const zr = e.eventSchema.safeParse(sample);
          expect(zr.success ? '' : zr.error.message, f).toBe('');
          expect(sample.source, f).toBe(e.source);
          expect(sample['detail-type'], f).toBe(e.detailType);
          expect(validate(sample) ? '' : ajv.errorsText(validate.errors), f).toBe('');
        }
      });

      it('rejects a sample with its source or a required detail field changed, in both schemas', () => {
        const [first] = samplesOf(e);
        const sample = readJson(join(samplesDir, first as string));
        const validate = validatorFor(schemaFile);

        const wrongSource = { ...sample, source: 'ohlcv.somebody-else' };
        expect(e.eventSchema.safeParse(wrongSource).success).toBe(false);
        expect(validate(wrongSource)).toBe(false);

        const required = (readJson(schemaFile).properties as Record<string, { required?: string[] }>).detail
          ?.required;
        expect(required?.length).toBeGreaterThan(0);
        const { [required?.[0] as string]: _dropped, ...detail } = sample.detail as Record<string, unknown>;
        const missing = { ...sample, detail };
        expect(e.eventSchema.safeParse(missing).success).toBe(false);
        expect(validate(missing)).toBe(false);
      });
    });
  }

  it('has no schema file left over from a removed event', () => {
    expect(
      readdirSync(schemasDir)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(eventCatalog.map((e) => `${e.name}.json`).sort());
  });
});

describe('README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  it('lists every event with its source and schema file', () => {
    for (const e of eventCatalog) {
      const row = new RegExp(
        `\\|\\s*\`${e.detailType}\`\\s*\\|\\s*\`${e.source.replace('.', '\\.')}\`\\s*\\|`,
      );
      expect(readme, e.detailType).toMatch(row);
      expect(readme, e.name).toContain(`${e.name}.json`);
    }
  });
});
