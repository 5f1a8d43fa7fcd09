/**
 * The README's screenshot: the symbol page of an existing data folder, in Debian's Chromium.
 *   OHLCV_HOME=.ohlcv npx tsx packages/dashboard/scripts/screenshot.ts docs/dashboard-symbol.png [SYMBOL] [INTERVAL]
 * Run `ohlcv demo` first for the demo data. Read-only, like `ohlcv dashboard`.
 */
import { LocalRuntime, resolveHome } from '@ohlcv/local';
import { startDashboard } from '../src/index.ts';
import { launchChromium, openPage } from '../test/browser.ts';

const [out, symbol = 'AAPL', interval = '1h'] = process.argv.slice(2);
if (!out || out === '--help') {
  process.stderr.write('usage: screenshot.ts OUT.png [SYMBOL] [INTERVAL]   (OHLCV_HOME = the data folder)\n');
  process.exit(out ? 0 : 2);
}
const rt = LocalRuntime.open({ home: resolveHome(process.env, process.cwd()) });
const dash = await startDashboard({ runtime: rt, port: 0 });
const browser = await launchChromium();
try {
  const { page, problems } = await openPage(browser.context);
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.goto(
    new URL(`/symbol?symbol=${encodeURIComponent(symbol)}&interval=${interval}`, dash.url).toString(),
  );
  await page.waitForSelector('[data-lw][data-rendered="true"]');
  // Hover a candle near the right so the crosshair legend shows a bar's values.
  const box = await page.locator('.lw-canvas').boundingBox();
  if (box) await page.mouse.move(box.x + box.width * 0.72, box.y + box.height * 0.35);
  await page.screenshot({ path: out });
  if (problems.length > 0) throw new Error(`page problems: ${problems.join('; ')}`);
  process.stdout.write(`${out}\n`);
} finally {
  await browser.close();
  await dash.close();
  await rt.close();
}
