/**
 * The packed tarball, installed offline into throwaway projects as users would install it, used from every
 * module system and bundler the README promises: Node ESM (`import`), Node CommonJS (`require`), TypeScript
 * with `nodenext` (ESM and CJS files) and `bundler` resolution, and browser bundles by esbuild, Vite and
 * webpack. Each one imports spikegrad, typechecks where it is TypeScript, and runs three Adam steps of a small
 * spiking network on the CPU backend (consumer/step.ts), whose loss must fall. Fails on a missing `require`
 * condition, declarations that do not resolve or typecheck under a resolution mode, a bundle that pulls
 * Node's modules or the native `webgpu` addon into browser code, or a dependency the library forgot to
 * declare (the project has only what the tarball's package.json installs).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installConsumer, packTarball } from './consumerProject.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const stepTs = fileURLToPath(new URL('./consumer/step.ts', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');

let work = '';
let project = '';
let installed: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'spikegrad-consumers-'));
  project = join(work, 'project');
  installed = installConsumer(root, packTarball(root, work), project);
}, 120_000);
afterAll(() => { if (work) rmSync(work, { recursive: true, force: true }); });

/** Runs a script with Node in `cwd`; returns the losses it printed. */
function runStep(file: string, cwd = project): number[] {
  const out = execFileSync(process.execPath, [file], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  return (JSON.parse(out.trim().split('\n').at(-1)!) as { losses: number[] }).losses;
}

function expectTrained(losses: number[]): void {
  expect(losses).toHaveLength(4);
  for (const l of losses) expect(Number.isFinite(l)).toBe(true);
  expect(Math.min(...losses.slice(1))).toBeLessThan(losses[0]!);
}

/** The consumer program with its types stripped, as an ES module or a CommonJS script. */
async function stepJs(format: 'esm' | 'cjs'): Promise<string> {
  const { transform } = await import('esbuild');
  return (await transform(readFileSync(stepTs, 'utf8'), { loader: 'ts', format, target: 'node20' })).code;
}

function typecheck(dir: string, compilerOptions: Record<string, unknown>, files: string[]): void {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], skipLibCheck: false, ...compilerOptions }, files,
  }));
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`tsc in ${dir} failed:\n${(e as { stdout?: string }).stdout ?? String(e)}`);
  }
}

