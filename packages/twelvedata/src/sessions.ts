/**
 * When an instrument trades: freshness of its data only means something then. Crypto
 * trades always; forex from Sunday 17:00 to Friday 17:00 New York time; everything else
 * (equities, ETFs, indices) on weekdays, 09:30-16:00 in its exchange's zone (US hours,
 * the watchlists this serves; exchange holidays are not modelled).
 */
import type { Instrument } from '@ohlcv/core';
import { formatWallTime } from './time.ts';

const minutesOfDay = (wall: string): number => Number(wall.slice(11, 13)) * 60 + Number(wall.slice(14, 16));
const weekday = (wall: string): number => new Date(`${wall.slice(0, 10)}T00:00:00Z`).getUTCDay();

export function isInSession(
  instrument: Pick<Instrument, 'instrument_type'>,
  exchangeTimezone: string | undefined,
  nowMs: number,
): boolean {
  const type = (instrument.instrument_type ?? '').toLowerCase();
  if (type.includes('digital currency')) return true;
  if (type.includes('physical currency')) {
    const ny = formatWallTime(nowMs, 'America/New_York');
    const day = weekday(ny);
    const min = minutesOfDay(ny);
    if (day === 6) return false;
    if (day === 0) return min >= 17 * 60;
    if (day === 5) return min < 17 * 60;
    return true;
  }
  const local = formatWallTime(nowMs, exchangeTimezone ?? 'America/New_York');
  const day = weekday(local);
  const min = minutesOfDay(local);
  return day >= 1 && day <= 5 && min >= 9 * 60 + 30 && min < 16 * 60;
}
