import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeKeySegment,
  ingestionStateKey,
  RAW_PREFIX,
  rawObjectKey,
  safeKeySegment,
} from '../src/keys.ts';

const key = (symbol: string) =>
  rawObjectKey({
    symbol,
    interval: '1min',
    date: '2024-03-11',
    fromTs: '2024-03-11T13:30:00.000Z',
    toTs: '2024-03-11T19:59:00.000Z',
  });

describe('raw object keys', () => {
  it('encodes separators, dots and unicode into one segment', () => {
    expect(safeKeySegment('BTC/USD')).toBe('BTC%2FUSD');
    expect(safeKeySegment('EUR/USD:FXCM')).toBe('EUR%2FUSD%3AFXCM');
    expect(safeKeySegment('../x')).toBe('%2E.%2Fx');
    expect(safeKeySegment('..')).toBe('%2E.');
    expect(safeKeySegment('.hidden')).toBe('%2Ehidden');
    expect(safeKeySegment('BRK.B')).toBe('BRK.B');
    expect(safeKeySegment('日経')).toBe('%E6%97%A5%E7%B5%8C');
    expect(safeKeySegment('a\\b c%')).toBe('a%5Cb%20c%25');
    expect(() => safeKeySegment('')).toThrow();
    expect(() => safeKeySegment('a\uD800')).toThrow();
  });

  it('names objects deterministically under the raw zone', () => {
    expect(key('BTC/USD')).toBe(
      'raw/source=twelvedata/date=2024-03-11/BTC%2FUSD.1min.20240311T133000Z_20240311T195900Z.ndjson',
    );
    expect(key('BTC/USD')).toBe(key('BTC/USD'));
    expect(ingestionStateKey('EUR/USD:FXCM', '1h')).toBe('_state/ingestion/EUR%2FUSD%3AFXCM.1h.json');
  });

  it('never leaves the partition folder, never collides, always decodes back (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 24, unit: 'grapheme' }),
        fc.string({ minLength: 1, maxLength: 8 }),
        (a, b) => {
          const k = key(a);
          const dir = `${RAW_PREFIX}date=2024-03-11/`;
          expect(k.startsWith(dir)).toBe(true);
          const name = k.slice(dir.length);
          expect(name).not.toContain('/');
          expect(name).not.toContain('\\');
          expect(name.startsWith('.')).toBe(false);
          expect(name).toMatch(/^[A-Za-z0-9._%-]+$/);
          expect(path.posix.normalize(k)).toBe(k);
          expect(decodeKeySegment(safeKeySegment(a))).toBe(a.normalize('NFC'));
          if (a.normalize('NFC') !== b.normalize('NFC'))
            expect(safeKeySegment(a)).not.toBe(safeKeySegment(b));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects a partition date that is not a date', () => {
    expect(() =>
      rawObjectKey({ symbol: 'A', interval: '1min', date: '../../x', fromTs: 'a', toTs: 'b' }),
    ).toThrow();
  });
});
