import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { athenaLiteral, MissingParamError, paramNames, scanParams, toAthena, toDuckDb } from './params.ts';

describe('scanParams', () => {
  it('finds :name tokens and ignores strings, quoted identifiers, comments and :: casts', () => {
    const sql = `SELECT ':no', "a:no", x::DATE, :yes1 -- :no
      /* :no */ FROM t WHERE a = :yes2 AND b = 'it''s :no' AND c = :yes1`;
    expect(scanParams(sql).map((t) => t.name)).toEqual(['yes1', 'yes2', 'yes1']);
    expect(paramNames(sql)).toEqual(['yes1', 'yes2']);
  });
});

describe('toDuckDb', () => {
  it('renames to $name and binds only the parameters the statement uses', () => {
    expect(toDuckDb('SELECT :a + :b, :a', { a: 1, b: 2, c: 3 })).toEqual({
      sql: 'SELECT $a + $b, $a',
      values: { a: 1, b: 2 },
    });
  });

  it('refuses to run with a parameter missing', () => {
    expect(() => toDuckDb('SELECT :a, :b', { a: 1 })).toThrow(MissingParamError);
  });
});

describe('toAthena', () => {
  it('turns each occurrence into ? and passes literals in text order', () => {
    expect(
      toAthena("SELECT * FROM t WHERE d = :d AND s = :s AND d2 = :d AND c = ':x'", {
        d: '2024-01-02',
        s: "O'Hara",
        x: 1,
      }),
    ).toEqual({
      sql: "SELECT * FROM t WHERE d = ? AND s = ? AND d2 = ? AND c = ':x'",
      executionParameters: ["'2024-01-02'", "'O''Hara'", "'2024-01-02'"],
    });
  });

  it('renders numbers, booleans and null as literals', () => {
    expect([athenaLiteral(20), athenaLiteral(-1.5), athenaLiteral(true), athenaLiteral(null)]).toEqual([
      '20',
      '-1.5',
      'TRUE',
      'NULL',
    ]);
    expect(() => athenaLiteral(Number.NaN)).toThrow(RangeError);
  });

  it('a string literal always round-trips: quotes cannot escape it', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const lit = athenaLiteral(s);
        expect(lit.startsWith("'") && lit.endsWith("'")).toBe(true);
        expect(lit.slice(1, -1).replaceAll("''", "'")).toBe(s);
        expect(lit.slice(1, -1).replaceAll("''", '')).not.toContain("'");
      }),
    );
  });
});
