/**
 * EventBridge `wildcard` values: `*` matches any run of characters (including none),
 * `\*` and `\\` are literal. Compiled once into literal segments; matching is a greedy
 * segment scan, linear-ish and free of regex backtracking.
 */

export interface WildcardMatcher {
  (value: string): boolean;
  wildcardCount: number;
}

const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

/** Splits a wildcard pattern into literal segments; throws with AWS's reason on bad syntax. */
export const parseWildcard = (pattern: string): string[] => {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // AWS reports the byte offset in the quoted JSON string, hence the +1.
        throw new Error(`Consecutive wildcard characters at pos ${utf8Length(pattern.slice(0, i)) + 1}`);
      }
      segments.push(current);
      current = '';
    } else if (c === '\\') {
      const next = pattern[i + 1];
      if (next === '*' || next === '\\') {
        current += next;
        i++;
      } else {
        throw new Error(`Invalid escape character at pos ${utf8Length(pattern.slice(0, i)) + 1}`);
      }
    } else {
      current += c;
    }
  }
  segments.push(current);
  return segments;
};

export const compileWildcard = (pattern: string): WildcardMatcher => {
  const segments = parseWildcard(pattern);
  const wildcardCount = segments.length - 1;
  let match: (value: string) => boolean;
  if (wildcardCount === 0) {
    const literal = segments[0] as string;
    match = (value) => value === literal;
  } else {
    const first = segments[0] as string;
    const last = segments[segments.length - 1] as string;
    const middle = segments.slice(1, -1);
    const minLength = segments.reduce((n, s) => n + s.length, 0);
    match = (value) => {
      if (value.length < minLength || !value.startsWith(first) || !value.endsWith(last)) return false;
      let pos = first.length;
      const end = value.length - last.length;
      for (const seg of middle) {
        const at = value.indexOf(seg, pos);
        if (at < 0 || at + seg.length > end) return false;
        pos = at + seg.length;
      }
      return true;
    };
  }
  return Object.assign(match, { wildcardCount });
};
