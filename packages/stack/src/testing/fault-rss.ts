/**
 * Writes one poison class of fault-inputs.ts (by key) and the good file into a folder,
 * for measuring a drain's peak RSS by hand:
 *
 *   tsx packages/stack/src/testing/fault-rss.ts /tmp/in line-200mb.csv
 *   OHLCV_HOME=/tmp/h ohlcv drop /tmp/in/*  &&  /usr/bin/time -v env OHLCV_HOME=/tmp/h ohlcv drain
 */
import fs from 'node:fs';
import path from 'node:path';
import { cases } from './fault-inputs.ts';

const [dir, key] = process.argv.slice(2);
if (!dir || !key) throw new Error('usage: fault-rss.ts DIR KEY');
fs.mkdirSync(dir, { recursive: true });
for (const c of cases.filter((c) => c.key === key || c.key === 'good.csv')) {
  await c.make(path.join(dir, c.key));
}
