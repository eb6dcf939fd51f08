#!/usr/bin/env node
// Runs a TypeScript entry point of this repository (benchmarks, examples) without a separate TS runtime:
// esbuild bundles it into out/ (dependencies stay external; .wgsl files load as text), then Node runs it.
//   node scripts/run-ts.mjs bench/experiments/dispatch.ts [args…]
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args…]');
  process.exit(2);
}
const outfile = `${root}out/run/${basename(entry).replace(/\.ts$/, '')}.mjs`;
await build({
  entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20',
  packages: 'external', loader: { '.wgsl': 'text' }, sourcemap: 'inline', logLevel: 'warning',
  // Examples import the package by name, as a user does: point it at this checkout's sources (tsconfig's paths).
  alias: { spikegrad: `${root}index.ts`, 'spikegrad/units': `${root}units/index.ts` },
});
const r = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...args], { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
