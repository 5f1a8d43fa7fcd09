import { manifestSchema } from '@ohlcv/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildManifest, coalesceObjects, manifestIdOf, skipReasonOf } from './logic.ts';

const obj = (key: string, etag: string, lastModified = '2024-03-01T10:00:00.000Z') => ({
  key,
  etag,
  size: 1,
  lastModified,
});

describe('manifest', () => {
  it('dedupes by key+etag and sorts; a new etag of the same key is a new object', () => {
    const out = coalesceObjects([
      obj('raw/b', 'e1'),
      obj('raw/a', 'e1'),
      obj('raw/b', 'e1'),
      obj('raw/b', 'e2'),
    ]);
    expect(out.map((o) => `${o.key}@${o.etag}`)).toEqual(['raw/a@e1', 'raw/b@e1', 'raw/b@e2']);
  });

  it('keeps the earliest event time among duplicates', () => {
    const out = coalesceObjects([
      obj('raw/a', 'e', '2024-03-02T00:00:00.000Z'),
      obj('raw/a', 'e', '2024-03-01T00:00:00.000Z'),
    ]);
    expect(out).toEqual([obj('raw/a', 'e', '2024-03-01T00:00:00.000Z')]);
  });

  it('names a manifest by its object set, whatever the order or duplicates', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.tuple(fc.stringMatching(/^[a-z0-9/]{1,8}$/), fc.stringMatching(/^[0-9a-f]{1,4}$/)),
          {
            minLength: 1,
            maxLength: 20,
          },
        ),
        fc.nat(),
        (pairs, rotate) => {
          const objects = pairs.map(([k, e]) => obj(`raw/${k}`, e));
          const r = rotate % objects.length;
          const shuffled = [...objects.slice(r), ...objects.slice(0, r)]
            .reverse()
            .concat(objects.slice(0, 3));
          expect(manifestIdOf(shuffled)).toBe(manifestIdOf(objects));
        },
      ),
    );
    expect(manifestIdOf([obj('raw/a', '1')])).not.toBe(manifestIdOf([obj('raw/a', '2')]));
    expect(manifestIdOf([obj('raw/a', '1')])).toMatch(/^m-[0-9a-f]{32}$/);
  });

  it('builds a manifest that satisfies the run contract', () => {
    const m = buildManifest({
      objects: [obj('raw/x.csv', 'e')],
      createdAt: new Date('2024-03-01T10:00:05Z'),
      correlationId: 'c1',
    });
    expect(manifestSchema.parse(m)).toEqual(m);
    expect(m.createdAt).toBe('2024-03-01T10:00:05.000Z');
  });

  it('skips keys outside raw/, folder markers and hidden or temp files', () => {
    expect(skipReasonOf('processed/bars/x.parquet')).toBe('not-raw-zone');
    expect(skipReasonOf('raw/source=file/')).toBe('folder-marker');
    expect(skipReasonOf('raw/source=file/.x.csv.swp')).toBe('hidden-file');
    expect(skipReasonOf('raw/_SUCCESS')).toBe('hidden-file');
    expect(skipReasonOf('raw/source=file/date=2024-03-01/a.csv')).toBeUndefined();
  });
});
