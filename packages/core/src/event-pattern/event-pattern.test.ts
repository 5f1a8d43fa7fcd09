import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { compilePattern, compilePatternText, validatePattern } from './index.ts';

interface FixtureCase {
  name: string;
  event: Record<string, unknown>;
  pattern: unknown;
  expect: 'match' | 'no-match' | 'invalid';
  awsError?: string;
  awsErrorCode?: string;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const sharedDir = process.env.OHLCV_SHARED_DIR ?? join(repoRoot, '..', 'shared');
const fixturePath = join(sharedDir, 'fixtures', 'eventbridge-patterns', 'cases.json');

const errorOf = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an InvalidEventPatternException');
};

describe('EventBridge conformance fixture (AWS TestEventPattern results)', () => {
  it('finds the fixture', () => {
    expect(existsSync(fixturePath), `fixture missing at ${fixturePath}`).toBe(true);
  });
  const cases: FixtureCase[] = existsSync(fixturePath) ? JSON.parse(readFileSync(fixturePath, 'utf8')) : [];

  it('holds all 156 cases', () => {
    expect(cases).toHaveLength(156);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    if (c.expect === 'invalid') {
      const err = errorOf(() => validatePattern(c.pattern));
      expect(err.code).toBe(c.awsErrorCode);
      expect(err.message).toBe(c.awsError);
      return;
    }
    expect(compilePattern(c.pattern).matches(c.event)).toBe(c.expect === 'match');
  });

  it('complex_multi_key: the raw text with its repeated key matches like AWS (last key wins)', () => {
    const c = cases.find((x) => x.name === 'complex_multi_key') as FixtureCase & { patternRaw: string };
    expect(c.patternRaw).toContain('"prefix"');
    expect(compilePatternText(c.patternRaw).matches(c.event)).toBe(true);
  });
});

const event = (detail: unknown, extra: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  account: '000000000000',
  time: '2024-01-02T03:04:05Z',
  region: 'local',
  resources: [],
  detail,
  ...extra,
});

const matches = (pattern: unknown, ev: unknown) => compilePattern(pattern).matches(ev);

