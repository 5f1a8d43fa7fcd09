#!/usr/bin/env node
/**
 * The `ohlcv` bin: runs the bundled CLI (dist/ohlcv.mjs, built by the install). Built here
 * on first use, and rebuilt when a TypeScript source is newer than the build, so an
 * edited checkout never runs stale code. The check is a walk of the source folders'
 * modification times (a few milliseconds), not a build.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cliRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = path.resolve(cliRoot, '../..');
const bundle = path.join(cliRoot, 'dist', 'ohlcv.mjs');
const stamp = path.join(cliRoot, 'dist', 'BUILT');

/** Newest modification time of the .ts files under `dir` (tests and node_modules skipped). */
function newestSource(dir, newest = 0) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) newest = newestSource(full, newest);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function stale() {
  if (!existsSync(bundle) || !existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  const roots = ['packages', 'services'].flatMap((top) => {
    const base = path.join(repoRoot, top);
    return existsSync(base) ? readdirSync(base).map((p) => path.join(base, p, 'src')) : [];
  });
  roots.push(path.join(repoRoot, 'events', 'src'), path.join(repoRoot, 'sql'));
  return roots.some((r) => newestSource(r) > built);
}

if (stale()) {
  process.stderr.write('ohlcv: building the command (first use, or the sources changed)...\n');
  const { buildBin } = await import('../scripts/build-bin.mjs');
  await buildBin({ quiet: true });
}
await import(pathToFileURL(bundle).href);
