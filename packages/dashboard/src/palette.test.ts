import { describe, expect, it } from 'vitest';
import { hexToLab, PALETTE, symbolColors } from './palette.ts';

const deltaE = (a: string, b: string): number => {
  const [l1, a1, b1] = hexToLab(a);
  const [l2, a2, b2] = hexToLab(b);
  return Math.hypot(l1 - l2, a1 - a2, b1 - b2);
};

describe('symbol palette', () => {
  it('has at least 20 colours, each pair clearly apart (CIE76 ΔE >= 20)', () => {
    expect(PALETTE.length).toBeGreaterThanOrEqual(20);
    expect(new Set(PALETTE.map((c) => c.toLowerCase())).size).toBe(PALETTE.length);
    let closest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < PALETTE.length; i++) {
      for (let j = i + 1; j < PALETTE.length; j++)
        closest = Math.min(closest, deltaE(PALETTE[i]!, PALETTE[j]!));
    }
    expect(closest).toBeGreaterThanOrEqual(20);
    // Readable on the light and the dark background.
    for (const c of PALETTE) expect(hexToLab(c)[0]).toBeGreaterThanOrEqual(30);
  });

  it('gives 20 symbols 20 different colours, stable whatever is on screen', () => {
    const demo = ['AAPL', 'AMZN', 'BTC/USD', 'ETH/USD', 'EUR/USD', 'GBP/USD', 'GOOGL', 'JPM', 'META', 'MSFT'];
    const all = [...demo, 'NVDA', 'SPY', 'TSLA', 'XOM', 'V', 'UNH', 'JNJ', 'WMT', 'PG', 'MA'];
    const color = symbolColors(all);
    expect(new Set(all.map(color)).size).toBe(20);
    // The pairs the issue saw share a colour no more.
    expect(color('AAPL')).not.toBe(color('SPY'));
    expect(color('AMZN')).not.toBe(color('TSLA'));
    // Same list in another order, same colours; an unknown symbol still gets one.
    const again = symbolColors([...all].reverse());
    for (const s of all) expect(again(s)).toBe(color(s));
    expect(PALETTE).toContain(color('NOT-LISTED'));
  });
});
