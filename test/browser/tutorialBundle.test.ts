/**
 * The README's tutorial, as a user bundles it for the browser: `import … from 'spikegrad'` and
 * `import * as u from 'spikegrad/units'` resolved through package.json's `browser` conditions, bundled by
 * esbuild. The bundle must hold one copy of the units module (two copies made environ.context reject the other
 * copy's quantity: "expected a number (in ms) or a quantity, got _Quantity2"), and run to the same losses as the
 * same program run by Node on the Node build. Needs `npm run build` (dist/) first, as a user's install has.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';
import { expect, it } from 'vitest';
import { servePlayground } from '../../cli/commands/playground.js';
import { describeBrowser, launch, urlOf } from '../support/browser.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The README's first TypeScript block under "The tutorial, in spikegrad", trained for `epochs` epochs. */
export function readmeTutorial(epochs: number): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The tutorial, in spikegrad'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code || !code.includes("from 'spikegrad/units'")) throw new Error('README: the tutorial block was not found');
  if (!code.includes('nEpoch = 150')) throw new Error("README: the tutorial's `nEpoch = 150` was not found");
  return code.replace('nEpoch = 150', `nEpoch = ${epochs}`);
}

function runNode(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += String(d); });
    p.stderr.on('data', (d: Buffer) => { stderr += String(d); });
    const killer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('exit', (code) => { clearTimeout(killer); resolve({ code, stdout, stderr }); });
  });
}

/** A user's project in `dir` (spikegrad installed under node_modules: a link to this package) holding the README's tutorial. */
function makeProject(dir: string): string {
  if (!existsSync(join(root, 'dist/units.browser.js'))) throw new Error('run `npm run build` first: dist/units.browser.js is missing');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(root, join(dir, 'node_modules/spikegrad'), 'dir');
  const source = readmeTutorial(3);
  writeFileSync(join(dir, 'tutorial.ts'), source);
  // The project's own tsconfig, so this repository's (whose `paths` map 'spikegrad' to the sources) is not used.
  writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "target": "ES2022" } }\n');
  return source;
}

/** The last loss printed per surrogate by the same program on the Node build (types stripped, `import` condition). */
async function nodeRun(dir: string, source: string): Promise<string[]> {
  writeFileSync(join(dir, 'tutorial.node.mjs'), (await transform(source, { loader: 'ts', format: 'esm' })).code);
  const node = await runNode(join(dir, 'tutorial.node.mjs'));
  expect(node.code, node.stderr).toBe(0);
  return node.stdout.trim().split('\n').filter((l) => !l.startsWith('spikegrad:'));
}

function expectSameLosses(got: string[], want: string[], tol: number): void {
  expect(want.map((l) => /^[A-Za-z]+/.exec(l)?.[0])).toEqual(['ReluGrad', 'Sigmoid', 'Arctan']);
  expect(got.length, got.join('\n')).toBe(3);
  got.forEach((line, i) => {
    const [g, w] = [Number(line.split(' ').at(-1)), Number(want[i]?.split(' ').at(-1))];
    expect(Number.isFinite(w) && w > 0 && w < 0.7, want[i]).toBe(true);
    expect(Math.abs(g - w), `${line} vs ${want[i]}`).toBeLessThan(tol);
  });
}

it("bundles the README's tutorial for the browser with one copy of each module, and runs it to Node's losses", async () => {
  const dir = join(root, 'out/test/browser/tutorial');
  const source = makeProject(dir);

  const result = await build({
    entryPoints: [join(dir, 'tutorial.ts')], outfile: join(dir, 'bundle.browser.mjs'), bundle: true, platform: 'browser',
    format: 'esm', target: 'es2022', external: ['webgpu'], metafile: true, logLevel: 'error',
  });
  const bundle = readFileSync(join(dir, 'bundle.browser.mjs'), 'utf8');
  // One Quantity class: a second copy is renamed by esbuild (a second class) and fails environ.context's check.
  expect(bundle.match(/\bclass _?Quantity\d*\b/g)).toHaveLength(1);
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.filter((p) => /dist\/(index|units)\.js$|dist\/chunks\//.test(p)), 'Node build pulled in').toEqual([]);
  expect(inputs.some((p) => p.endsWith('dist/units.browser.js'))).toBe(true);

  const browser = await runNode(join(dir, 'bundle.browser.mjs'));
  expect(browser.code, browser.stderr).toBe(0);
  expectSameLosses(browser.stdout.trim().split('\n').filter((l) => !l.startsWith('spikegrad:')), await nodeRun(dir, source), 1e-6);
}, 240_000);

describeBrowser('the README tutorial in headless Chromium', () => {
  it("the browser bundle runs in a page to Node's losses (1e-4), with no console error", async () => {
    const dir = join(root, 'out/test/browser/tutorial-page');
    const source = makeProject(dir);
    await build({ entryPoints: [join(dir, 'tutorial.ts')], outfile: join(dir, 'bundle.browser.mjs'), bundle: true, platform: 'browser', format: 'esm', target: 'es2022', external: ['webgpu'], logLevel: 'error' });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><script type="module" src="bundle.browser.mjs"></script></body></html>');
    const want = await nodeRun(dir, source);
    const server = await servePlayground(dir, { port: 0, host: '127.0.0.1' });
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const lines: string[] = [], errors: string[] = [];
      // The library's one-line notes (e.g. what 'auto' chose) go to console.error, as to stderr in Node: not errors.
      page.on('console', (m) => { if (m.text().startsWith('spikegrad:')) return; if (m.type() === 'error') errors.push(m.text()); else lines.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(urlOf(server, '/'));
      const t0 = Date.now();
      while (lines.length < 3 && errors.length === 0 && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 200));
      expect(errors).toEqual([]);
      expectSameLosses(lines, want, 1e-4);
    } finally {
      await browser.close();
      server.close();
    }
  }, 240_000);
});
