/**
 * The layering DESIGN.md promises, checked on the source: the core imports no AWS SDK,
 * no DuckDB and no filesystem; service logic never builds AWS adapters (only each
 * `lambda.ts` does); and no Lambda entry's import graph reaches DuckDB or SQLite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

const workspace: Record<string, string> = Object.fromEntries(
  [
    'events',
    'sql',
    ...['packages', 'services'].flatMap((d) => fs.readdirSync(path.join(repo, d)).map((n) => `${d}/${n}`)),
  ]
    .filter((dir) => fs.existsSync(path.join(repo, dir, 'package.json')))
    .map((dir) => [
      JSON.parse(fs.readFileSync(path.join(repo, dir, 'package.json'), 'utf8')).name as string,
      dir,
    ]),
);

const importsOf = (file: string): string[] =>
  [
    ...fs
      .readFileSync(file, 'utf8')
      .matchAll(
        /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
      ),
  ]
    .map((m) => (m[1] ?? m[2])!)
    .filter(Boolean);

const sourceFiles = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter(
      (f) =>
        !f.includes(`${path.sep}node_modules${path.sep}`) &&
        !f.includes(`${path.sep}test${path.sep}`) &&
        !f.includes(`${path.sep}testing${path.sep}`),
    );

/** Resolves a specifier to a file in the repo, or undefined for third-party/builtin modules. */
function resolve(from: string, spec: string): string | undefined {
  if (spec.startsWith('.')) return path.resolve(path.dirname(from), spec);
  const pkg = Object.keys(workspace).find((name) => spec === name || spec.startsWith(`${name}/`));
  if (!pkg) return undefined;
  const dir = path.join(repo, workspace[pkg]!);
  const sub = spec.slice(pkg.length + 1);
  if (!sub)
    return path.join(dir, fs.existsSync(path.join(dir, 'src/index.ts')) ? 'src/index.ts' : 'index.ts');
  const exportsMap = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).exports as Record<
    string,
    string
  >;
  const exact = exportsMap[`./${sub}`];
  if (exact) return path.join(dir, exact);
  const star = exportsMap['./*'];
  return star ? path.join(dir, star.replace('*', sub)) : undefined;
}

/** Third-party modules reachable from an entry through repo files. */
function externalClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file) || !fs.existsSync(file)) return;
    seen.add(file);
    for (const spec of importsOf(file)) {
      const target = resolve(file, spec);
      if (target) visit(target);
      else external.add(spec);
    }
  };
  visit(entry);
  return external;
}

describe('dependency rules', () => {
  it('the core imports no AWS SDK, no DuckDB, no SQLite and no filesystem', () => {
    const offenders = sourceFiles(path.join(repo, 'packages/core/src'))
      .filter((f) => !f.includes(`${path.sep}contracts${path.sep}`))
      .flatMap((f) =>
        importsOf(f)
          .filter((s) => /^(@aws-sdk\/|@duckdb\/|better-sqlite3|node:fs|fs$|fs\/)/.test(s))
          .map((s) => `${path.relative(repo, f)}: ${s}`),
      );
    expect(offenders).toEqual([]);
  });

  it('only a service’s Lambda entries build AWS adapters', () => {
    const offenders = ['ingestion', 'etl-trigger', 'catalog-sync', 'quality-alert'].flatMap((s) =>
      sourceFiles(path.join(repo, 'services', s, 'src'))
        .filter((f) => !/(^|[\\/])[\w-]*lambda\.ts$/.test(f))
        .flatMap((f) =>
          importsOf(f)
            .filter((x) => /^(@aws-sdk\/|@ohlcv\/aws)/.test(x))
            .map((x) => `${path.relative(repo, f)}: ${x}`),
        ),
    );
    expect(offenders).toEqual([]);
  });

  it('no Lambda entry pulls in DuckDB, SQLite or the local runtime', () => {
    const entries = ['ingestion', 'etl-trigger', 'catalog-sync', 'quality-alert'].flatMap((s) =>
      fs
        .readdirSync(path.join(repo, 'services', s, 'src'))
        .filter((n) => n.endsWith('lambda.ts'))
        .map((n) => path.join(repo, 'services', s, 'src', n)),
    );
    expect(entries.length).toBeGreaterThanOrEqual(4);
    for (const entry of entries) {
      const heavy = [...externalClosure(entry)].filter((m) => /^(@duckdb\/|better-sqlite3)/.test(m));
      expect(heavy, path.relative(repo, entry)).toEqual([]);
    }
  });
  it('the workspace has no dependency cycle: adapter packages never depend on the services', () => {
    const deps = (name: string): string[] => {
      const pkg = JSON.parse(fs.readFileSync(path.join(repo, workspace[name]!, 'package.json'), 'utf8'));
      return Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => d in workspace);
    };
    const cycles: string[] = [];
    const walk = (name: string, trail: string[]): void => {
      if (trail.includes(name)) {
        cycles.push([...trail.slice(trail.indexOf(name)), name].join(' -> '));
        return;
      }
      for (const d of deps(name)) walk(d, [...trail, name]);
    };
    for (const name of Object.keys(workspace)) walk(name, []);
    expect(cycles).toEqual([]);
    for (const adapter of ['@ohlcv/local', '@ohlcv/aws', '@ohlcv/twelvedata']) {
      expect(
        deps(adapter).filter((d) => d.startsWith('@ohlcv/service-')),
        adapter,
      ).toEqual([]);
    }
  });
});
