import { LocalRuntime, localServices, resolveHome } from '@ohlcv/local';
import type { IngestionProgress } from '@ohlcv/service-ingestion';
import { createTwelveDataClient, type EmbeddedTwelveData, startEmbeddedTwelveData } from '@ohlcv/twelvedata';
import type { CommandIO } from './command.ts';

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
export async function openPipeline(io: CommandIO, opts: PipelineSessionOptions = {}): Promise<PipelineSession> {
  const apiKey = io.env.TWELVE_DATA_API_KEY;
  const planPerMinute = opts.creditsPerMinute ?? numberEnv(io.env.OHLCV_TD_CREDITS_PER_MINUTE);
  const planPerDay = numberEnv(io.env.OHLCV_TD_CREDITS_PER_DAY);
  let embedded: EmbeddedTwelveData | undefined;
  let baseUrl: string | undefined;
  if (!apiKey) {
    embedded = await startEmbeddedTwelveData({ creditsPerMinute: opts.creditsPerMinute });
    baseUrl = embedded.url;
  }
  const rt = LocalRuntime.open({ home: resolveHome(io.env, io.cwd) });
  try {
    const client = createTwelveDataClient({
      apiKey: apiKey ?? 'embedded',
      baseUrl,
      creditsPerMinute: apiKey ? (planPerMinute ?? 8) : planPerMinute,
      creditsPerDay: apiKey ? (planPerDay ?? 800) : planPerDay,
      logger: rt.logger.child('twelvedata'),
    });
    rt.attachServices(localServices({ marketData: client, onIngestionProgress: opts.onIngestionProgress, env: io.env }));
  } catch (err) {
    await rt.close();
    await embedded?.close();
    throw err;
  }
  return {
    rt,
    embedded,
    marketDataLabel: apiKey ? 'Twelve Data API (TWELVE_DATA_API_KEY)' : `embedded Twelve Data source at ${baseUrl}`,
    async close() {
      await rt.close();
      await embedded?.close();
    },
  };
}

const numberEnv = (v: string | undefined): number | undefined => {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a positive number, got "${v}"`);
  return n;
};
