import { describe, expect, it } from 'vitest';
import { isInSession } from '../src/sessions.ts';

const at = (iso: string) => Date.parse(iso);
const equity = { instrument_type: 'Common Stock' };

describe('isInSession', () => {
  it('US equities trade 09:30-16:00 New York time on weekdays, across DST', () => {
    // 2024-03-08 is a Friday in EST (UTC-5); 2024-03-11 a Monday in EDT (UTC-4).
    expect(isInSession(equity, 'America/New_York', at('2024-03-08T14:29:00Z'))).toBe(false);
    expect(isInSession(equity, 'America/New_York', at('2024-03-08T14:30:00Z'))).toBe(true);
    expect(isInSession(equity, 'America/New_York', at('2024-03-08T20:59:00Z'))).toBe(true);
    expect(isInSession(equity, 'America/New_York', at('2024-03-08T21:00:00Z'))).toBe(false);
    expect(isInSession(equity, 'America/New_York', at('2024-03-11T13:30:00Z'))).toBe(true);
    expect(isInSession(equity, 'America/New_York', at('2024-03-11T20:00:00Z'))).toBe(false);
    expect(isInSession(equity, 'America/New_York', at('2024-03-09T15:00:00Z'))).toBe(false); // Saturday
  });

  it('crypto always trades; forex from Sunday 17:00 to Friday 17:00 New York time', () => {
    expect(isInSession({ instrument_type: 'Digital Currency' }, 'UTC', at('2024-03-09T03:00:00Z'))).toBe(
      true,
    );
    const fx = { instrument_type: 'Physical Currency' };
    expect(isInSession(fx, 'UTC', at('2024-03-09T12:00:00Z'))).toBe(false); // Saturday
    expect(isInSession(fx, 'UTC', at('2024-03-10T20:59:00Z'))).toBe(false); // Sunday 16:59 EDT
    expect(isInSession(fx, 'UTC', at('2024-03-10T21:00:00Z'))).toBe(true); // Sunday 17:00 EDT
    expect(isInSession(fx, 'UTC', at('2024-03-08T21:59:00Z'))).toBe(true); // Friday 16:59 EST
    expect(isInSession(fx, 'UTC', at('2024-03-08T22:00:00Z'))).toBe(false); // Friday 17:00 EST
  });
});
