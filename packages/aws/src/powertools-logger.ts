/**
 * The core Logger port on Powertools Logger, so a service logs the same structured JSON on
 * Lambda and in the local runtime. No AWS SDK imports here: the local runtime uses it too.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Logger } from '@ohlcv/core';

export type PowertoolsLogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT' | 'CRITICAL';

const levels = new Set<string>(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL']);

/** `LOG_LEVEL`, then `POWERTOOLS_LOG_LEVEL`, else INFO; unknown spellings fall back to INFO. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): PowertoolsLogLevel {
  const raw = (env.LOG_LEVEL ?? env.POWERTOOLS_LOG_LEVEL ?? 'INFO').toUpperCase();
  return (levels.has(raw) ? raw : 'INFO') as PowertoolsLogLevel;
}

export function createPowertoolsLogger(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
): PowertoolsLogger {
  return new PowertoolsLogger({ serviceName, logLevel: logLevelFromEnv(env) });
}

/** Adapts a Powertools logger to the port; `extra` keys land at the top level of the line. */
export function powertoolsLogger(logger: PowertoolsLogger): Logger {
  return {
    debug: (message, extra) => (extra ? logger.debug(message, extra) : logger.debug(message)),
    info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
    warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
    error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
  };
}
