/**
 * The playground and the browser example in headless Chromium (test/support/browser.ts): each trains on the
 * CPU backend and on WebGPU (Chromium's SwiftShader adapter), its first losses equal Node's CPU backend's to
 * 1e-4, its charts are drawn (non-white pixels in screenshots of each chart), the drawing pad classifies a
 * drawn stroke with the network trained in Node, and no error reaches the console. Needs `npm run build`.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { servePlayground } from '../../cli/commands/playground.js';
import { resolveConfig } from '../../train/compare.js';
import { tutorialTrainer } from '../../train/tutorial.js';
import { decodePng, inkFraction } from '../support/png.js';
import { describeBrowser, launch, openPage, urlOf } from '../support/browser.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const EPOCHS = 6;

/** Node's CPU backend on the playground's run: compare's tutorial trainer from the same seed and config. */
async function nodeLosses(surrogate: sg.surrogate.Surrogate): Promise<number[]> {
  await sg.setBackend('cpu');
  const config = resolveConfig({ epochs: EPOCHS, seed: 2024, nRec: 4, batch: 64, steps: 200, lr: 3e-3 });
  return sg.environ.context({ dt: 1 }, async () => {
    sg.random.seed(config.seed);
    const t = tutorialTrainer(surrogate, config);
    const out: number[] = [];
    for (let e = 0; e < EPOCHS; e++) { const l = t.step(); out.push(await l.item()); l.dispose(); }
    t.dispose();
    return out;
  });
}

/** Screenshot of the element `selector`, and the fraction of its pixels that are not white. */
async function ink(page: Page, selector: string): Promise<number> {
  return inkFraction(decodePng(await page.locator(selector).screenshot()));
}

interface PlaygroundState {
  backend: string; labels: string[]; losses: number[][]; snapshots: ({ epoch: number } | null)[]; accuracy: (number | null)[];
  finished: boolean; errors: string[]; fps: { framesPerSecond: number; redrawsPerSecond: number; drawMs: number };
  classified: { predicted: number; probabilities: number[] } | null;
}
const stateOf = (page: Page) => page.evaluate(() => (window as unknown as { __playground: PlaygroundState }).__playground);

