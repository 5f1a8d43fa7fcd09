/**
 * The composition root of the embedded default: the four services' handlers built from
 * the same factories their Lambda entries use, with local adapters in place of the AWS
 * ones. It lives here, above both, so the adapter package never depends on its consumers.
 */
import { ETL_JOB_NAME, type MarketDataSource, type Notifier, queues, type ServiceName } from '@ohlcv/core';
import type { HandlerFactory } from '@ohlcv/local';
import { createCatalogSyncHandler } from '@ohlcv/service-catalog-sync';
import { createEtlTriggerHandler } from '@ohlcv/service-etl-trigger';
import { createIngestionHandler, type IngestionProgress } from '@ohlcv/service-ingestion';
import {
  createQualityAlertHandler,
  logNotifier,
  parseThreshold,
  slackNotifier,
  webhookNotifier,
} from '@ohlcv/service-quality-alert';

export interface LocalServicesOptions {
  /** The Twelve Data client: the embedded source by default, the real API with a key. */
  marketData: MarketDataSource;
  onIngestionProgress?: (p: IngestionProgress) => void;
  /** Quarantined share of a run above which quality-alert raises an alert. */
  quarantineThreshold?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * The four services' handlers, built from the same factories their Lambda entries use,
 * with local adapters in place of the AWS ones.
 */
export function localServices(opts: LocalServicesOptions): Record<ServiceName, HandlerFactory> {
  const env = opts.env ?? process.env;
  return {
    ingestion: (rt, logger, metrics) =>
      createIngestionHandler({
        store: rt.store,
        publisher: rt.publisher,
        client: opts.marketData,
        clock: rt.clock,
        logger,
        metrics,
        onProgress: opts.onIngestionProgress,
        maxReceiveCount: queues['ingestion-requests'].maxReceiveCount,
      }),
    'etl-trigger': (rt, logger, metrics) =>
      createEtlTriggerHandler({
        store: rt.store,
        jobRunner: rt.jobRunner,
        publisher: rt.publisher,
        clock: rt.clock,
        ids: rt.ids,
        logger,
        metrics,
        jobName: ETL_JOB_NAME,
      }),
    'catalog-sync': (rt, logger, metrics) =>
      createCatalogSyncHandler({
        store: rt.store,
        catalog: rt.catalog.catalog,
        publisher: rt.publisher,
        logger,
        metrics,
        clock: rt.clock,
        jobName: ETL_JOB_NAME,
      }),
    'quality-alert': (rt, logger, metrics) => {
      const notifiers: Notifier[] = [logNotifier(logger)];
      if (env.ALERT_WEBHOOK_URL) notifiers.push(webhookNotifier({ url: env.ALERT_WEBHOOK_URL }));
      if (env.SLACK_WEBHOOK_URL) notifiers.push(slackNotifier({ url: env.SLACK_WEBHOOK_URL }));
      return createQualityAlertHandler({
        store: rt.store,
        publisher: rt.publisher,
        notifiers,
        clock: rt.clock,
        ids: rt.ids,
        logger,
        metrics,
        // One setting, one default, both runtimes: QUARANTINE_THRESHOLD as the Lambda reads it.
        quarantineThreshold: opts.quarantineThreshold ?? parseThreshold(env.QUARANTINE_THRESHOLD),
      });
    },
  };
}
