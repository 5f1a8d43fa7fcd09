/**
 * Debian's Chromium driven by playwright-core (never a browser that playwright downloads):
 * one launch per test file, a fresh profile, no network beyond loopback, and a page
 * wrapper that records console errors, page errors and CSP violations.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromiumBinary } from '@ohlcv/core/testing/toolchain';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** Screenshots land here (ignored by git), one folder per suite. */
export const ARTIFACTS = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  '..',
  'test-artifacts',
);

export interface BrowserSession {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<BrowserSession> {
  const executablePath = chromiumBinary();
  if (!executablePath) throw new Error('no Chromium binary (see .ci/prepare.d/20-chromium.sh)');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ohlcv-chromium-'));
  // A persistent context is how playwright takes a fresh --user-data-dir: one browser process.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
    colorScheme: 'light',
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface WatchedPage {
  page: Page;
  /** Console errors, uncaught page errors and CSP violations since the page opened. */
  problems: string[];
}

export async function openPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  // CSP violations also reach the console, but the event says which directive and URL.
  await page.exposeFunction('__reportCsp', (text: string) => problems.push(`csp: ${text}`));
  // A string: the test's tsconfig has no DOM types, and this runs in the page.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportCsp(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' (' + e.sourceFile + ':' + e.lineNumber + ')');
    });`,
  });
  return { page, problems };
}
