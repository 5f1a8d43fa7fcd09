import { LocalRuntime } from '@ohlcv/local';
import type { IngestionProgress } from '@ohlcv/service-ingestion';
import { localServices } from '@ohlcv/stack';
import { type EmbeddedTwelveData, marketDataFromEnv } from '@ohlcv/twelvedata';
import type { CommandIO } from './command.ts';
import { runtimeOptions } from './session.ts';

export interface PipelineSessionOptions {
  /** Per-minute credit limit of the embedded source and of the client's budget. */
  creditsPerMinute?: number;
  onIngestionProgress?: (p: IngestionProgress) => void;
}

export interface PipelineSession {
  rt: LocalRuntime;
  /** The embedded Twelve Data source, unless TWELVE_DATA_API_KEY selected the real API. */
  embedded?: EmbeddedTwelveData;
  marketDataLabel: string;
  close(): Promise<void>;
}

/**
 * The runtime with its four services attached and a market-data source: the embedded
 * Twelve Data server on loopback by default, the real API when TWELVE_DATA_API_KEY is set.
 */
export async function openPipeline(
  io: CommandIO,
  opts: PipelineSessionOptions = {},
): Promise<PipelineSession> {
  const rt = LocalRuntime.open(runtimeOptions(io));
  let market: Awaited<ReturnType<typeof marketDataFromEnv>> | undefined;
  try {
    const env = opts.creditsPerMinute
      ? { ...io.env, TWELVE_DATA_CREDITS_PER_MINUTE: String(opts.creditsPerMinute) }
      : io.env;
    market = await marketDataFromEnv(env, {
      logger: rt.logger.child('twelvedata'),
      embeddedCreditsPerMinute: opts.creditsPerMinute,
    });
    rt.attachServices(
      localServices({
        marketData: market.client,
        onIngestionProgress: opts.onIngestionProgress,
        env: io.env,
      }),
    );
  } catch (err) {
    await rt.close();
    await market?.close();
    throw err;
  }
  const m = market;
  return {
    rt,
    embedded: m.embedded,
    marketDataLabel:
      m.kind === 'twelvedata'
        ? 'Twelve Data API (TWELVE_DATA_API_KEY)'
        : `embedded Twelve Data source at ${m.url}`,
    async close() {
      await rt.close();
      await m.close();
    },
  };
}
