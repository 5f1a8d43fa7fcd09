/**
 * The CLI tells the truth: exit codes and summaries describe the invocation's own work,
 * bad input is exit 2 before any work (naming the field), and the output holds up in a
 * pipe. Each case runs the real `ohlcv` process on a real data folder.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalRuntime, resolveHome } from '@ohlcv/local';
import { fanOutIngestion, watchlistSchema } from '@ohlcv/service-ingestion';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cliArgs, cliBin } from './cli-bin.ts';

// Whole CLI runs, several per case: on a loaded 2-core machine one case can take minutes.
vi.setConfig({ testTimeout: 300_000 });

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-truth-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function ohlcv(home: string, args: string[]) {
  const r = spawnSync(process.execPath, cliArgs(args), {
    cwd: repoRoot,
    env: { ...process.env, OHLCV_HOME: home, TWELVE_DATA_API_KEY: '', OHLCV_EMBEDDED_SYMBOLS: '' },
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const queued = (home: string): number => {
  const s = JSON.parse(ohlcv(home, ['status', '--format', 'json']).out) as {
    queues: { queue: string; visible: number; inFlight: number; delayed: number }[];
  };
  return s.queues.reduce((n, q) => n + q.visible + q.inFlight + q.delayed, 0);
};

describe('bad input: exit 2 before any work, naming the field', () => {
  const home = path.join(root, 'bad-input');

  it('ingest checks dates, ranges and intervals up front and queues nothing', () => {
    const feb30 = ohlcv(home, ['ingest', '--symbols', 'AAPL', '--start', '2024-02-30']);
    expect(feb30.code).toBe(2);
    expect(feb30.err).toContain('--start "2024-02-30" is not a real date');
    const backwards = ohlcv(home, [
      'ingest',
      '--symbols',
      'AAPL',
      '--start',
      '2024-03-10',
      '--end',
      '2024-03-01',
    ]);
    expect(backwards.code).toBe(2);
    expect(backwards.err).toContain('--end "2024-03-01" is before start "2024-03-10"');
    const interval = ohlcv(home, ['ingest', '--symbols', 'AAPL', '--interval', '3min']);
    expect(interval.code).toBe(2);
    expect(interval.err).toContain('--interval');
    const future = ohlcv(home, ['ingest', '--symbols', 'AAPL', '--start', '2999-01-01']);
    expect(future.code).toBe(2);
    expect(future.err).toContain('--start "2999-01-01" is in the future');
    expect(queued(home)).toBe(0);
  });

  it('query: typed parameters and read-only --sql', () => {
    const date = ohlcv(home, ['query', 'top_movers', '--param', 'start_date=2024-13-45']);
    expect(date.code).toBe(2);
    expect(date.err).toContain('parameter start_date must be a YYYY-MM-DD date, got "2024-13-45"');
    const window = ohlcv(home, ['query', 'volatility', '--param', 'window=-3']);
    expect(window.code).toBe(2);
    expect(window.err).toContain('parameter window must be at least 2, got -3');
    const drop = ohlcv(home, ['query', '--sql', 'DROP VIEW ohlcv.bars']);
    expect(drop.code).toBe(2);
    expect(drop.err).toContain('read-only');
    const chained = ohlcv(home, ['query', '--sql', "SELECT ';' AS a; DROP VIEW ohlcv.bars"]);
    expect(chained.code).toBe(2);
    expect(chained.err).toContain('one statement at a time');
    const typo = ohlcv(home, ['query', '--sql', 'SELEC 1']);
    expect(typo.code).toBe(2);
  });

  it('drop, dlq: clear usage errors', () => {
    const dir = ohlcv(home, ['drop', root]);
    expect(dir.code).toBe(2);
    expect(dir.err).toContain(`${root} is a folder: name the files to drop`);
    const noQueue = ohlcv(home, ['dlq', 'redrive']);
    expect(noQueue.code).toBe(2);
    expect(noQueue.err).toContain('name the QUEUE to redrive: one of ingestion-requests');
    const json = ohlcv(home, ['dlq', 'redrive', 'etl-trigger', '--format', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual({ from: 'etl-trigger-dlq', to: 'etl-trigger', moved: 0 });
    const unknown = ohlcv(home, ['dlq', 'list', '--max', '3']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown option --max; this command takes --limit, --format');
  });
});

type AlertEnvelope = { 'detail-type': string; detail: { kind: string; message: string } };

describe('bad columns are named; field aliases hold in every format (issue 14)', () => {
  it('a ticker,freq,time,… CSV is quarantined naming the columns, the alert says which; timestamp-NDJSON is bars', () => {
    const home = path.join(root, 'columns');
    const csv = path.join(root, 'ticker.csv');
    fs.writeFileSync(
      csv,
      'ticker,freq,time,o,h,l,c,v\nAAPL,1day,2024-06-03,10,11,9,10.5,1000\nMSFT,1day,2024-06-03,10,11,9,10.5,1000\n',
    );
    const ndjson = path.join(root, 'timestamp.ndjson');
    const line = (symbol: string, key: string) =>
      JSON.stringify({
        symbol,
        interval: '1day',
        [key]: '2024-06-03',
        open: 10,
        high: 11,
        low: 9,
        close: 10.5,
      });
    fs.writeFileSync(ndjson, `${line('TSA', 'timestamp')}\n${line('TSB', 'DateTime')}\n`);
    const dropped = ohlcv(home, ['drop', csv, ndjson]);
    expect(dropped.code, dropped.err).toBe(0);
    const drained = ohlcv(home, ['drain']);
    expect(drained.code, drained.out + drained.err).toBe(0);

    const sql = (q: string) => {
      const r = ohlcv(home, ['query', '--sql', q, '--format', 'json']);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as Record<string, unknown>[];
    };
    const detail =
      'missing: symbol, interval, ts, open, high, low, close; unknown: ticker, freq, time, o, h, l, c, v';
    expect(
      sql(
        "SELECT line_number, reason_codes, reason_detail FROM ohlcv.quarantine WHERE raw_object LIKE '%ticker.csv' ORDER BY line_number",
      ),
    ).toEqual([
      { line_number: 2, reason_codes: ['missing_field', 'unknown_field'], reason_detail: detail },
      { line_number: 3, reason_codes: ['missing_field', 'unknown_field'], reason_detail: detail },
    ]);
    expect(
      sql("SELECT symbol FROM ohlcv.bars WHERE raw_object LIKE '%timestamp.ndjson' ORDER BY symbol").map(
        (r) => r.symbol,
      ),
    ).toEqual(['TSA', 'TSB']);

    const alerts = ohlcv(home, [
      'events',
      'tail',
      '--source',
      'ohlcv.quality-alert',
      '--last',
      '50',
      '--format',
      'json',
    ])
      .out.trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { event: AlertEnvelope }).event)
      .filter((e) => e['detail-type'] === 'Alert Raised' && e.detail.kind === 'quarantine-threshold');
    expect(alerts).toHaveLength(1);
    // The drain's own summary shows the alert with its reasons too.
    expect(drained.out).toContain(`missing_field, unknown_field — ${detail}`);
    expect(alerts[0]!.detail.message).toMatch(/^\d+\.\d\d% quarantined \(2 of \d rows, threshold 5\.00%\): /);
    expect(alerts[0]!.detail.message).toContain(`missing_field, unknown_field — ${detail} (2 rows)`);
  });
});

describe('a request that still fails validation reaches the worker', () => {
  it('becomes Ingestion Batch Failed and an alert, consumed at once, not three retries and a DLQ message', async () => {
    const home = path.join(root, 'worker');
    // Another producer (an older CLI, a hand-written message) queues 30 February.
    const rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: home }, repoRoot) });
    await fanOutIngestion(
      {
        watchlist: watchlistSchema.parse({ symbols: ['AAPL'], interval: '1day' }),
        start: '2024-02-30',
        end: '2024-03-01',
      },
      { sender: rt.queueSender, clock: rt.clock, ids: rt.ids },
    );
    await rt.close();
    const r = ohlcv(home, ['drain', '--format', 'json']);
    expect(r.code, r.err).toBe(1);
    const s = JSON.parse(r.out);
    expect(s.events['Ingestion Batch Failed']).toBe(1);
    expect(s.events['Alert Raised']).toBe(1);
    expect(s.deadLetters).toBe(0);
    expect(s.problems.map((p: { text: string }) => p.text).join('\n')).toContain('InvalidIngestionRequest');
    expect(queued(home)).toBe(0);
  });
});

describe('exit codes and summaries describe this invocation', () => {
  const home = path.join(root, 'own-work');

  it('an unknown symbol fails by name; a later valid ingest and an idle drain exit 0 despite it', () => {
    const unknown = ohlcv(home, [
      'ingest',
      '--symbols',
      'ZZZZNOTREAL',
      '--interval',
      '1day',
      '--start',
      '2024-03-04',
      '--end',
      '2024-03-05',
    ]);
    expect(unknown.code, unknown.err).toBe(1);
    expect(unknown.out).toContain('ZZZZNOTREAL');
    expect(unknown.out).toContain('not found');
    expect(unknown.out).toMatch(/alerts\s+1 raised/);

    // An earlier dead letter, left by some other run.
    const rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: home }, repoRoot) });
    rt.queues.send('quality-alert-dlq', '{"left":"by an earlier run"}');
    void rt.close();

    const valid = ohlcv(home, [
      'ingest',
      '--symbols',
      'AAPL',
      '--interval',
      '1day',
      '--start',
      '2024-03-04',
      '--end',
      '2024-03-05',
      '--format',
      'json',
    ]);
    expect(valid.code, valid.err).toBe(0);
    const s = JSON.parse(valid.out);
    expect(s.events['Ingestion Batch Completed']).toBe(1);
    expect(s.events['Ingestion Batch Failed']).toBeUndefined();
    expect(s.deadLetters).toBe(0);
    expect(s.earlier.deadLetters).toBe(1);

    const idle = ohlcv(home, ['drain']);
    expect(idle.code, idle.out + idle.err).toBe(0);
    expect(idle.out).toMatch(/etl\s+0 runs succeeded, 0 failed/);
    expect(idle.out).toContain('earlier (before this run, not counted in its exit code)');
    expect(idle.out).toContain('1 message(s) in DLQs');
    const rows = JSON.parse(
      ohlcv(home, [
        'query',
        '--sql',
        "SELECT count(*) AS n FROM ohlcv.bars WHERE symbol = 'ZZZZNOTREAL'",
        '--format',
        'json',
      ]).out,
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('output', () => {
  const home = path.join(root, 'output');

  it('events tail filters before --last, takes an EventBridge pattern, keeps whole ids and columns', () => {
    const csv = path.join(root, 'tail.csv');
    fs.writeFileSync(
      csv,
      'symbol,interval,timestamp,open,high,low,close,volume\nTAIL,1day,2024-06-03,10,11,9,10.5,1000\n',
    );
    expect(ohlcv(home, ['drop', csv]).code).toBe(0);
    expect(ohlcv(home, ['drain']).code).toBe(0);
    const all = ohlcv(home, ['events', 'tail', '--last', '500', '--format', 'json']).out.trim().split('\n');
    expect(all.length).toBeGreaterThan(3);
    // The one Object Created is not among the last 2 events, yet --last 1 finds it.
    const one = ohlcv(home, ['events', 'tail', '--source', 'aws.s3', '--last', '1', '--format', 'json']);
    expect(
      one.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).event['detail-type']),
    ).toEqual(['Object Created']);
    const byPattern = ohlcv(home, [
      'events',
      'tail',
      '--pattern',
      '{"detail-type":["ETL Run Completed"]}',
      '--format',
      'json',
    ]);
    expect(byPattern.code).toBe(0);
    expect(
      byPattern.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).event['detail-type']),
    ).toEqual(['ETL Run Completed']);
    const badPattern = ohlcv(home, ['events', 'tail', '--pattern', '{"source":[{"prefix":1}]}']);
    expect(badPattern.code).toBe(2);
    expect(badPattern.err).toContain('--pattern');

    const table = ohlcv(home, ['events', 'tail', '--last', '500']).out.trim().split('\n');
    const arrows = new Set(table.map((l) => l.indexOf(' -> ')));
    expect(arrows.size).toBe(1);
    const jobRunId = JSON.parse(byPattern.out).event.detail.jobRunId as string;
    expect(table.some((l) => l.endsWith(jobRunId))).toBe(true);
  });

  it('events tail --follow --last 0 prints only new events, not the history', () => {
    const r = spawnSync(
      'bash',
      ['-c', `timeout -s INT 8 ${process.execPath} ${cliBin} events tail --follow --last 0`],
      { cwd: repoRoot, env: { ...process.env, OHLCV_HOME: home }, encoding: 'utf8' },
    );
    expect(r.stdout).toBe('');
  });

  it('a closed pipe ends every command quietly', () => {
    // The reader (`true`) is gone before the command writes: every write meets a closed pipe.
    for (const args of ['status', 'events tail --last 500', 'query --list']) {
      const r = spawnSync(
        'bash',
        ['-c', `${process.execPath} ${cliBin} ${args} 2>"$ERR" | true; echo "\${PIPESTATUS[0]}"`],
        {
          cwd: repoRoot,
          env: { ...process.env, OHLCV_HOME: home, ERR: path.join(root, 'pipe.err') },
          encoding: 'utf8',
        },
      );
      expect(fs.readFileSync(path.join(root, 'pipe.err'), 'utf8'), args).toBe('');
      expect(r.stdout.trim(), args).toBe('0');
    }
  });

  it('status shows the catalog as a table and ages as durations; json keeps the numbers', () => {
    const table = ohlcv(home, ['status']);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/catalog \(database \w+\):\ntable\s+partitions\s+schemaVersion/);
    expect(table.out).toMatch(/\nqueue\s+visible\s+inFlight\s+delayed\s+oldest\n/);
    const json = JSON.parse(ohlcv(home, ['status', '--format', 'json']).out);
    expect(typeof json.queues[0].oldestAgeSeconds).toBe('number');
  });
});