describeBrowser('in headless Chromium', () => {
  let browser: Browser, site: Server, repo: Server;
  const want: Record<string, number[]> = {};

  beforeAll(async () => {
    if (!existsSync(`${root}dist/playground/index.html`)) throw new Error('run `npm run build` first: dist/playground/ is missing');
    want.Sigmoid = await nodeLosses(new sg.surrogate.Sigmoid());
    want.Arctan = await nodeLosses(new sg.surrogate.Arctan());
    site = await servePlayground(`${root}dist/playground`, { port: 0, host: '127.0.0.1' });
    repo = await servePlayground(root, { port: 0, host: '127.0.0.1' });
    browser = await launch();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    site?.close();
    repo?.close();
  });

  for (const backend of ['cpu', 'webgpu'] as const) {
    it(`the playground trains on ${backend}: Node's first losses, charts drawn, no console error`, async () => {
      const { page, errors } = await openPage(browser, urlOf(site, `/?auto&backend=${backend}&surrogates=Sigmoid,Arctan&epochs=${EPOCHS}&size=4&batch=64&every=3`));
      await page.waitForFunction(() => { const s = (window as unknown as { __playground: PlaygroundState }).__playground; return s.finished || s.errors.length > 0; }, null, { timeout: 120_000 });
      const s = await stateOf(page);
      expect(s.errors).toEqual([]);
      expect(s.backend).toBe(backend);
      expect(s.labels).toEqual(['Sigmoid', 'Arctan']);
      s.labels.forEach((label, i) => {
        expect(s.losses[i]!.length).toBe(EPOCHS);
        s.losses[i]!.forEach((l, e) => expect(Math.abs(l - want[label]![e]!), `${label} epoch ${e + 1}: ${l} vs Node ${want[label]![e]}`).toBeLessThan(1e-4));
        expect(s.snapshots[i]!.epoch).toBe(EPOCHS);
        expect(s.accuracy[i]).toBeGreaterThan(0);
      });
      await page.waitForFunction(() => document.querySelector('#membrane svg') !== null);
      for (const chart of ['#loss', '#derivative', '#raster', '#membrane']) expect(await ink(page, chart), chart).toBeGreaterThan(0.01);
      // The loss chart has one line per surrogate, the derivative chart the spike and both derivatives.
      expect(await page.locator('#loss polyline.curve').count()).toBe(2);
      expect(await page.locator('#derivative polyline.curve').count()).toBe(3);
      console.log(`playground on ${backend}: ${s.fps.framesPerSecond.toFixed(0)} frames/s while training, ${s.fps.redrawsPerSecond.toFixed(1)} chart updates/s, ${s.fps.drawMs.toFixed(1)} ms per update`);
      if (backend === 'cpu') {
        // The drawing pad: a stroke drawn with the mouse is classified by the digits network trained in Node.
        const box = (await page.locator('#pad').boundingBox())!;
        await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.52, box.y + box.height * 0.5, { steps: 8 });
        await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.85, { steps: 8 });
        await page.mouse.up();
        await page.waitForFunction(() => (window as unknown as { __playground: PlaygroundState }).__playground.classified !== null, null, { timeout: 60_000 });
        const c = (await stateOf(page)).classified!;
        expect(c.probabilities.length).toBe(10);
        expect(c.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        expect(c.predicted).toBe(c.probabilities.indexOf(Math.max(...c.probabilities)));
        expect(c.predicted, `probabilities ${c.probabilities.map((p) => p.toFixed(2)).join(' ')}`).toBe(1); // a vertical stroke
        expect(await ink(page, '#digitRaster')).toBeGreaterThan(0.01);
        // A 7: a bar and a stroke down from its right end.
        await page.click('#clear');
        await page.evaluate(() => { (window as unknown as { __playground: PlaygroundState }).__playground.classified = null; });
        const at = (x: number, y: number) => [box.x + box.width * x, box.y + box.height * y] as const;
        await page.mouse.move(...at(0.25, 0.2)); await page.mouse.down();
        await page.mouse.move(...at(0.75, 0.2), { steps: 10 }); await page.mouse.move(...at(0.55, 0.85), { steps: 10 }); await page.mouse.up();
        await page.waitForFunction(() => (window as unknown as { __playground: PlaygroundState }).__playground.classified !== null, null, { timeout: 60_000 });
        const seven = (await stateOf(page)).classified!;
        expect(seven.predicted, `probabilities ${seven.probabilities.map((p) => p.toFixed(2)).join(' ')}`).toBe(7);
      }
      expect(errors).toEqual([]);
      await page.close();
    }, 180_000);
  }

  /** The page's 5 losses by the Node library: the same network and data (examples/browser/index.html). */
  async function browserExampleLosses(): Promise<number[]> {
    await sg.setBackend('cpu');
    const { nn, init, surrogate, random, optim, metric, transform, units: u, ParamState } = sg;
    random.seed(1);
    const net = new nn.Sequential(
      new nn.Linear(100, 4, { wInit: new init.KaimingNormal({ unit: u.mA }) }), new nn.Expon(4, { tau: u.ms(5) }),
      new nn.LIF(4, { tau: u.ms(20), spkFun: new surrogate.Arctan() }), new nn.Linear(4, 2), new nn.Expon(2, { tau: u.ms(10) }));
    const x = random.rand([200, 64, 100]).lt(u.Hz(5).mul(u.ms(1))).astype('float32');
    const y = random.rand([64]).lt(0.5).astype('int32');
    const opt = new optim.Adam({ lr: 3e-3 });
    opt.registerTrainableWeights(net.states(ParamState));
    const step = transform.jit(() => {
      nn.initAllStates(net, { batchSize: 64 });
      const [grads, l] = transform.grad(() => metric.softmaxCrossEntropyWithIntegerLabels(net.run(x).mean(0), y).mean(), net.states(ParamState), { returnValue: true })();
      opt.update(grads);
      return l;
    });
    const out: number[] = [];
    for (let i = 0; i < 5; i++) out.push(await step().item());
    return out;
  }

  for (const backend of ['cpu', 'webgpu'] as const) {
    it(`the browser example trains on ${backend} to Node's losses`, async () => {
      const want5 = await browserExampleLosses();
      const { page, errors } = await openPage(browser, urlOf(repo, `/examples/browser/?backend=${backend}`));
      await page.waitForFunction(() => /^(OK|ERROR)/.test(document.title), null, { timeout: 120_000 });
      expect(await page.title()).toMatch(new RegExp(`^OK ${backend} `));
      const text = await page.locator('#out').textContent();
      const got = /losses: ([\d. ]+)/.exec(text ?? '')?.[1]?.trim().split(' ').map(Number);
      expect(got?.length, text ?? '').toBe(5);
      got!.forEach((l, i) => expect(Math.abs(l - want5[i]!), `epoch ${i + 1}`).toBeLessThanOrEqual(1e-4));
      expect(errors).toEqual([]);
      await page.close();
    }, 120_000);
  }
});
