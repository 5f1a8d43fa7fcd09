/**
 * Picks the market-data source the way `start`/`demo`/`ingest` should: the real Twelve
 * Data API when `TWELVE_DATA_API_KEY` is set, otherwise the embedded source on loopback.
 * Both go through the same client, so the embedded default exercises the production path.
 */
import type { Logger } from '@ohlcv/core';
import { createTwelveDataClient, type TwelveDataClient } from './client/client.ts';
import { extraSymbolsFromEnv } from './embedded/instruments.ts';
import { type EmbeddedTwelveData, startEmbeddedTwelveData } from './embedded/server.ts';

export interface MarketDataFromEnv {
  client: TwelveDataClient;
  kind: 'twelvedata' | 'embedded';
  /** The embedded server's URL (undefined for the real API). */
  url?: string;
  /** The embedded server itself (its stats: requests, credits, 429s, bars served). */
  embedded?: EmbeddedTwelveData;
  close(): Promise<void>;
}

const num = (v: string | undefined): number | undefined => (v ? Number(v) : undefined);

export async function marketDataFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  opts: { logger?: Logger; seed?: number; embeddedCreditsPerMinute?: number } = {},
): Promise<MarketDataFromEnv> {
  const apiKey = env.TWELVE_DATA_API_KEY;
  if (apiKey) {
    return {
      kind: 'twelvedata',
      client: createTwelveDataClient({
        apiKey,
        baseUrl: env.TWELVE_DATA_BASE_URL || undefined,
        // The free plan's limits unless told otherwise: a healthy run must see no 429s.
        creditsPerMinute: num(env.TWELVE_DATA_CREDITS_PER_MINUTE) ?? 8,
        creditsPerDay: num(env.TWELVE_DATA_CREDITS_PER_DAY) ?? 800,
        logger: opts.logger,
      }),
      close: async () => {},
    };
  }
  const perMinute = opts.embeddedCreditsPerMinute ?? num(env.OHLCV_EMBEDDED_CREDITS_PER_MINUTE);
  const server = await startEmbeddedTwelveData({
    seed: opts.seed ?? 42,
    creditsPerMinute: perMinute,
    extraSymbols: extraSymbolsFromEnv(env),
  });
  return {
    kind: 'embedded',
    url: server.url,
    embedded: server,
    client: createTwelveDataClient({
      apiKey: 'embedded',
      baseUrl: server.url,
      creditsPerMinute: perMinute,
      logger: opts.logger,
    }),
    close: () => server.close(),
  };
}
