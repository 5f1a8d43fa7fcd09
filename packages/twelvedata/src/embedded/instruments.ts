/** What the embedded source knows about a symbol: class, metadata and price scale. */
import type { TimeSeriesMeta } from '../client/schemas.ts';

export type AssetClass = 'equity' | 'crypto' | 'forex';

export interface SyntheticInstrument {
  symbol: string;
  assetClass: AssetClass;
  meta: Omit<TimeSeriesMeta, 'interval'>;
  basePrice: number;
  /** Daily volatility of log price. */
  dailyVol: number;
  /** Mean volume per minute bar; 0 = the source publishes no volume. */
  minuteVolume: number;
}

const CRYPTO_BASES: Record<string, string> = {
  BTC: 'Bitcoin',
  ETH: 'Ethereum',
  SOL: 'Solana',
  XRP: 'XRP',
  ADA: 'Cardano',
  DOGE: 'Dogecoin',
};
const CURRENCIES: Record<string, string> = {
  USD: 'US Dollar',
  EUR: 'Euro',
  GBP: 'British Pound',
  JPY: 'Japanese Yen',
  CHF: 'Swiss Franc',
  AUD: 'Australian Dollar',
  CAD: 'Canadian Dollar',
};
const KNOWN_PRICES: Record<string, number> = {
  AAPL: 190,
  MSFT: 410,
  AMZN: 175,
  GOOGL: 150,
  META: 490,
  NVDA: 880,
  TSLA: 180,
  JPM: 195,
  'BTC/USD': 65_000,
  'ETH/USD': 3_400,
  'EUR/USD': 1.08,
  'GBP/USD': 1.27,
  'USD/JPY': 151,
};

/** FNV-1a: a stable 32-bit hash for seeding per symbol. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Symbols the embedded source answers "not found" for, to exercise per-symbol errors. */
export const isUnknownSymbol = (symbol: string): boolean =>
  /^(INVALID|UNKNOWN|NOSUCH)/i.test(symbol) || !/^[A-Za-z0-9./:_-]{1,32}$/.test(symbol);

export function resolveInstrument(symbol: string): SyntheticInstrument {
  const bare = symbol.split(':')[0]!.toUpperCase();
  const h = hash32(bare);
  const [base, quote] = bare.split('/');
  if (quote !== undefined && base !== undefined) {
    if (CRYPTO_BASES[base]) {
      return {
        symbol,
        assetClass: 'crypto',
        meta: {
          symbol: bare,
          currency_base: CRYPTO_BASES[base],
          currency_quote: CURRENCIES[quote] ?? quote,
          exchange: 'Coinbase Pro',
          exchange_timezone: 'UTC',
          type: 'Digital Currency',
        },
        basePrice: KNOWN_PRICES[bare] ?? 1 + (h % 1000),
        dailyVol: 0.035,
        // Majors carry volume; the long tail (like on the real API) does not.
        minuteVolume: base === 'BTC' || base === 'ETH' ? 12 + (h % 30) : 0,
      };
    }
    return {
      symbol,
      assetClass: 'forex',
      meta: {
        symbol: bare,
        currency_base: CURRENCIES[base] ?? base,
        currency_quote: CURRENCIES[quote] ?? quote,
        type: 'Physical Currency',
      },
      basePrice: KNOWN_PRICES[bare] ?? 0.5 + (h % 150) / 100,
      dailyVol: 0.005,
      minuteVolume: 0,
    };
  }
  const nasdaq = h % 2 === 0 || ['AAPL', 'MSFT', 'AMZN', 'GOOGL', 'META', 'NVDA', 'TSLA'].includes(bare);
  return {
    symbol,
    assetClass: 'equity',
    meta: {
      symbol: bare,
      currency: 'USD',
      exchange_timezone: 'America/New_York',
      exchange: nasdaq ? 'NASDAQ' : 'NYSE',
      mic_code: nasdaq ? 'XNGS' : 'XNYS',
      type: 'Common Stock',
    },
    basePrice: KNOWN_PRICES[bare] ?? 20 + (h % 400),
    dailyVol: 0.018,
    minuteVolume: 20_000 + (h % 50_000),
  };
}