describe('matching beyond the fixture', () => {
  it('matches an S3 Object Created rule with prefix and suffix on the key', () => {
    const pattern = {
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['lake'] }, object: { key: [{ prefix: 'raw/' }] } },
    };
    expect(matches(pattern, event({ bucket: { name: 'lake' }, object: { key: 'raw/a.csv' } }))).toBe(true);
    expect(matches(pattern, event({ bucket: { name: 'lake' }, object: { key: 'processed/a' } }))).toBe(false);
    expect(matches(pattern, event({ bucket: { name: 'other' }, object: { key: 'raw/a.csv' } }))).toBe(false);
  });

  it('keeps value types apart: "300" is not 300, true is not "true"', () => {
    expect(matches({ detail: { n: [300] } }, event({ n: '300' }))).toBe(false);
    expect(matches({ detail: { n: ['300'] } }, event({ n: 300 }))).toBe(false);
    expect(matches({ detail: { b: [true] } }, event({ b: 'true' }))).toBe(false);
    expect(matches({ detail: { b: [true] } }, event({ b: true }))).toBe(true);
  });

  it('requires fields reached through one event array to come from the same element', () => {
    const pattern = { detail: { items: { sku: ['a'], qty: [2] } } };
    expect(
      matches(
        pattern,
        event({
          items: [
            { sku: 'a', qty: 1 },
            { sku: 'b', qty: 2 },
          ],
        }),
      ),
    ).toBe(false);
    expect(
      matches(
        pattern,
        event({
          items: [
            { sku: 'b', qty: 1 },
            { sku: 'a', qty: 2 },
          ],
        }),
      ),
    ).toBe(true);
  });

  it('matches any element of an array-valued field, nested arrays included', () => {
    expect(matches({ detail: { tags: ['x'] } }, event({ tags: [['w'], ['x']] }))).toBe(true);
    expect(matches({ detail: { tags: [{ 'anything-but': 'w' }] } }, event({ tags: ['w'] }))).toBe(false);
    expect(matches({ detail: { tags: [{ exists: false }] } }, event({ tags: [] }))).toBe(true);
  });

  it('combines $or with sibling fields and nests $or', () => {
    const pattern = {
      source: ['ohlcv.etl'],
      $or: [
        { detail: { state: ['FAILED'] } },
        { detail: { $or: [{ dq: [{ numeric: ['<', 0.9] }] }, { late: [true] }] } },
      ],
    };
    const ev = (detail: unknown) => event(detail, { source: 'ohlcv.etl' });
    expect(matches(pattern, ev({ state: 'FAILED' }))).toBe(true);
    expect(matches(pattern, ev({ state: 'SUCCEEDED', dq: 0.5 }))).toBe(true);
    expect(matches(pattern, ev({ state: 'SUCCEEDED', late: true }))).toBe(true);
    expect(matches(pattern, ev({ state: 'SUCCEEDED', dq: 0.95 }))).toBe(false);
    expect(matches(pattern, { ...ev({ state: 'FAILED' }), source: 'other' })).toBe(false);
  });

  it('handles numeric ranges at their bounds', () => {
    const p = (terms: unknown[]) => ({ detail: { n: [{ numeric: terms }] } });
    expect(matches(p(['>=', 1, '<', 2]), event({ n: 1 }))).toBe(true);
    expect(matches(p(['>=', 1, '<', 2]), event({ n: 2 }))).toBe(false);
    expect(matches(p(['>', 1, '<=', 2]), event({ n: 2 }))).toBe(true);
    expect(matches(p(['>', 1, '<=', 2]), event({ n: 1 }))).toBe(false);
    expect(matches(p(['=', -0.5]), event({ n: -0.5 }))).toBe(true);
    expect(matches(p(['<', 10]), event({ n: null }))).toBe(false);
  });

  it('matches wildcards, escapes and ignore-case variants', () => {
    const w = (s: string) => ({ detail: { k: [{ wildcard: s }] } });
    expect(matches(w('raw/*/date=*/*.csv'), event({ k: 'raw/source=x/date=2024-01-01/a.csv' }))).toBe(true);
    expect(matches(w('raw/*/date=*/*.csv'), event({ k: 'raw/source=x/a.csv' }))).toBe(false);
    expect(matches(w('a\\*b'), event({ k: 'a*b' }))).toBe(true);
    expect(matches(w('a\\*b'), event({ k: 'axxb' }))).toBe(false);
    expect(matches(w('*'), event({ k: '' }))).toBe(true);
    expect(matches(w('ab*ba'), event({ k: 'aba' }))).toBe(false);
    expect(
      matches({ detail: { k: [{ suffix: { 'equals-ignore-case': '.CSV' } }] } }, event({ k: 'a.csv' })),
    ).toBe(true);
    expect(
      matches({ detail: { k: [{ 'anything-but': { prefix: ['raw/', 'tmp/'] } }] } }, event({ k: 'tmp/x' })),
    ).toBe(false);
  });

  it('matches IPv4/IPv6 cidr and IP literals in any spelling', () => {
    const c = (cidr: string) => ({ detail: { ip: [{ cidr }] } });
    expect(matches(c('192.168.0.0/16'), event({ ip: '192.168.255.1' }))).toBe(true);
    expect(matches(c('192.168.0.0/16'), event({ ip: '192.169.0.1' }))).toBe(false);
    expect(matches(c('::1/127'), event({ ip: '0:0:0:0:0:0:0:1' }))).toBe(true);
    expect(matches(c('10.0.0.0/8'), event({ ip: '::ffff:10.0.0.1' }))).toBe(false);
    expect(matches({ detail: { ip: ['2001:db8::1'] } }, event({ ip: '2001:0DB8:0:0:0:0:0:1' }))).toBe(true);
  });

  it('treats dotted pattern keys and dotted event keys as paths', () => {
    expect(matches({ 'detail.bucket.name': ['lake'] }, event({ bucket: { name: 'lake' } }))).toBe(true);
    expect(matches({ detail: { bucket: { name: ['lake'] } } }, event({ 'bucket.name': 'lake' }))).toBe(true);
  });

  it('does not see inherited properties as event fields', () => {
    expect(matches({ detail: { constructor: [{ exists: true }] } }, event({}))).toBe(false);
    expect(matches({ detail: { toString: [{ exists: false }] } }, event({}))).toBe(true);
  });

  it('is reusable: one compiled pattern gives stable answers across many events', () => {
    const compiled = compilePattern({ detail: { n: [{ numeric: ['>', 10] }] } });
    const results = Array.from({ length: 20 }, (_, i) => compiled.matches(event({ n: i })));
    expect(results.filter(Boolean)).toHaveLength(9);
  });
});

