/**
 * `pnpm bench [name...]`: runs the benchmarks and prints one table. Every figure that
 * claims a speed-up or a cost is a ratio against a baseline measured in the same run.
 * Results are also written to .bench-out/results.json.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const suites: Record<string, () => Promise<{ run: () => Promise<BenchResult[]> }>> = {
  fabric: () => import('./fabric.ts'),
  ingestion: () => import('./ingestion.ts'),
  etl: () => import('./etl.ts'),
  staging: () => import('./staging.ts'),
  query: () => import('./query.ts'),
  cli: () => import('./cli.ts'),
  dashboard: () => import('./dashboard.ts'),
  latency: () => import('./latency.ts'),
};

async function main(): Promise<void> {
  // Options with a value (`--engine spark`) are the suites' own: skip the value too.
  const argv = process.argv.slice(2);
  const wanted = argv.filter((a, i) => !a.startsWith('-') && !(argv[i - 1] ?? '').startsWith('--engine'));
  const unknown = wanted.filter((w) => !suites[w]);
  if (unknown.length > 0) {
    console.error(`unknown bench ${unknown.join(', ')}; benches: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
  const names = wanted.length > 0 ? wanted : Object.keys(suites);
  const all: (BenchResult & { suite: string })[] = [];
  for (const name of names) {
    process.stderr.write(`bench ${name} ...\n`);
    const started = Date.now();
    const mod = await suites[name]!();
    const results = await mod.run();
    for (const r of results) {
      all.push({ suite: name, ...r });
      console.log(
        `${name.padEnd(10)} ${r.name.padEnd(48)} ${fmt(r.value).padStart(14)} ${r.unit.padEnd(10)} ${r.note ?? ''}`,
      );
    }
    process.stderr.write(`bench ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const out = path.resolve('.bench-out');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'results.json'), `${JSON.stringify(all, null, 2)}\n`);
}

const fmt = (v: number): string =>
  Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(Math.abs(v) >= 1 ? 2 : 3);

await main();
