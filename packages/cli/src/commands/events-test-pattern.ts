/**
 * `ohlcv events test-pattern`: the local twin of `aws events test-event-pattern`, backed
 * by the same engine the local bus routes with.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppError } from '@ohlcv/core';
import { compilePattern, INVALID_EVENT_PATTERN } from '@ohlcv/core/event-pattern/index';
import type { Command, CommandIO } from '../command.ts';

/** Fields AWS's TestEventPattern insists on before it looks at the pattern. */
export const REQUIRED_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'] as const;

const usage = `Usage: ohlcv events test-pattern --pattern <json> --event <json>

Tests whether an EventBridge event pattern matches an event, like
\`aws events test-event-pattern\`. Prints {"Result":true} or {"Result":false}.

Options:
  --pattern <json>   The event pattern (JSON text, or file://PATH).
  --event <json>     The event (JSON text, or file://PATH). Must carry the envelope
                     fields ${REQUIRED_EVENT_FIELDS.join(', ')}.
  -h, --help         Show this help.

Exit codes: 0 result printed, 2 invalid pattern, invalid event or bad usage.

Example:
  ohlcv events test-pattern \\
    --pattern '{"source":["aws.s3"],"detail":{"object":{"key":[{"prefix":"raw/"}]}}}' \\
    --event '{"id":"1","account":"000000000000","source":"aws.s3","time":"2024-01-01T00:00:00Z","region":"us-east-1","detail-type":"Object Created","detail":{"object":{"key":"raw/a.csv"}}}'
`;

class InputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const readArg = async (value: string, io: CommandIO): Promise<string> => {
  if (!value.startsWith('file://')) return value;
  const path = value.slice('file://'.length);
  return readFile(isAbsolute(path) ? path : resolve(io.cwd, path), 'utf8');
};

const parseEvent = (text: string): Record<string, unknown> => {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    throw new InputError('ValidationException', 'Parameter Event is not valid.');
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InputError('ValidationException', 'Parameter Event is not valid.');
  }
  const record = event as Record<string, unknown>;
  for (const field of REQUIRED_EVENT_FIELDS) {
    if (!(field in record)) {
      throw new InputError(
        'ValidationException',
        `Parameter Event is not valid. Reason: Provided Event is missing required field ${field}.`,
      );
    }
  }
  if (typeof record.time !== 'string' || Number.isNaN(Date.parse(record.time))) {
    throw new InputError('ValidationException', 'Parameter Event is not valid. Reason: Invalid time.');
  }
  return record;
};

const parsePattern = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(
      INVALID_EVENT_PATTERN,
      `Event pattern is not valid. Reason: Filter is not valid JSON: ${(e as Error).message}`,
    );
  }
};

const fail = (io: CommandIO, code: string, message: string): number => {
  io.stderr(`An error occurred (${code}) when calling the TestEventPattern operation: ${message}\n`);
  return 2;
};

export const testPatternCommand: Command = {
  name: 'events test-pattern',
  summary: 'Test an EventBridge event pattern against an event (like aws events test-event-pattern)',
  usage,
  async run(argv: string[], io: CommandIO): Promise<number> {
    let values: { pattern?: string; event?: string; help?: boolean };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          pattern: { type: 'string' },
          event: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (e) {
      io.stderr(`${(e as Error).message}\n\n${usage}`);
      return 2;
    }
    if (values.help) {
      io.stdout(usage);
      return 0;
    }
    if (values.pattern === undefined || values.event === undefined) {
      const missing = [
        values.pattern === undefined && '--pattern',
        values.event === undefined && '--event',
      ].filter(Boolean);
      io.stderr(`Missing required option(s): ${missing.join(', ')}\n\n${usage}`);
      return 2;
    }
    try {
      const patternText = await readArg(values.pattern, io);
      const eventText = await readArg(values.event, io);
      // AWS validates the pattern first: a bad pattern is reported even with a bad event.
      const compiled = compilePattern(parsePattern(patternText));
      const event = parseEvent(eventText);
      io.stdout(`${JSON.stringify({ Result: compiled.matches(event) })}\n`);
      return 0;
    } catch (e) {
      if (e instanceof InputError || e instanceof AppError) return fail(io, e.code, e.message);
      if (e instanceof Error && 'code' in e && e.code === 'ENOENT')
        return fail(io, 'FileNotFound', e.message);
      throw e;
    }
  },
};
