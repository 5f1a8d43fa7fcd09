#!/usr/bin/env node
/**
 * Builds the `ohlcv` bin: the CLI's TypeScript bundled into plain ESM under
 * packages/cli/dist/, so a command starts in node alone (no tsx, no pnpm). Run by the
 * install (root `prepare`) and by `bin/ohlcv.mjs` on first use when dist/ is missing or
 * older than the sources.
 *
 * better-sqlite3 (native) stays external: node loads it from node_modules; DuckDB and
 * undici are loaded lazily (below). Modules that find their files beside them
 * (`import.meta.url`: the SQL files, the demo CSV) keep finding them: each such use is
 * rewritten to the source file's URL, relative to the bundle, so the built bin works
 * wherever the clone is.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const cliRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const outdir = path.join(cliRoot, 'dist');

/** `import.meta.url` of the source file, as seen from a chunk in `outdir`. */
const sourceUrlPlugin = {
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
      const rel = path.relative(outdir, args.path).split(path.sep).join('/');
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`),
        loader: 'ts',
      };
    });
  },
};

/**
 * Modules too heavy to load at every start: DuckDB's native library takes a second or
 * more, undici (the Twelve Data client's HTTP) is a megabyte of JavaScript. `--help`,
 * `status` and `query --list` must not pay for them. The bundle imports a stand-in whose
 * exports load the real module on first use (a synchronous require: both are CommonJS),
 * resolved at build time from the package that imports it and addressed relative to the
 * bundle, so the built bin works wherever the clone is.
 */
const LAZY = /^(@duckdb\/node-api|undici)$/;

const lazyModulePlugin = {
  name: 'lazy-modules',
  setup(build) {
    build.onResolve({ filter: LAZY }, (args) => ({
      path: createRequire(args.importer).resolve(args.path),
      namespace: 'lazy-module',
    }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-module' }, async (args) => {
      const names = Object.keys(createRequire(args.path)(args.path)).filter(
        (n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n),
      );
      const rel = path.relative(outdir, args.path).split(path.sep).join('/');
      const lines = [
        "import { createRequire } from 'node:module';",
        "import { fileURLToPath } from 'node:url';",
        `const file = fileURLToPath(new URL(${JSON.stringify(rel)}, import.meta.url));`,
        'let real;',
        'const load = () => (real ??= createRequire(file)(file));',
        // A function target so the stand-in can be called and constructed like what it stands for.
        'const lazy = (name) => new Proxy(function () {}, {',
        '  get: (_t, key) => { const v = load()[name]; const r = Reflect.get(v, key, v); return typeof r === "function" && key !== "prototype" ? r.bind(v) : r; },',
        '  has: (_t, key) => Reflect.has(load()[name], key),',
        '  construct: (_t, args) => Reflect.construct(load()[name], args),',
        '  apply: (_t, self, args) => Reflect.apply(load()[name], self, args),',
        '  getPrototypeOf: () => Reflect.getPrototypeOf(load()[name]),',
        '});',
        ...names.map((n) => `export const ${n} = lazy(${JSON.stringify(n)});`),
      ];
      return { contents: lines.join('\n'), loader: 'js', resolveDir: cliRoot };
    });
  },
};

/**
 * Builds into a sibling folder and swaps it in, so a command starting meanwhile (tests run
 * in parallel) never imports a half-written bundle. The sibling has the same depth, so the
 * relative source URLs hold.
 */
export async function buildBin({ quiet = false } = {}) {
  const staging = `${outdir}-build-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: { ohlcv: path.join(cliRoot, 'src/bin.ts') },
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    external: ['@duckdb/*', 'better-sqlite3'],
    // Bundled CommonJS dependencies call require(): give the ESM output one.
    banner: {
      js: "import { createRequire as __ohlcvCreateRequire } from 'node:module'; const require = __ohlcvCreateRequire(import.meta.url);",
    },
    define: { 'process.env.OHLCV_BUNDLED': '"1"' },
    plugins: [lazyModulePlugin, sourceUrlPlugin],
    metafile: true,
    logLevel: quiet ? 'error' : 'warning',
  });
  await writeFile(path.join(staging, 'BUILT'), `${new Date().toISOString()}\n`);
  const old = `${outdir}-old-${process.pid}`;
  await rename(outdir, old).catch(() => {});
  // Another process may have swapped its own build in meanwhile: then keep that one.
  await rename(staging, outdir).catch(() => rm(staging, { recursive: true, force: true }));
  await rm(old, { recursive: true, force: true });
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const t0 = performance.now();
  const r = await buildBin();
  const files = Object.keys(r.metafile.outputs).length;
  process.stderr.write(
    `built ${path.relative(process.cwd(), outdir)}/ohlcv.mjs (${files} files) in ${Math.round(performance.now() - t0)} ms\n`,
  );
}
