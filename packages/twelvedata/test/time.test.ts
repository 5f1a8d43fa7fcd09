import { describe, expect, it } from 'vitest';
import {
  formatWallTime,
  parseWallTime,
  wallSeriesToUtc,
  wallTimeCandidates,
  wallTimeToUtc,
  zoneOffsetMs,
} from '../src/time.ts';

const NY = 'America/New_York';
const iso = (ms: number) => new Date(ms).toISOString();
const wall = (s: string) => parseWallTime(s)!;

describe('New York DST', () => {
  it('spring-forward 2024-03-10: 01:59 EST then 03:00 EDT are one minute apart', () => {
    expect(iso(wallTimeToUtc(wall('2024-03-10 01:59:00'), NY))).toBe('2024-03-10T06:59:00.000Z');
    expect(iso(wallTimeToUtc(wall('2024-03-10 03:00:00'), NY))).toBe('2024-03-10T07:00:00.000Z');
    // 02:30 does not exist that day.
    expect(wallTimeCandidates(wall('2024-03-10 02:30:00'), NY)).toEqual([]);
    // Session open is 13:30Z before the change and 14:30Z on the Friday before.
    expect(iso(wallTimeToUtc(wall('2024-03-08 09:30:00'), NY))).toBe('2024-03-08T14:30:00.000Z');
    expect(iso(wallTimeToUtc(wall('2024-03-11 09:30:00'), NY))).toBe('2024-03-11T13:30:00.000Z');
  });

  it('fall-back 2024-11-03: 01:30 happens twice, a series keeps both in order', () => {
    const c = wallTimeCandidates(wall('2024-11-03 01:30:00'), NY).map(iso);
    expect(c).toEqual(['2024-11-03T05:30:00.000Z', '2024-11-03T06:30:00.000Z']);
    const series = wallSeriesToUtc(
      [
        '2024-11-03 00:30:00',
        '2024-11-03 01:00:00',
        '2024-11-03 01:30:00',
        '2024-11-03 01:00:00',
        '2024-11-03 01:30:00',
        '2024-11-03 02:00:00',
      ],
      NY,
    ).map(iso);
    expect(series).toEqual([
      '2024-11-03T04:30:00.000Z',
      '2024-11-03T05:00:00.000Z',
      '2024-11-03T05:30:00.000Z',
      '2024-11-03T06:00:00.000Z',
      '2024-11-03T06:30:00.000Z',
      '2024-11-03T07:00:00.000Z',
    ]);
    expect(iso(wallTimeToUtc(wall('2024-11-04 09:30:00'), NY))).toBe('2024-11-04T14:30:00.000Z');
  });

  it('offsets and formatting round-trip', () => {
    expect(zoneOffsetMs(Date.parse('2024-01-15T12:00:00Z'), NY)).toBe(-5 * 3_600_000);
    expect(zoneOffsetMs(Date.parse('2024-07-15T12:00:00Z'), NY)).toBe(-4 * 3_600_000);
    expect(formatWallTime(Date.parse('2024-03-10T07:00:00Z'), NY)).toBe('2024-03-10 03:00:00');
    expect(formatWallTime(Date.parse('2024-11-03T06:30:00Z'), NY)).toBe('2024-11-03 01:30:00');
    expect(formatWallTime(Date.parse('2024-11-03T06:30:00Z'), 'UTC')).toBe('2024-11-03 06:30:00');
  });

  it('rejects malformed wall times', () => {
    expect(parseWallTime('2024-02-31 10:00:00')).toBeUndefined();
    expect(parseWallTime('yesterday')).toBeUndefined();
    expect(parseWallTime('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
  });
});
