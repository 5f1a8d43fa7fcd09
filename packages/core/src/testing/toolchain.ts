// Where the test suites find the real implementations they run against (the Python venv
// with pyspark and moto that .ci/prepare.d/10-python.sh builds, Debian's Chromium), and
// the one rule for what happens when one is missing: a visible skip on a developer's
// machine, a failure under CI=true. Outside the dependency rules (testing/ only).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const cacheDir = (): string =>
  process.env.OHLCV_CACHE_DIR ?? join(homedir(), '.cache', 'ohlcv-data-engine');

/** The venv's python, or undefined when the venv has not been prepared. */
export function venvPython(): string | undefined {
  const explicit = process.env.OHLCV_TEST_PYTHON;
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  const p = join(cacheDir(), 'venv', 'bin', 'python');
  return existsSync(p) ? p : undefined;
}

/** Debian's Chromium (never a downloaded browser). */
export function chromiumBinary(): string | undefined {
  const candidates = [process.env.OHLCV_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

export const inCi = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

/**
 * Decides whether a suite that needs `what` runs. Returns true to run. When it is missing:
 * under CI throws (the suite fails), elsewhere prints a notice and returns false (skip).
 */
export function requireToolchain(what: string, present: boolean, howToGet: string): boolean {
  if (present) return true;
  const message = `${what} is not available: ${howToGet}`;
  if (inCi()) throw new Error(`CI=true and ${message}`);
  process.stderr.write(`\n  ⚠ SKIPPED: ${message}\n\n`);
  return false;
}

/**
 * The test venv's Python and whether a suite that needs it runs (requireToolchain's rule:
 * a visible skip on a developer machine, a failure under CI=true).
 */
export function requireVenvPython(): { python: string | undefined; run: boolean } {
  const python = venvPython();
  const run = requireToolchain(
    'Python 3.11 (the test venv)',
    python !== undefined,
    'run .ci/prepare.d/10-python.sh',
  );
  return { python, run };
}

/**
 * The Spark driver JVM's options in the test suites: C1 only and the serial GC. A test's
 * ETL run is ~20 small Spark jobs over a few rows each, where C2's compile threads compete
 * with the work on two cores and never pay back (publish-turns' four-run case, alternating
 * in one sitting: 56-62 s with the JVM's defaults, 42-48 s with these). JIT and GC only:
 * nothing the SQL computes changes.
 */
export const testSparkJavaOptions = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';
