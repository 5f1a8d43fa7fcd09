import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalRuntime, resolveHome } from '@ohlcv/local';
import { fanOutIngestion } from '@ohlcv/service-ingestion';
import { createTwelveDataClient, type EmbeddedTwelveData, startEmbeddedTwelveData } from '@ohlcv/twelvedata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localServices } from './local-services.ts';
import { csvBars, tempHome } from './testing/pipeline-fixtures.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

let embedded: EmbeddedTwelveData;
beforeAll(async () => {
  embedded = await startEmbeddedTwelveData({ seed: 7 });
});
afterAll(async () => {
  await embedded.close();
});

function open(root: string): LocalRuntime {
  const rt = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: root }, '/') });
  const client = createTwelveDataClient({ apiKey: 'test', baseUrl: embedded.url });
  rt.attachServices(localServices({ marketData: client, env: {} }));
  return rt;
}

async function tableRows(rt: LocalRuntime, sql: string): Promise<Record<string, unknown>[]> {
  return rt.catalog.queryEngine.query(sql);
}

describe('the embedded runtime, end to end', () => {
  it('moves ingested bars through all four services into queryable tables', async () => {
    const home = tempHome();
    const rt = open(home.root);
    try {
      await fanOutIngestion(
        {
          watchlist: { symbols: ['AAPL', 'BTC/USD'], interval: '1min', lookbackDays: 5 },
          start: '2024-03-08',
          end: '2024-03-11',
        },
        { sender: rt.queueSender, clock: rt.clock, ids: rt.ids },
      );
      const d = await rt.drain();
      expect(d.failed).toBe(0);

      // What ingestion wrote to raw/ is what the tables hold: count and values.
      let rawRows = 0;
      const rawCloses = new Map<string, number>();
      for await (const o of rt.store.list('raw/source=twelvedata/')) {
        for (const line of Buffer.from(await rt.store.get(o.key))
          .toString('utf8')
          .split('\n')
          .filter(Boolean)) {
          const bar = JSON.parse(line) as { symbol: string; ts: string; close: number };
          rawRows++;
          rawCloses.set(`${bar.symbol}|${Date.parse(bar.ts)}`, bar.close);
        }
      }
      expect(rawRows).toBeGreaterThan(1000);
      const bars = await tableRows(rt, 'SELECT symbol, epoch_ms(ts) AS ms, close FROM ohlcv.bars');
      expect(bars.length).toBe(rawCloses.size);
      for (const b of bars) expect(b.close).toBe(rawCloses.get(`${b.symbol}|${Number(b.ms)}`));

      const daily = await tableRows(
        rt,
        'SELECT symbol, COUNT(*) AS n FROM ohlcv.bars_daily GROUP BY symbol ORDER BY symbol',
      );
      expect(daily.map((r) => r.symbol)).toEqual(['AAPL', 'BTC/USD']);
      const hourly = await tableRows(rt, 'SELECT COUNT(*) AS n FROM ohlcv.bars_hourly');
      expect(Number(hourly[0]!.n)).toBeGreaterThan(24);

      const events = rt.eventLog.countsByDetailType();
      expect(events['Ingestion Batch Completed']).toBe(1);
      expect(events['ETL Run Requested']).toBeGreaterThanOrEqual(1);
      expect(events['Glue Job State Change']).toBe(events['ETL Run Requested']);
      expect(events['ETL Run Completed']).toBe(events['ETL Run Requested']);
      expect(events['Partitions Registered']).toBe(events['ETL Run Requested']);
      expect(rt.jobRunner.counts().FAILED).toBe(0);
    } finally {
      await rt.close();
      home.cleanup();
    }
  });

  it('processes a CSV copied into raw/ by hand while running, with no command', async () => {
    const home = tempHome();
    const rt = open(home.root);
    try {
      rt.startServices();
      const raw = path.join(home.root, 'lake', 'raw', 'manual');
      fs.mkdirSync(raw, { recursive: true });
      // Like `cp`: the file appears under its final name and is written in place.
      fs.writeFileSync(path.join(raw, 'hand.csv'), csvBars('HAND', '2024-05-06', 90, 3));
      const deadline = Date.now() + 45_000;
      let n = 0;
      while (Date.now() < deadline) {
        if (rt.catalog.partitions('bars').some((p) => p.values.symbol === 'HAND')) {
          n = Number(
            (await tableRows(rt, "SELECT COUNT(*) AS n FROM ohlcv.bars WHERE symbol = 'HAND'"))[0]!.n,
          );
          if (n === 90) break;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(n).toBe(90);
    } finally {
      await rt.close();
      home.cleanup();
    }
  });

  it('a pipeline killed mid-run and started again loses nothing and does nothing twice', async () => {
    const files = Array.from({ length: 6 }, (_, i) => ({
      name: `k${i}.csv`,
      body: csvBars(`SYM${i % 3}`, `2024-05-0${1 + Math.floor(i / 3)}`, 120, i + 1),
    }));
    const drop = (root: string): void => {
      const dir = path.join(root, 'lake', 'raw', 'drops');
      fs.mkdirSync(dir, { recursive: true });
      for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.body);
      // Backdate: the files are complete, no need to wait for them to settle.
      const past = new Date(Date.now() - 10_000);
      for (const f of files) fs.utimesSync(path.join(dir, f.name), past, past);
    };
    const snapshot = async (rt: LocalRuntime) => ({
      bars: await tableRows(
        rt,
        'SELECT symbol, ts, open, high, low, close, volume, pct_change, vwap FROM ohlcv.bars ORDER BY symbol, ts',
      ),
      daily: await tableRows(
        rt,
        'SELECT * EXCLUDE (month) FROM ohlcv.bars_daily ORDER BY symbol, trade_date',
      ),
    });

    const ref = tempHome();
    drop(ref.root);
    const refRt = open(ref.root);
    await refRt.drain();
    const expected = await snapshot(refRt);
    await refRt.close();
    ref.cleanup();
    expect(expected.bars.length).toBe(6 * 120);

    const home = tempHome();
    drop(home.root);
    // A real process, killed with SIGKILL as soon as the pipeline is mid-flight.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'packages/cli/src/main.ts'), 'drain'],
      {
        cwd: repoRoot,
        env: { ...process.env, OHLCV_HOME: home.root },
        stdio: 'ignore',
      },
    );
    const dbFile = resolveHome({ OHLCV_HOME: home.root }, '/').stateDb;
    const started = Date.now();
    while (Date.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 50));
      if (!fs.existsSync(dbFile)) continue;
      const probe = LocalRuntime.open({ home: resolveHome({ OHLCV_HOME: home.root }, '/') });
      const runs = probe.jobRunner.counts();
      await probe.close();
      if (runs.RUNNING + runs.WAITING + runs.SUCCEEDED > 0) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const rt = open(home.root);
    try {
      await rt.drain();
      expect(await snapshot(rt)).toEqual(expected);
      expect(rt.rawZone.announcedCount()).toBe(files.length);
      expect(rt.eventLog.countsByDetailType()['Object Created']).toBe(files.length);
      expect(rt.jobRunner.counts().FAILED).toBe(0);
    } finally {
      await rt.close();
      home.cleanup();
    }
  });
});
