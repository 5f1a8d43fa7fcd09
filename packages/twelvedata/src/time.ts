/**
 * Wall-clock time in an IANA zone <-> UTC instants, with Intl only (no tz database
 * dependency). Twelve Data sends intraday datetimes without offset in the exchange's
 * zone, so every conversion must be DST-correct, including the ambiguous fall-back hour.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallParts(epochMs: number, timeZone: string): WallParts {
  const out: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return {
    year: out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour! % 24,
    minute: out.minute!,
    second: out.second!,
  };
}

const QUARTER_HOUR = 900_000;
const offsetCache = new Map<string, Map<number, number>>();

/**
 * Offset of `timeZone` from UTC at `epochMs`, in ms (New York in winter: -5h). Cached per
 * quarter hour: zone transitions happen on quarter-hour boundaries, and Intl is slow.
 */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  const bucket = Math.floor(epochMs / QUARTER_HOUR);
  let zone = offsetCache.get(timeZone);
  if (!zone) {
    zone = new Map();
    offsetCache.set(timeZone, zone);
  }
  const hit = zone.get(bucket);
  if (hit !== undefined) return hit;
  const at = bucket * QUARTER_HOUR;
  const p = wallParts(at, timeZone);
  const offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - at;
  if (zone.size > 500_000) zone.clear();
  zone.set(bucket, offset);
  return offset;
}

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** `YYYY-MM-DD[ HH:mm[:ss]]` read as if it were UTC; undefined when malformed. */
export function parseWallTime(local: string): number | undefined {
  const m = LOCAL_RE.exec(local);
  if (!m) return undefined;
  const ms = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  );
  const back = new Date(ms);
  // Reject 2024-02-31 and friends instead of silently rolling over.
  if (back.getUTCDate() !== Number(m[3]) || back.getUTCMonth() !== Number(m[2]) - 1) return undefined;
  return ms;
}

/**
 * Every UTC instant whose wall time in `timeZone` is `wallMs` (wall time read as UTC),
 * ascending: two in the fall-back hour, none in the spring-forward gap.
 */
export function wallTimeCandidates(wallMs: number, timeZone: string): number[] {
  if (timeZone === 'UTC') return [wallMs];
  const offsets = new Set([
    zoneOffsetMs(wallMs - 14 * 3_600_000, timeZone),
    zoneOffsetMs(wallMs, timeZone),
    zoneOffsetMs(wallMs + 14 * 3_600_000, timeZone),
  ]);
  const out: number[] = [];
  for (const o of offsets) {
    const utc = wallMs - o;
    if (zoneOffsetMs(utc, timeZone) === o && !out.includes(utc)) out.push(utc);
  }
  return out.sort((a, b) => a - b);
}

/**
 * Converts a wall time to UTC. Ambiguous times take the earliest instant after `after`
 * (so an ascending series stays ascending through fall-back); times in a DST gap are
 * shifted forward by the gap, as the wall clock would read after the jump.
 */
export function wallTimeToUtc(wallMs: number, timeZone: string, after = Number.NEGATIVE_INFINITY): number {
  const candidates = wallTimeCandidates(wallMs, timeZone);
  if (candidates.length === 0) return wallMs - zoneOffsetMs(wallMs - 14 * 3_600_000, timeZone);
  return candidates.find((c) => c > after) ?? candidates[candidates.length - 1]!;
}

/** Converts an ascending list of wall-time strings to UTC epoch ms, DST-correct. */
export function wallSeriesToUtc(locals: readonly string[], timeZone: string): number[] {
  const out: number[] = [];
  let prev = Number.NEGATIVE_INFINITY;
  for (const l of locals) {
    const wall = parseWallTime(l);
    if (wall === undefined) throw new Error(`malformed datetime: ${l}`);
    const utc = wallTimeToUtc(wall, timeZone, prev);
    out.push(utc);
    prev = utc;
  }
  return out;
}

/** UTC instant -> `YYYY-MM-DD HH:mm:ss` on the wall clock of `timeZone`. */
export function formatWallTime(epochMs: number, timeZone: string): string {
  const iso = new Date(epochMs + zoneOffsetMs(epochMs, timeZone)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

export const utcDate = (epochMs: number): string => new Date(epochMs).toISOString().slice(0, 10);
