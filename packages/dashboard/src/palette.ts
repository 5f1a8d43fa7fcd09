/**
 * Symbol colours. 22 colours (Okabe–Ito first, then picked greedily for the largest
 * smallest CIELAB distance to those before, lightness 32..78 so each reads on the light
 * and the dark theme). A symbol's colour comes from its rank among all symbols the
 * catalog knows, not among those on screen, so it keeps its colour on every chart, in
 * every selection, and no two symbols share one until there are more than 22.
 */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#8AC926',
  '#654522',
  '#BE0032',
  '#C2B280',
  '#F99379',
  '#7F7F7F',
  '#6A4C93',
  '#882D17',
  '#999933',
  '#005F73',
  '#C5B0D5',
  '#2CA02C',
  '#AA4499',
  '#17BECF',
  '#BCBD22',
  '#C49C94',
] as const;

export type ColorOf = (symbol: string) => string;

/** Colours by rank among `allSymbols` (sorted); a symbol not in the list gets a hashed one. */
export function symbolColors(allSymbols: readonly string[]): ColorOf {
  const rank = new Map([...new Set(allSymbols)].sort().map((s, i) => [s, i]));
  return (s) => PALETTE[(rank.get(s) ?? hash(s)) % PALETTE.length] ?? PALETTE[0];
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** CIELAB (D65) of a #RRGGBB colour; used by the palette's own test. */
export function hexToLab(hex: string): [number, number, number] {
  const lin = [1, 3, 5]
    .map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  const [r = 0, g = 0, b = 0] = lin;
  const x = (r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047;
  const y = r * 0.2126 + g * 0.7152 + b * 0.0722;
  const z = (r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}
