import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '@ohlcv/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JsonLogger, redactUrls } from './json-logger.ts';
import { tempDir } from './testing/runtime-kit.ts';

function capture(opts: Partial<ConstructorParameters<typeof JsonLogger>[0]> = {}) {
  const lines: string[] = [];
  const logger = new JsonLogger({ service: 'ingestion', destination: (l) => lines.push(l), ...opts });
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, parsed };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('JsonLogger', () => {
  it('writes one Powertools-shaped JSON line per call', () => {
    const { logger, parsed } = capture({ persistent: { correlation_id: 'c-1' } });
    logger.info('bars fetched', { symbol: 'AAPL', rows: 390 });
    const [line] = parsed();
    expect(line).toEqual({
      level: 'INFO',
      message: 'bars fetched',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'ingestion',
      correlation_id: 'c-1',
      symbol: 'AAPL',
      rows: 390,
    });
  });

  it('drops lines below the level; defaults to info; LOG_LEVEL applies when no level is given', () => {
    const levels = (logger: JsonLogger) => {
      logger.debug('d');
      logger.info('i');
      logger.warn('w');
      logger.error('e');
    };
    vi.stubEnv('LOG_LEVEL', '');
    const dflt = capture();
    levels(dflt.logger);
    expect(dflt.parsed().map((l) => l.level)).toEqual(['INFO', 'WARN', 'ERROR']);

    const warn = capture({ level: 'warn' });
    levels(warn.logger);
    expect(warn.parsed().map((l) => l.level)).toEqual(['WARN', 'ERROR']);

    vi.stubEnv('LOG_LEVEL', 'DEBUG');
    const env = capture();
    levels(env.logger);
    expect(env.parsed().map((l) => l.message)).toEqual(['d', 'i', 'w', 'e']);

    vi.stubEnv('LOG_LEVEL', 'nonsense');
    const bad = capture();
    levels(bad.logger);
    expect(bad.parsed().map((l) => l.level)).toEqual(['INFO', 'WARN', 'ERROR']);
  });

  it('child(): another service name, persistent keys merged, same destination and level', () => {
    const { logger, parsed } = capture({ level: 'warn', persistent: { stage: 'local' } });
    const child = logger.child('etl-job', { jobRunId: 'jr_1' });
    child.info('dropped');
    child.warn('slow', { ms: 1200 });
    expect(parsed()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        service: 'etl-job',
        stage: 'local',
        jobRunId: 'jr_1',
        ms: 1200,
      }),
    ]);
  });

  it('extra keys cannot replace level, message, timestamp or service', () => {
    const { logger, parsed } = capture();
    logger.warn('real message', { level: 'DEBUG', message: 'fake', service: 'other', timestamp: 'never' });
    expect(parsed()[0]).toMatchObject({ level: 'WARN', message: 'real message', service: 'ingestion' });
    expect(parsed()[0]?.timestamp).not.toBe('never');
  });

  it('redacts query strings of URLs and apikey parameters anywhere in a line', () => {
    const { logger, lines, parsed } = capture();
    const url = 'https://api.twelvedata.com/time_series?symbol=AAPL&interval=1min&apikey=SECRET123';
    logger.info(`GET ${url}`, { url, nested: { urls: [url] } });
    logger.error('request failed', { err: new Error(`fetch "${url}" failed: 401`) });
    logger.warn('config', { raw: 'apikey=SECRET123&x=1', quoted: `"${url}"` });
    for (const line of lines) expect(line).not.toContain('SECRET123');
    const [first, second, third] = parsed();
    expect(first?.message).toBe('GET https://api.twelvedata.com/time_series?<redacted>');
    expect(first?.nested).toEqual({ urls: ['https://api.twelvedata.com/time_series?<redacted>'] });
    expect((second?.err as { message?: string } | undefined)?.message).toBe(
      'fetch "https://api.twelvedata.com/time_series?<redacted>" failed: 401',
    );
    expect(third?.raw).toBe('apikey=<redacted>&x=1');
    expect(third?.quoted).toBe('"https://api.twelvedata.com/time_series?<redacted>"');
  });

  it('redactUrls keeps URLs without a query and text around them', () => {
    expect(redactUrls('see https://example.com/a/b.csv and http://h:8080/x?token=t#frag ok')).toBe(
      'see https://example.com/a/b.csv and http://h:8080/x?<redacted>#frag ok',
    );
  });

  it('serializes errors: name, message, code and retryable of an AppError, stack, cause', () => {
    const { logger, parsed } = capture();
    const cause = new Error('socket hang up');
    logger.error('job run failed', {
      err: new AppError('TwelveDataRateLimited', 'Twelve Data 429', { retryable: true, cause }),
    });
    const err = parsed()[0]?.err as Record<string, unknown>;
    expect(err).toMatchObject({
      name: 'AppError',
      message: 'Twelve Data 429',
      code: 'TwelveDataRateLimited',
      retryable: true,
    });
    expect(err.stack).toEqual(expect.stringContaining('Twelve Data 429'));
    expect(err.cause).toMatchObject({ name: 'Error', message: 'socket hang up' });
  });

  it('appends to a file destination, creating its folder', () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'logs', 'ohlcv.log');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, '{"earlier":true}\n');
      const logger = new JsonLogger({ service: 'ohlcv', destination: file });
      logger.info('one');
      logger.child('raw-zone').warn('two');
      const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
      expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
        { earlier: true },
        expect.objectContaining({ message: 'one', service: 'ohlcv' }),
        expect.objectContaining({ message: 'two', service: 'raw-zone' }),
      ]);
      const fresh = path.join(dir, 'new', 'deep', 'x.log');
      new JsonLogger({ service: 's', destination: fresh }).info('created');
      expect(fs.existsSync(fresh)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
