import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { commands } from '../src/commands/index.ts';
import { cliArgs } from './cli-bin.ts';

// Whole CLI runs, several per case: on a loaded 2-core machine one case can take minutes.
vi.setConfig({ testTimeout: 300_000 });

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-cli-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function ohlcv(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, cliArgs(args), {
    cwd: repoRoot,
    env: { ...process.env, OHLCV_HOME: home, TWELVE_DATA_API_KEY: '', ...env },
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('ohlcv CLI', () => {
  it.each(commands.map((c) => c.name))('%s --help prints its usage and exits 0', (name) => {
    const r = ohlcv([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: ohlcv /);
  });

  it('rejects an unknown command and a bad option with exit 2 and a clear message', () => {
    const a = ohlcv(['nope']);
    expect(a.code).toBe(2);
    expect(a.err).toContain('unknown command "nope"');
    const b = ohlcv(['status', '--format', 'xml']);
    expect(b.code).toBe(2);
    expect(b.err).toContain('--format must be one of table, json');
  });

  it('events test-pattern answers like aws events test-event-pattern', () => {
    const event = JSON.stringify({
      id: '1',
      account: '123456789012',
      source: 'aws.s3',
      time: '2024-01-01T00:00:00Z',
      region: 'us-east-1',
      'detail-type': 'Object Created',
      resources: [],
      detail: { object: { key: 'raw/a.csv' } },
    });
    const yes = ohlcv([
      'events',
      'test-pattern',
      '--pattern',
      '{"detail":{"object":{"key":[{"prefix":"raw/"}]}}}',
      '--event',
      event,
    ]);
    expect(yes.code).toBe(0);
    expect(yes.out.trim()).toBe('{"Result":true}');
    const no = ohlcv(['events', 'test-pattern', '--pattern', '{"source":["aws.glue"]}', '--event', event]);
    expect(no.out.trim()).toBe('{"Result":false}');
    const bad = ohlcv(['events', 'test-pattern', '--pattern', '{"source":[{"prefix":1}]}', '--event', event]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('InvalidEventPatternException');
  });

  it('drop works with nothing running; drain processes it; query and status read it', () => {
    const csv = path.join(home, 'late.csv');
    fs.writeFileSync(
      csv,
      'Symbol,Interval,Datetime,Open,High,Low,Close,Volume\nZZZ,1day,2024-06-03,10,11,9,10.5,1000\nZZZ,1day,2024-06-04,10.5,12,10,11.5,2000\nZZZ,1day,2024-06-05,-1,12,10,11.5,2000\n',
    );
    const dropped = ohlcv(['drop', csv, '--format', 'json']);
    expect(dropped.code).toBe(0);
    expect(JSON.parse(dropped.out)[0].key).toBe('raw/drops/late.csv');
    expect(ohlcv(['drop', path.join(home, 'missing.csv')]).code).toBe(2);

    const drained = ohlcv(['drain', '--format', 'json']);
    expect(drained.code).toBe(0);
    const summary = JSON.parse(drained.out);
    expect(summary.tables.bars_daily).toBe(2);
    expect(summary.tables.quarantine).toBe(1);

    const q = ohlcv([
      'query',
      '--sql',
      "SELECT trade_date, close, daily_return FROM ohlcv.bars_daily WHERE symbol = 'ZZZ' ORDER BY trade_date",
      '--format',
      'json',
    ]);
    expect(q.code).toBe(0);
    const rows = JSON.parse(q.out) as { close: number; daily_return: number | null }[];
    expect(rows.map((r) => r.close)).toEqual([10.5, 11.5]);
    expect(rows[1]!.daily_return).toBeCloseTo(11.5 / 10.5 - 1, 12);

    const status = JSON.parse(ohlcv(['status', '--format', 'json']).out);
    expect(status.engine).toBeNull();
    expect(status.jobs.SUCCEEDED).toBe(1);
    expect(status.rawObjectsAnnounced).toBe(1);

    const again = JSON.parse(ohlcv(['drain', '--format', 'json']).out);
    expect(again.jobs.SUCCEEDED).toBe(0); // this run's work: nothing new, nothing processed twice

    const dlq = ohlcv(['dlq', 'list', '--format', 'json']);
    expect(JSON.parse(dlq.out)).toEqual([]);
    const tail = ohlcv(['events', 'tail', '--last', '50', '--format', 'json']);
    const types = tail.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).event['detail-type']);
    expect(types).toEqual(
      expect.arrayContaining([
        'Object Created',
        'ETL Run Requested',
        'Glue Job State Change',
        'ETL Run Completed',
        'Partitions Registered',
      ]),
    );
  });

  it('ingest pulls bars through the queue and pipeline, and rejects bad input with exit 2', () => {
    const dir = path.join(home, 'ingest');
    const bad = ohlcv(['ingest', '--symbols', 'AAPL', '--start', 'someday'], { OHLCV_HOME: dir });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--start "someday" is not a real date');
    const badInterval = ohlcv(['ingest', '--symbols', 'AAPL', '--interval', '3min'], { OHLCV_HOME: dir });
    expect(badInterval.code).toBe(2);
    expect(badInterval.err).toContain('interval');

    const r = ohlcv(
      [
        'ingest',
        '--symbols',
        'AAPL,BTC/USD',
        '--interval',
        '1h',
        '--start',
        '2024-03-04',
        '--end',
        '2024-03-06',
        '--credits-per-minute',
        '55',
        '--format',
        'json',
      ],
      { OHLCV_HOME: dir },
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('queued 1 ingestion request(s) for 2 symbol(s)');
    const s = JSON.parse(r.out);
    expect(s.events['Ingestion Batch Completed']).toBe(1);
    expect(s.source.rateLimited).toBe(0);
    // 3 days of hourly bars: 24/day for crypto, the NY session's hours for AAPL.
    expect(s.tables.bars).toBeGreaterThan(3 * 24);
    const q = ohlcv(
      ['query', '--sql', "SELECT count(*) AS n FROM ohlcv.bars WHERE symbol = 'BTC/USD'", '--format', 'json'],
      { OHLCV_HOME: dir },
    );
    expect(JSON.parse(q.out)[0].n).toBe(72);
  });

  it('demo runs the whole pipeline to idle and every table has rows', () => {
    const r = ohlcv(['demo', '--format', 'json'], { OHLCV_HOME: path.join(home, 'demo') });
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    for (const t of ['bars', 'bars_hourly', 'bars_daily', 'quarantine'])
      expect(s.tables[t]).toBeGreaterThan(0);
    expect(s.events['Ingestion Batch Completed']).toBeGreaterThan(0);
    expect(s.deadLetters).toBe(0);
  });
});
