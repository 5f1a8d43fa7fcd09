import { HiveSQL, TrinoSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import { DATABASE, PARQUET_COMPRESSION, tableNames, tables } from '../../packages/core/src/tables.ts';
import { loadDdl, parseDdlShape, renderDdl } from './index.ts';

describe.each(tableNames)('DDL for %s', (name) => {
  const spec = tables[name];
  const ddl = renderDdl(name, `s3://lake-bucket/${spec.location}`);

  it('declares the columns of tables.ts, minus partition keys, in order and with their types', () => {
    const shape = parseDdlShape(loadDdl(name));
    expect(shape.table).toBe(`${DATABASE}.${name}`);
    const keys = new Set<string>(spec.partitionKeys);
    expect(shape.columns).toEqual(
      spec.columns.filter((c) => !keys.has(c.name)).map((c) => ({ name: c.name, type: c.type })),
    );
  });

  it('is partitioned by the partition keys of tables.ts, as strings', () => {
    expect(parseDdlShape(loadDdl(name)).partitionKeys).toEqual(
      spec.partitionKeys.map((k) => ({ name: k, type: 'string' })),
    );
  });

  it('parses under the Hive grammar (Athena DDL)', () => {
    expect(new HiveSQL().validate(ddl)).toEqual([]);
  });

  it('declares the codec the runners write', () => {
    expect(loadDdl(name)).toContain(`'parquet.compression' = '${PARQUET_COMPRESSION.toUpperCase()}'`);
  });

  it('has no location but the placeholder', () => {
    expect(loadDdl(name)).toContain("LOCATION '{{location}}'");
    expect(ddl).toContain(`LOCATION 's3://lake-bucket/${spec.location}'`);
  });
});

describe('renderDdl', () => {
  it('rejects a location that could break out of the string literal', () => {
    expect(() => renderDdl('bars', "s3://b/x'; DROP TABLE y; --/")).toThrow(RangeError);
    expect(() => renderDdl('bars', 's3://b/no-trailing-slash')).toThrow(RangeError);
  });

  it('the Hive grammar check can fail', () => {
    expect(new HiveSQL().validate('CREATE EXTERNAL TABLE x (a strin g) STORED AS').length).toBeGreaterThan(0);
    expect(new TrinoSQL().validate('SELEC 1').length).toBeGreaterThan(0);
  });
});
