/**
 * The data namespace in the browser bundle: built as scripts/build.mjs builds dist/spikegrad.browser.js, the
 * bundle must contain the data code (the cache reader) and no import of a Node module, static or dynamic:
 * the file-system parts reach Node's modules only through non-literal specifiers at run time.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('the browser bundle holds the data namespace and imports no node: module', async () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const out = await build({
    entryPoints: [`${root}index.ts`], bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2022',
    external: ['webgpu'], loader: { '.wgsl': 'text' }, logLevel: 'silent',
  });
  const code = out.outputFiles[0]!.text;
  expect(code).toContain('SPKGIMG1');
  expect(code).toContain('spikegen.latency');
  expect(code).not.toMatch(/\bfrom\s*["']node:/);
  expect(code).not.toMatch(/\bimport\s*\(\s*["']node:/);
  expect(code).not.toMatch(/["']node:fs/); // as io's browser test: the file system is reached only at run time
  expect(code).not.toMatch(/\bimport\s*\(\s*["']h5wasm/);
  expect(code).not.toMatch(/\brequire\s*\(\s*["'](node:)?(fs|path|os)["']/);
}, 120_000);
