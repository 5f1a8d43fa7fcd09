/**
 * The fault suite of issue 13: every class of poison input, dropped together with a good
 * file, through the real embedded runtime (drop into raw/, drain). The big inputs are
 * generated here at run time, in the test's temp folder, once each.
 *
 * Asserted: the good rows are in ohlcv.bars; each bad object is quarantined with its
 * reason; no run is left RUNNING or FAILED; per object, rows in = kept + quarantined +
 * duplicates; the raw files are byte-identical afterwards.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { LocalRuntime, resolveHome, stagingLimitsFromEnv } from '@ohlcv/local';
import { createTwelveDataClient } from '@ohlcv/twelvedata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localServices } from './local-services.ts';
import { cases, MiB } from './testing/fault-inputs.ts';
import { tempHome } from './testing/pipeline-fixtures.ts';

let home: { root: string; cleanup: () => void };
let rt: LocalRuntime;
const md5 = async (file: string) => {
  const h = createHash('md5');
  await pipeline(fs.createReadStream(file), h);
  return h.digest('hex');
};
const before = new Map<string, string>();

beforeAll(async () => {
  home = tempHome('ohlcv-fault-');
  const layout = resolveHome({ OHLCV_HOME: home.root }, '/');
  const raw = path.join(layout.lake, 'raw', 'drops');
  fs.mkdirSync(raw, { recursive: true });
  for (const c of cases) {
    const file = path.join(raw, c.key);
    await c.make(file);
    before.set(c.key, await md5(file));
  }
  // The gzip bomb decompresses past this cap; the 200 MB lines stay under it.
  rt = LocalRuntime.open({
    home: layout,
    etl: { limits: stagingLimitsFromEnv({ OHLCV_MAX_OBJECT_BYTES: String(256 * MiB) }) },
  });
  rt.attachServices(
    localServices({
      marketData: createTwelveDataClient({ apiKey: 'unused', baseUrl: 'http://127.0.0.1:9' }),
      env: {},
    }),
  );
  await rt.drain();
}, 300_000);

afterAll(async () => {
  await rt?.close();
  home?.cleanup();
});

const rows = (sql: string) => rt.catalog.queryEngine.query(sql);

describe('poison input dropped with a good file', () => {
  it('no run is left RUNNING, none failed', () => {
    expect(rt.jobRunner.counts()).toMatchObject({ RUNNING: 0, WAITING: 0, FAILED: 0, TIMEOUT: 0 });
    expect(rt.jobRunner.counts().SUCCEEDED).toBeGreaterThanOrEqual(1);
  });

  it('the good rows are in ohlcv.bars', async () => {
    const bySymbol = Object.fromEntries(
      (await rows('SELECT symbol, count(*) AS n FROM ohlcv.bars GROUP BY symbol')).map((r) => [
        r.symbol,
        r.n,
      ]),
    );
    expect(bySymbol).toEqual({ GOOD: 30, NDJ: 1, SHORT: 1, SURR: 1, TRIM: 1 });
  });

  it.each(cases.filter((c) => c.reasons.length > 0))('$key is quarantined with its reason', async (c) => {
    const q = await rows(
      `SELECT line_number, reason_codes, raw_record FROM ohlcv.quarantine WHERE raw_object = 'raw/drops/${c.key}' ORDER BY line_number`,
    );
    expect([...new Set(q.flatMap((r) => r.reason_codes as string[]))].sort()).toEqual(c.reasons);
    // A quarantined line keeps a prefix of its text, never all of it.
    for (const r of q) expect(String(r.raw_record).length).toBeLessThanOrEqual(1024);
  });

  it.each(cases)('$key: rows in = kept + quarantined + duplicates', async (c) => {
    const where = `raw_object = 'raw/drops/${c.key}'`;
    const [kept] = await rows(`SELECT count(*) AS n FROM ohlcv.bars WHERE ${where}`);
    const [quarantined] = await rows(`SELECT count(*) AS n FROM ohlcv.quarantine WHERE ${where}`);
    expect({ kept: kept!.n, quarantined: quarantined!.n }).toEqual({
      kept: c.kept,
      quarantined: c.rowsIn - c.kept,
    });
  });

  it('the run summary accounts for every row', async () => {
    const runs = fs.readdirSync(path.join(home.root, 'lake', '_runs'));
    const summaries = runs.map((r) =>
      JSON.parse(fs.readFileSync(path.join(home.root, 'lake', '_runs', r, 'summary.json'), 'utf8')),
    );
    const total = (k: string) => summaries.reduce((s, x) => s + x[k], 0);
    expect(total('rowsIn')).toBe(cases.reduce((s, c) => s + c.rowsIn, 0));
    expect(total('rowsIn')).toBe(total('rowsKept') + total('rowsQuarantined') + total('duplicates'));
  });

  it('raw files are byte-identical', async () => {
    for (const c of cases) {
      expect(await md5(path.join(home.root, 'lake', 'raw', 'drops', c.key))).toBe(before.get(c.key));
    }
  });
});
