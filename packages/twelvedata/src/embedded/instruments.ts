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

/**
 * The instruments the embedded source lists, like Twelve Data's reference data: a symbol
 * outside it is answered the way Twelve Data answers an unknown symbol (a 404 error body
 * naming it), not with invented bars. Extend it with `extraSymbols` (or the environment
 * variable OHLCV_EMBEDDED_SYMBOLS, comma-separated) to try your own watchlists.
 */
export const EMBEDDED_EQUITIES = [
  'AAPL',
  'MSFT',
  'AMZN',
  'GOOGL',
  'GOOG',
  'META',
  'NVDA',
  'TSLA',
  'AMD',
  'INTC',
  'NFLX',
  'ADBE',
  'CSCO',
  'QCOM',
  'AVGO',
  'ORCL',
  'CRM',
  'IBM',
  'JPM',
  'BAC',
  'GS',
  'MS',
  'V',
  'MA',
  'KO',
  'PEP',
  'WMT',
  'DIS',
  'MCD',
  'NKE',
  'XOM',
  'CVX',
  'JNJ',
  'PFE',
  'PG',
  'UNH',
  'HD',
  'BA',
  'T',
  'VZ',
  'SPY',
  'QQQ',
  'DIA',
  'IWM',
] as const;

/** Crypto pairs: every listed coin against these quotes. */
const CRYPTO_QUOTES = ['USD', 'EUR', 'GBP', 'USDT', 'BTC'];

/** Every symbol the embedded source knows without extension, in a stable order. */
export function embeddedSymbols(): string[] {
  const crypto = Object.keys(CRYPTO_BASES).flatMap((b) =>
    CRYPTO_QUOTES.filter((q) => q !== b).map((q) => `${b}/${q}`),
  );
  const ccy = Object.keys(CURRENCIES);
  const forex = ccy.flatMap((b) => ccy.filter((q) => q !== b).map((q) => `${b}/${q}`));
  return [...EMBEDDED_EQUITIES, ...crypto, ...forex];
}

const KNOWN = new Set(embeddedSymbols());

/** `AAPL:NASDAQ` names AAPL on an exchange; the instrument is the part before the colon. */
const bareSymbol = (symbol: string): string => symbol.split(':')[0]!.toUpperCase();

/** True when the embedded source answers "symbol not found" for `symbol`. */
export const isUnknownSymbol = (symbol: string, extra: ReadonlySet<string> = new Set()): boolean =>
  !/^[A-Za-z0-9./:_-]{1,32}$/.test(symbol) ||
  !(KNOWN.has(bareSymbol(symbol)) || extra.has(bareSymbol(symbol)));

/** OHLCV_EMBEDDED_SYMBOLS=ACME,FOO/USD: further symbols for the embedded source to list. */
export const extraSymbolsFromEnv = (env: NodeJS.ProcessEnv): string[] =>
  (env.OHLCV_EMBEDDED_SYMBOLS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

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
