import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '@ohlcv/core';

const levels = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof levels;

export interface JsonLoggerOptions {
  service: string;
  /** Where lines go: a file path (appended) or a writer function. */
  destination: string | ((line: string) => void);
  level?: Level;
  /** Keys added to every line (e.g. correlation_id). */
  persistent?: Record<string, unknown>;
}

/**
 * Structured JSON lines with the keys Powertools Logger writes on Lambda (level,
 * message, timestamp, service, correlation_id, ...), so a log line reads the same
 * from both runtimes. URLs' query strings are redacted: they may carry API keys.
 */
export class JsonLogger implements Logger {
  private readonly write: (line: string) => void;
  private readonly min: number;

  constructor(private readonly opts: JsonLoggerOptions) {
    this.min = levels[opts.level ?? (process.env.LOG_LEVEL?.toLowerCase() as Level) ?? 'info'] ?? levels.info;
    if (typeof opts.destination === 'string') {
      fs.mkdirSync(path.dirname(opts.destination), { recursive: true });
      const fd = fs.openSync(opts.destination, 'a');
      this.write = (line) => fs.writeSync(fd, `${line}\n`);
    } else this.write = opts.destination;
  }

  child(service: string, persistent: Record<string, unknown> = {}): JsonLogger {
    return new JsonLogger({
      ...this.opts,
      destination: this.write,
      service,
      persistent: { ...this.opts.persistent, ...persistent },
    });
  }

  debug(message: string, extra?: Record<string, unknown>): void {
    this.log('debug', message, extra);
  }
  info(message: string, extra?: Record<string, unknown>): void {
    this.log('info', message, extra);
  }
  warn(message: string, extra?: Record<string, unknown>): void {
    this.log('warn', message, extra);
  }
  error(message: string, extra?: Record<string, unknown>): void {
    this.log('error', message, extra);
  }

  private log(level: Level, message: string, extra?: Record<string, unknown>): void {
    if (levels[level] < this.min) return;
    // Redacted value by value, before JSON escaping: redacting the finished line could cut
    // an escape sequence (`\"`) in half and leave invalid JSON.
    const line = JSON.stringify(
      {
        ...this.opts.persistent,
        ...extra,
        // The standard keys last: an `extra.message` or `extra.level` cannot replace them.
        level: level.toUpperCase(),
        message,
        timestamp: new Date().toISOString(),
        service: this.opts.service,
      },
      (_k, v: unknown) =>
        v instanceof Error ? serializeError(v) : typeof v === 'string' ? redactUrls(v) : v,
    );
    this.write(line);
  }
}

/** An error as Powertools Logger writes it (name, message, stack, cause), plus our code. */
function serializeError(e: Error): Record<string, unknown> {
  const { code, retryable } = e as { code?: unknown; retryable?: unknown };
  return {
    name: e.name,
    message: e.message,
    ...(code === undefined ? {} : { code }),
    ...(retryable === undefined ? {} : { retryable }),
    stack: e.stack,
    ...(e.cause === undefined ? {} : { cause: e.cause }),
  };
}

/**
 * Drops query strings from http(s) URLs, and `apikey=` style parameters anywhere, so a
 * `?apikey=...` never reaches a log.
 */
export function redactUrls(text: string): string {
  return text
    .replace(/(https?:\/\/[^\s"'?#]+)\?[^\s"'#]*/g, '$1?<redacted>')
    .replace(/\b(api_?key|apikey|token|access_token)=[^&\s"']+/gi, '$1=<redacted>');
}
