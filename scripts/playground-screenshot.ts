/**
 * The README's playground screenshot (docs/playground.png): serves dist/playground/, trains the default
 * three surrogates for 150 epochs in headless Chromium (CPU backend), draws a "7" on the pad, and takes a
 * screenshot of the page. Prints the frame rate the page measured while training.
 *   npm run build && node scripts/run-ts.mjs scripts/playground-screenshot.ts [--backend webgpu]
 */
import { servePlayground } from '../cli/commands/playground.js';
import { launch, openPage, urlOf } from '../test/support/browser.js';

// Run from the repository root (run-ts bundles this file into out/run/, so import.meta.url does not point here).
const root = `${process.cwd()}/`;
const i = process.argv.indexOf('--backend');
const backend = i > 0 ? process.argv[i + 1] : 'cpu';
const server = await servePlayground(`${root}dist/playground`, { port: 0, host: '127.0.0.1' });
const browser = await launch();
try {
  const { page, errors } = await openPage(browser, urlOf(server, `/?auto&backend=${backend}&epochs=${process.env.EPOCHS ?? 150}&size=8`), { width: 1300, height: 1250 });
  await page.waitForFunction(() => (window as unknown as { __playground?: { finished: boolean } }).__playground?.finished, null, { timeout: 600_000 });
  const box = (await page.locator('#pad').boundingBox())!;
  const at = (x: number, y: number) => [box.x + box.width * x, box.y + box.height * y] as const;
  await page.mouse.move(...at(0.25, 0.2)); await page.mouse.down();
  await page.mouse.move(...at(0.75, 0.2), { steps: 10 }); await page.mouse.move(...at(0.55, 0.85), { steps: 10 }); await page.mouse.up();
  await page.waitForFunction(() => (window as unknown as { __playground?: { classified: unknown } }).__playground?.classified != null);
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${root}docs/playground.png` });
  const s = await page.evaluate(() => (window as unknown as { __playground: { fps: unknown; classified: unknown; trainMs: number } }).__playground);
  console.log(JSON.stringify({ backend, fps: s.fps, trainMs: s.trainMs, classified: s.classified, errors }));
} finally {
  await browser.close();
  server.close();
}
