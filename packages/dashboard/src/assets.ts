/**
 * The static assets, read once at start and served from memory under fixed names (a
 * request only selects among them, never names a file). lightweight-charts comes from
 * its npm package, so the page loads every script from our own origin and the CSP can
 * stay `script-src 'self'`: no CDN, no inline script.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const own = (file: string): string => readFileSync(path.join(here, '..', 'assets', file), 'utf8');

/** The standalone build (global `LightweightCharts`); the package exports only its ES modules. */
function lightweightCharts(): string {
  const pkg = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
  return readFileSync(
    path.join(path.dirname(pkg), 'dist', 'lightweight-charts.standalone.production.js'),
    'utf8',
  );
}

export const ASSETS = {
  'app.css': { type: 'text/css; charset=utf-8', body: own('app.css') },
  'app.js': { type: 'text/javascript; charset=utf-8', body: own('app.js') },
  'favicon.svg': { type: 'image/svg+xml', body: own('favicon.svg') },
  'lightweight-charts.js': { type: 'text/javascript; charset=utf-8', body: lightweightCharts() },
} as const;

export type AssetName = keyof typeof ASSETS;
export const isAssetName = (name: string): name is AssetName => Object.hasOwn(ASSETS, name);
