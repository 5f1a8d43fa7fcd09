/** Number and time formatting shared by the charts, tables and tooltips (en, UTC). */
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 });
const plain = new Intl.NumberFormat('en', { maximumFractionDigits: 6 });
const grouped = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

/** Coerces DuckDB JSON values (BIGINT and HUGEINT arrive as strings) to numbers; null stays null. */
export function num(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

export const fmtCompact = (n: number): string => compact.format(n);
export const fmtNumber = (n: number | null): string => (n === null ? '–' : plain.format(n));
export const fmtInteger = (n: number | null): string => (n === null ? '–' : grouped.format(n));

/** A fraction (0.0123) as a signed percent ("+1.23%"). */
export function fmtPct(fraction: number | null, signed = true): string {
  if (fraction === null) return '–';
  const p = fraction * 100;
  const text = `${Math.abs(p) < 0.005 ? '0.00' : p.toFixed(2)}%`;
  return signed && p >= 0.005 ? `+${text}` : text;
}

/** Seconds as "42 s", "3 min", "2.5 h". */
export function fmtAge(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Duration between two ISO times, or "–". */
export function fmtDuration(fromIso: string | null | undefined, toIso: string | null | undefined): string {
  if (!fromIso || !toIso) return '–';
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return '–';
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : fmtAge(ms / 1000);
}
