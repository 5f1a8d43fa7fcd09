/** The scheduled fan-out: one `Ingestion Requested` message per symbol batch onto the queue. */
import type { Clock, IdGenerator, QueueSender } from '@ohlcv/core';
import { buildPipelineEvent, INGESTION_REQUESTED, INGESTION_REQUESTED_SOURCE } from '@ohlcv/events';
import { planIngestionRequests, type Watchlist } from './watchlist.ts';

export const INGESTION_REQUESTS_QUEUE = 'ingestion-requests';

export interface FanOutDeps {
  sender: QueueSender;
  clock: Clock;
  ids: IdGenerator;
}

export async function fanOutIngestion(
  input: { watchlist: Watchlist; batchSize?: number; correlationId?: string; start?: string; end?: string },
  deps: FanOutDeps,
): Promise<{ correlationId: string; messages: number }> {
  const correlationId = input.correlationId ?? deps.ids.next();
  const details = planIngestionRequests({
    watchlist: input.watchlist,
    batchSize: input.batchSize,
    correlationId,
    start: input.start,
    end: input.end,
    clock: deps.clock,
  });
  for (const detail of details) {
    const envelope = buildPipelineEvent(
      { source: INGESTION_REQUESTED_SOURCE, detailType: INGESTION_REQUESTED, detail },
      { id: deps.ids.next(), time: deps.clock.now() },
    );
    await deps.sender.send(INGESTION_REQUESTS_QUEUE, JSON.stringify(envelope));
  }
  return { correlationId, messages: details.length };
}
