/**
 * The browser bundle and saved weights: it imports nothing from `node:` (the file helpers reach node:fs only
 * at run time, and only in Node), and, run where `node:` modules cannot be imported, it loads a file written
 * by the Node library from its bytes or a Blob, and refuses a path with a message saying what to pass.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import * as sg from '../../index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function runChild(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += String(d); });
    p.stderr.on('data', (d: Buffer) => { stderr += String(d); });
    const killer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('exit', (code) => { clearTimeout(killer); resolve({ code, stdout, stderr }); });
  });
}

it('the browser bundle imports no node: module and loads weights saved by Node from bytes or a Blob', async () => {
  const dir = join(root, 'out/test/io');
  mkdirSync(dir, { recursive: true });
  const bundle = join(dir, 'spikegrad.browser.js');
  await build({
    entryPoints: [join(root, 'index.ts')], outfile: bundle, bundle: true, platform: 'browser', format: 'esm', target: 'es2022',
    external: ['webgpu'], loader: { '.wgsl': 'text' }, logLevel: 'warning',
  });
  const code = readFileSync(bundle, 'utf8');
  expect(code).not.toMatch(/(from|import)\s*\(?\s*["']node:/);
  expect(code).not.toMatch(/["']node:fs/);

  sg.random.seed(17);
  const net = new sg.nn.Sequential(new sg.nn.Linear(6, 4), new sg.nn.Expon(4), new sg.nn.LIF(4), new sg.nn.Linear(4, 2));
  const path = join(dir, 'for-browser.safetensors');
  await sg.io.save(net, path, { metadata: { note: 'from node' } });
  const want: Record<string, number[]> = {};
  for (const [p, s] of Object.entries(net.states(sg.ParamState))) want[p] = Array.from(await s.value.data());

  const { code: exit, stdout, stderr } = await runChild([join(root, 'test/support/fixtures/browserLoadChild.mjs'), bundle, path]);
  expect(exit, `child stderr: ${stderr}`).toBe(0);
  const got = JSON.parse(stdout.trim().split('\n').at(-1)!) as { loaded: string[]; metadata: Record<string, string>; fromBytes: typeof want; fromBlob: typeof want; pathError: string };
  expect(got.loaded).toEqual(['0.weight', '0.bias', '3.weight', '3.bias']);
  expect(got.metadata).toMatchObject({ note: 'from node', 'spikegrad.format': 'weights' });
  expect(got.fromBytes).toEqual(want);
  expect(got.fromBlob).toEqual(want);
  expect(got.pathError).toMatch(/^io.load: a file path needs Node's file system, which this environment does not have; in a browser pass the file's bytes \(an ArrayBuffer, a Uint8Array, a Blob or a File\) instead$/);
}, 60_000);
