// `npm run example [-- args]`: bundles examples/surrogate-gradients.ts against this checkout's sources (the
// `spikegrad` imports point at index.ts, as tsconfig's paths do) and runs it with Node.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const name = process.env.SPIKEGRAD_EXAMPLE ?? 'surrogate-gradients';
const out = `${root}dist/examples/${name}.mjs`;
await build({
  entryPoints: [`${root}examples/${name}.ts`],
  outfile: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  alias: { spikegrad: `${root}index.ts`, 'spikegrad/units': `${root}units/index.ts` },
  loader: { '.wgsl': 'text' },
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, [out, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
