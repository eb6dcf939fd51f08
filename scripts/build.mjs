// Builds dist/: the library as ES modules (index.js, units.js) and CommonJS (index.cjs, units.cjs), the CLI
// (cli.js), the browser bundle and the type declarations. Runs before `npm test` (the `pretest` script) and on
// the first `npx spikegrad` of a fresh clone (bin/spikegrad.js); the package has no install script. No source maps: the package ships no sources for them to point to.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
rmSync('dist', { recursive: true, force: true });

// internal.ts: `spikegrad/internal`, for backends and tests (the op table, raw dispatch, backend instances).
const entries = { index: 'index.ts', units: 'units/index.ts', internal: 'internal.ts' };
if (existsSync('cli/main.ts')) entries.cli = 'cli/main.ts';
// The benchmark's peers (TF.js, jax-js; devDependencies): one child process per peer, and a runner of their own.
// Built for the development checkout only: package.json's `files` leaves them out of the published package.
if (existsSync('bench/peers/child.ts')) Object.assign(entries, { 'peers-child': 'bench/peers/child.ts', peers: 'bench/peers/main.ts' });

const t0 = Date.now();
await build({
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  splitting: true, // the CLI and the library share one copy of the engine
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external', // dependencies stay in node_modules (webgpu's native addon cannot be bundled)
  loader: { '.wgsl': 'text' },
  sourcemap: false,
  logLevel: 'warning',
  chunkNames: 'chunks/[name]-[hash]',
});
if (entries.cli) chmodSync('dist/cli.js', 0o755);
if (entries.peers) chmodSync('dist/peers.js', 0o755);

// CommonJS for `require('spikegrad')` (the `require` condition of package.json's exports). A separate bundle
// rather than require(esm), which Node 20.16–20.18 lack. Its engine is a second copy: a program that both
// requires and imports spikegrad gets two backend registries (README, "CommonJS").
await build({
  entryPoints: { index: 'index.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  loader: { '.wgsl': 'text' },
  // import.meta.url has no CommonJS equivalent built in: this file's URL, computed when it loads.
  define: { 'import.meta.url': '__spikegradModuleUrl' },
  banner: { js: 'var __spikegradModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  sourcemap: false,
  logLevel: 'warning',
});
// `spikegrad/units` is the `units` namespace of the same copy (a second bundle would have its own Quantity
// class, whose values the library's instanceof checks would refuse).
writeFileSync('dist/units.cjs', "'use strict';\n// spikegrad/units for require(): the units namespace of index.cjs.\nmodule.exports = require('./index.cjs').units;\n");

// --- Browser builds (issue 16) ---------------------------------------------------------------------------
// One ES module per subpath export, for <script type="module"> or a bundler (package.json's `browser`
// condition), WebGPU through navigator.gpu. Built together with code splitting, so the entries share one copy
// of every module: an app importing both 'spikegrad' and 'spikegrad/units' gets one Quantity class, and
// environ.context accepts the units' quantities. Dawn's Node addon is never imported there
// (kernels/webgpu/device.ts loads it only when navigator.gpu is absent).
const browserEntries = { 'spikegrad.browser': 'index.ts', 'units.browser': 'units/index.ts' };
await build({
  entryPoints: browserEntries,
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  external: ['webgpu'],
  loader: { '.wgsl': 'text' },
  sourcemap: false,
  logLevel: 'warning',
  chunkNames: 'browser-chunks/[name]-[hash]',
});
// The playground (examples/playground/): its page script and its training worker, bundled with the library.
if (existsSync('examples/playground/src/main.ts')) {
  await build({
    entryPoints: { main: 'examples/playground/src/main.ts', worker: 'examples/playground/src/worker.ts' },
    outdir: 'dist/playground',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['webgpu'],
    loader: { '.wgsl': 'text' },
    minify: true,
    sourcemap: false,
    logLevel: 'warning',
  });
  // The page and the digits network trained in Node: dist/playground/ is the whole site, deployable as is.
  for (const f of ['index.html', 'digits.safetensors']) copyFileSync(`examples/playground/${f}`, `dist/playground/${f}`);
}

// Declarations for `types` in package.json; skipped (with a note) if typescript is absent (production install).
try {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
} catch (e) {
  if (!existsSync('node_modules/typescript')) console.warn('build: typescript not installed, no .d.ts emitted');
  else throw e;
}
console.log(`spikegrad: built dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
