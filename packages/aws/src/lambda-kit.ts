/**
 * The Lambda kit: every Lambda entry wraps its runtime-neutral SQS batch handler with
 * Powertools Logger, Metrics and Tracer. The handler is built once per cold start (clients,
 * secrets), every batch is logged with its correlation id, traced and counted.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import {
  type Logger,
  logBatch,
  METRICS_NAMESPACE,
  type Metrics,
  type SqsBatchHandler,
  type SqsBatchResponse,
  type SqsEvent,
} from '@ohlcv/core';
import { logLevelFromEnv, powertoolsLogger } from './powertools-logger.ts';
import { powertoolsMetrics } from './powertools-metrics.ts';

/** The parts of the Lambda context we read; the real one has more. */
export interface LambdaContext {
  functionName?: string;
  awsRequestId?: string;
  [key: string]: unknown;
}

export interface LambdaKit {
  serviceName: string;
  /** The core Logger port, on the Powertools logger below. */
  logger: Logger;
  /** The core Metrics port (business metrics, EMF), flushed after every invocation. */
  metrics: Metrics;
  powertools: { logger: PowertoolsLogger; metrics: PowertoolsMetrics; tracer: Tracer };
  env: NodeJS.ProcessEnv;
  /** Wraps an SDK v3 client so its calls appear as X-Ray subsegments (a no-op when tracing is off). */
  traceClient: <T>(client: T) => T;
}

export type HandlerFactory = (kit: LambdaKit) => SqsBatchHandler | Promise<SqsBatchHandler>;
export type LambdaSqsHandler = (event: SqsEvent, context?: LambdaContext) => Promise<SqsBatchResponse>;

export interface WithPowertoolsOptions {
  env?: NodeJS.ProcessEnv;
  /** Injected in tests; built from the env otherwise. */
  logger?: PowertoolsLogger;
  metrics?: PowertoolsMetrics;
  tracer?: Tracer;
}

export function withPowertools(
  serviceName: string,
  factory: HandlerFactory,
  opts: WithPowertoolsOptions = {},
): LambdaSqsHandler {
  const env = opts.env ?? process.env;
  const ptLogger = opts.logger ?? new PowertoolsLogger({ serviceName, logLevel: logLevelFromEnv(env) });
  const namespace = env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE;
  const metrics = opts.metrics ?? new PowertoolsMetrics({ serviceName, namespace });
  const port = powertoolsMetrics({ root: metrics, namespace, serviceName });
  const tracer = opts.tracer ?? new Tracer({ serviceName });
  const kit: LambdaKit = {
    serviceName,
    logger: powertoolsLogger(ptLogger),
    metrics: port,
    powertools: { logger: ptLogger, metrics, tracer },
    env,
    traceClient: <T>(client: T): T =>
      tracer.isTracingEnabled() ? tracer.captureAWSv3Client(client) : client,
  };

  let built: Promise<SqsBatchHandler> | undefined;
  let coldStart = true;
  const handlerOnce = (): Promise<SqsBatchHandler> => {
    built ??= Promise.resolve()
      .then(() => factory(kit))
      .catch((err: unknown) => {
        // A failed build (e.g. a secret not readable yet) is retried by the next invocation.
        built = undefined;
        throw err;
      });
    return built;
  };

  return async (event, context) => {
    const wasColdStart = coldStart;
    coldStart = false;
    if (context) ptLogger.addContext(context as never);
    if (wasColdStart) metrics.captureColdStartMetric(context?.functionName);

    const tracing = tracer.isTracingEnabled();
    const parent = tracing ? tracer.getSegment() : undefined;
    const segment = parent?.addNewSubsegment(`## ${serviceName}.handler`);
    if (segment) {
      tracer.setSegment(segment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
      tracer.putAnnotation('records', event.Records.length);
    }

    const started = Date.now();
    const lines = logBatch(kit.logger, event, {
      now: Date.now,
      extra: { coldStart: wasColdStart },
      setCorrelationId: (id) => ptLogger.setCorrelationId(id),
    });
    metrics.addMetric('RecordsReceived', MetricUnit.Count, event.Records.length);
    try {
      const handler = await handlerOnce();
      const result = await handler(event);
      const failed = result.batchItemFailures.length;
      metrics.addMetric('RecordsFailed', MetricUnit.Count, failed);
      metrics.addMetric('RecordsSucceeded', MetricUnit.Count, event.Records.length - failed);
      metrics.addMetric('BatchDuration', MetricUnit.Milliseconds, Date.now() - started);
      if (segment) tracer.putAnnotation('failedRecords', failed);
      lines.done(result);
      return result;
    } catch (err) {
      metrics.addMetric('BatchErrors', MetricUnit.Count, 1);
      if (segment && err instanceof Error) tracer.addErrorAsMetadata(err);
      lines.failed(err);
      throw err;
    } finally {
      segment?.close();
      if (parent) tracer.setSegment(parent);
      port.flush();
    }
  };
}
