/**
 * Escaping for everything that reaches HTML or SVG text and attributes. Every value
 * that came from data or a request goes through `esc`; markup is only ever literal.
 */
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function esc(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Joins markup fragments, skipping empty ones (conditionals that rendered nothing). */
export const join = (parts: readonly (string | false | null | undefined)[], sep = ''): string =>
  parts.filter((p): p is string => typeof p === 'string' && p !== '').join(sep);