describe('properties', () => {
  const scalar = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.integer({ min: -50, max: 50 }),
    fc.boolean(),
    fc.constant(null),
  );

  it('anything-but [x] is the negation of [x] for any present scalar', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -50, max: 50 })),
        scalar,
        (x, v) => {
          const ev = event({ f: v });
          expect(matches({ detail: { f: [{ 'anything-but': x }] } }, ev)).toBe(
            !matches({ detail: { f: [x] } }, ev),
          );
        },
      ),
    );
  });

  it('exists true and exists false partition every event', () => {
    fc.assert(
      fc.property(
        fc.option(fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.constant({ a: 1 }))),
        (v) => {
          const ev = event(v === null ? {} : { f: v });
          const present = matches({ detail: { f: [{ exists: true }] } }, ev);
          const absent = matches({ detail: { f: [{ exists: false }] } }, ev);
          expect(present).toBe(!absent);
        },
      ),
    );
  });

  it('numeric ranges agree with plain comparison', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, min: -1e6, max: 1e6 }),
        fc.integer({ min: -1000, max: 1000 }),
        (n, lo) => {
          const hi = lo + 10;
          const got = matches({ detail: { n: [{ numeric: ['>', lo, '<=', hi] }] } }, event({ n }));
          expect(got).toBe(n > lo && n <= hi);
        },
      ),
    );
  });

  it('wildcard agrees with an anchored regular expression', () => {
    const piece = fc.constantFrom('a', 'b', '/', '.');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(piece, fc.constant('*')), { maxLength: 8 }),
        fc.array(piece, { maxLength: 10 }),
        (patternParts, valueParts) => {
          const pattern = patternParts.join('').replace(/\*{2,}/g, '*');
          if ((pattern.match(/\*/g) ?? []).length > 5) return;
          const value = valueParts.join('');
          const re = new RegExp(
            `^${pattern
              .split('*')
              .map((s) => s.replace(/[.]/g, '\\.'))
              .join('.*')}$`,
          );
          expect(matches({ detail: { k: [{ wildcard: pattern }] } }, event({ k: value }))).toBe(
            re.test(value),
          );
        },
      ),
    );
  });
});

describe('rejection beyond the fixture', () => {
  const reason = (pattern: unknown) => errorOf(() => validatePattern(pattern)).message;

  it.each([
    [[], 'Filter is not an object'],
    [{}, 'Empty objects are not allowed'],
    [{ detail: {} }, 'Empty objects are not allowed'],
    [{ a: [[1]] }, 'Match value must be String, number, true, false, or null'],
    [{ a: [{}] }, 'Match expression name not found'],
    [{ a: [{ prefix: 'x', suffix: 'y' }] }, 'Only one key allowed in match expression'],
    [{ a: [{ numeric: ['<', 1], x: 1 }] }, 'Too many elements in numeric expression'],
    [{ a: [{ numeric: ['<', 1, '>', 0] }] }, 'Too many elements in numeric expression'],
    [{ a: [{ numeric: ['!=', 1] }] }, 'Unrecognized numeric range operator: !='],
    [{ a: [{ numeric: ['>', 5, '<', 1] }] }, 'Bottom must be less than top'],
    [{ a: [{ numeric: ['=', '1'] }] }, 'Value of equals must be numeric'],
    [{ a: [{ exists: 'yes' }] }, 'exists match pattern must be either true or false.'],
    [
      { a: [{ 'anything-but': [1, 'a'] }] },
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    ],
    [{ a: [{ 'anything-but': { contains: 'x' } }] }, 'Unsupported anything-but pattern: contains'],
    [
      { a: [{ prefix: { 'equals-ignore-case': 'x', other: 1 } }] },
      'Only one key allowed in match expression',
    ],
    [{ a: [{ prefix: { exact: 'x' } }] }, 'Unsupported prefix pattern: exact'],
    [{ a: [{ wildcard: 'a\\b' }] }, 'Invalid escape character at pos 2'],
    [{ a: [{ cidr: '10.0.0.0/32' }] }, 'IPv4 mask bits must be < 32'],
    [{ $or: [{ a: ['x'] }] }, 'There must have at least 2 Objects in $or relationship.'],
    [{ $or: { a: ['x'] } }, 'It must be an Array followed with $or.'],
    [{ $or: [{ a: ['x'] }, 'b'] }, 'Only JSON object is allowed in array of $or relationship.'],
    [
      { $or: [{ a: ['x'] }, { prefix: ['b'] }] },
      'prefix is Ruler reserved fieldName which cannot be used inside $or.',
    ],
  ])('%j -> %s', (pattern, why) => {
    expect(reason(pattern)).toBe(`Event pattern is not valid. Reason: ${why}`);
  });

  it('rejects malformed JSON text with the same exception code', () => {
    expect(errorOf(() => compilePatternText('{"a": [')).code).toBe('InvalidEventPatternException');
  });
});