describe('the packed tarball in a fresh project', () => {
  it('installs only the library and its two small CLI dependencies: no native binary, no chart stack', () => {
    expect(installed).toContain('spikegrad');
    for (const heavy of ['webgpu', 'vega', 'vega-lite', '@resvg/resvg-js']) expect(installed).not.toContain(heavy);
    expect(installed.length).toBeLessThan(12);
  });

  it("names the optional package to install: 'webgpu' for the GPU in Node, the chart stack for the CLI's charts", () => {
    writeFileSync(join(project, 'gpu.mjs'), "import { setBackend } from 'spikegrad';\n"
      + "try { await setBackend('webgpu'); console.log('no error'); } catch (e) { console.log(e.message); }\n");
    const gpu = execFileSync(process.execPath, ['gpu.mjs'], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(gpu).toMatch(/optional package 'webgpu'.*npm install webgpu@0\.6\.2/);

    let failure: { status: number | null; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, ['node_modules/spikegrad/dist/cli.js', 'compare', '--backend', 'cpu', '--epochs', '1', '--out', join(work, 'compare-out')],
        { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    } catch (e) {
      failure = e as { status: number | null; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure!.stderr).toMatch(/compare: the charts need the optional packages vega, vega-lite and @resvg\/resvg-js.*npm install vega@6\.2\.0 vega-lite@6\.4\.1 @resvg\/resvg-js@2/);
    expect(failure!.stderr, 'it fails before training').not.toMatch(/epoch/i);
  });

  it('Node ESM: import trains', async () => {
    writeFileSync(join(project, 'esm.mjs'), await stepJs('esm'));
    expectTrained(runStep('esm.mjs'));
  });

  it("Node CommonJS: require('spikegrad') trains", async () => {
    const code = await stepJs('cjs');
    expect(code).toMatch(/require\("spikegrad"\)/);
    writeFileSync(join(project, 'cjs.cjs'), code);
    expectTrained(runStep('cjs.cjs'));
  });

  it('TypeScript nodenext: an ES module and a CommonJS file typecheck, compile and train', () => {
    const dir = join(project, 'ts-nodenext');
    mkdirSync(dir, { recursive: true });
    cpSync(stepTs, join(dir, 'esm.mts'));
    cpSync(stepTs, join(dir, 'cjs.cts'));
    typecheck(dir, { module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out' }, ['esm.mts', 'cjs.cts']);
    expect(readFileSync(join(dir, 'out/cjs.cjs'), 'utf8')).toMatch(/require\("spikegrad"\)/);
    expectTrained(runStep(join(dir, 'out/esm.mjs')));
    expectTrained(runStep(join(dir, 'out/cjs.cjs')));
  });

  it('TypeScript bundler resolution typechecks', () => {
    const dir = join(project, 'ts-bundler');
    mkdirSync(dir, { recursive: true });
    cpSync(stepTs, join(dir, 'step.ts'));
    typecheck(dir, { module: 'esnext', moduleResolution: 'bundler', noEmit: true }, ['step.ts']);
  });

  /**
   * A browser bundle must import neither Node's modules nor Dawn's addon (spikegrad names them only through
   * run-time specifiers the bundlers are told to leave alone), and it runs (CPU backend) in Node.
   */
  function checkBrowserBundle(file: string): void {
    const code = readFileSync(file, 'utf8');
    // (A require('node:…') inside a string is the CPU thread pool's worker source, which runs only in Node.)
    expect(code).not.toMatch(/(from|import)\s*\(?\s*["'](node:|webgpu["'])/);
    expect(code).not.toMatch(/["']node:fs|dawn\.node/);
    expectTrained(runStep(file));
  }

  it('esbuild: a browser bundle trains', async () => {
    const { build } = await import('esbuild');
    cpSync(stepTs, join(project, 'esbuild-entry.ts'));
    const outfile = join(project, 'esbuild-out/bundle.mjs');
    await build({ entryPoints: [join(project, 'esbuild-entry.ts')], outfile, bundle: true, platform: 'browser', format: 'esm', target: 'es2022', logLevel: 'error' });
    checkBrowserBundle(outfile);
  });

  it('Vite: a browser bundle trains', async () => {
    const { build } = await import('vite');
    writeFileSync(join(project, 'vite-entry.mjs'), await stepJs('esm'));
    await build({
      configFile: false, root: project, logLevel: 'error',
      build: { outDir: 'vite-out', emptyOutDir: true, target: 'es2022', minify: false, lib: { entry: 'vite-entry.mjs', formats: ['es'], fileName: () => 'bundle.mjs' } },
    });
    checkBrowserBundle(join(project, 'vite-out/bundle.mjs'));
  });

  it('webpack: a browser bundle trains', async () => {
    const { default: webpack } = await import('webpack');
    writeFileSync(join(project, 'webpack-entry.mjs'), await stepJs('esm'));
    const stats = await new Promise<import('webpack').Stats>((resolve, reject) => {
      webpack({
        mode: 'production', target: 'web', context: project, entry: './webpack-entry.mjs',
        output: { path: join(project, 'webpack-out'), filename: 'bundle.mjs', module: true, chunkFormat: 'module' },
        experiments: { outputModule: true },
        optimization: { minimize: false, splitChunks: false },
        performance: { hints: false }, // bundle-size advice for the consumer's app, not about spikegrad
      }, (err, s) => (err || !s ? reject(err ?? new Error('webpack: no stats')) : resolve(s)));
    });
    expect(stats.toJson({ all: false, errors: true }).errors ?? []).toEqual([]);
    expect(stats.toJson({ all: false, warnings: true }).warnings ?? []).toEqual([]);
    checkBrowserBundle(join(project, 'webpack-out/bundle.mjs'));
  });
});
