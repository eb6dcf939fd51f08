// Builds dist/: the library (index.js, units.js), the CLI (cli.js) and the type declarations.
// Runs on `npm install` (the `prepare` script), so a fresh clone works after one install.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
rmSync('dist', { recursive: true, force: true });

const entries = { index: 'index.ts', units: 'units/index.ts' };
if (existsSync('cli/main.ts')) entries.cli = 'cli/main.ts';
// The benchmark's peers (TF.js, jax-js; devDependencies): one child process per peer, and a runner of their own.
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
  sourcemap: true,
  logLevel: 'warning',
  chunkNames: 'chunks/[name]-[hash]',
});
if (entries.cli) chmodSync('dist/cli.js', 0o755);
if (entries.peers) chmodSync('dist/peers.js', 0o755);

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
  sourcemap: true,
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
    sourcemap: true,
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
