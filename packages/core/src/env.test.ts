import { describe, expect, it } from 'vitest';
import { requireEnv } from './env.ts';
import { errorCodes } from './error-codes.ts';

describe('requireEnv', () => {
  it('returns a set variable and names an unset or empty one with ConfigMissing', () => {
    expect(requireEnv({ A: 'x' }, 'A')).toBe('x');
    for (const env of [{}, { A: '' }]) {
      expect(() => requireEnv(env, 'A')).toThrow(
        expect.objectContaining({ code: 'ConfigMissing', message: 'environment variable A is not set' }),
      );
    }
  });
});

describe('errorCodes', () => {
  it('every code names itself in one spelling: no two codes differ only by case or word order', () => {
    const words = (c: string) =>
      c
        .split(/(?=[A-Z])/)
        .map((w) => w.toLowerCase())
        .sort()
        .join(' ');
    const seen = new Map<string, string>();
    for (const code of Object.keys(errorCodes)) {
      expect(seen.get(words(code)), `${code} vs ${seen.get(words(code))}`).toBeUndefined();
      seen.set(words(code), code);
    }
  });
});
