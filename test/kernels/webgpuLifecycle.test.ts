/**
 * Device loss, shutdown and process exit. Its own file (so its own process): it destroys devices.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import * as sg from '../../index.js';
import type { WebGpuBackend } from '../../kernels/webgpu/index.js';
import { describeWebGpu } from '../support/webgpu.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `node script args`, collecting its output; killed after 20 s (a hang fails the test, not the run). */
async function runChild(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; exitedAt: number }> {
  const child = spawn(process.execPath, [script, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (c) => { clearTimeout(killer); resolve(c); });
  });
  return { code, stdout, stderr, exitedAt: Date.now() };
}

describeWebGpu('WebGPU device loss and shutdown', (first) => {
  it('turns a lost device into clear errors, and a new backend works after shutdown()', async () => {
    const gpu = first as WebGpuBackend;
    const x = sg.tensor([1, 2, 3], [3], 'float32', gpu);
    expect([...await sg.mul(x, 2).data()]).toEqual([2, 4, 6]);
    gpu.device.destroy(); // what a driver reset or a removed GPU looks like to WebGPU
    await gpu.device.lost;
    expect(() => sg.neg(x)).toThrow(/neg: the WebGPU device was lost \(destroyed.*\); its tensors are gone\. Call shutdown\(\) and setBackend\('webgpu'\)/);
    await expect(x.data()).rejects.toThrow(/read: the WebGPU device was lost/);
    await sg.shutdown();
    await expect(x.data()).rejects.toThrow(/the WebGPU backend was shut down/);

    const fresh = await sg.setBackend('webgpu');
    expect(fresh).not.toBe(gpu);
    expect(await sg.sum(sg.tensor([1, 2, 3, 4], [4])).item()).toBe(10);
    await sg.shutdown();
  });

  it('runs the browser bundle through navigator.gpu (Dawn standing in for a browser)', async () => {
    const bundle = `${root}out/test/spikegrad.browser.js`;
    await build({
      entryPoints: [`${root}index.ts`], outfile: bundle, bundle: true, platform: 'browser', format: 'esm', target: 'es2022',
      external: ['webgpu'], loader: { '.wgsl': 'text' }, logLevel: 'warning',
    });
    const { code, stdout, stderr } = await runChild(`${root}test/support/fixtures/navigatorChild.mjs`, [bundle]);
    expect(code, `child stderr: ${stderr}`).toBe(0);
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { y: number; adapterRequests: number; description: string };
    expect(report.y).toBe(54);
    expect(report.adapterRequests).toBeGreaterThan(0); // the adapter came from navigator.gpu
    expect(report.description).toMatch(/^WebGPU: /);
  });

  it('lets a Node process that used WebGPU and called shutdown() exit on its own within a second', async () => {
    const outfile = `${root}out/test/exitChild.mjs`;
    mkdirSync(`${root}out/test`, { recursive: true });
    await build({
      entryPoints: [`${root}test/support/fixtures/exitChild.ts`], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20',
      packages: 'external', loader: { '.wgsl': 'text' }, logLevel: 'warning',
    });
    const { code, stdout, stderr, exitedAt } = await runChild(outfile, []);
    expect(code, `child stderr: ${stderr}`).toBe(0);
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as { y: number; lastWorkAt: number };
    expect(report.y).toBe(54);
    expect(exitedAt - report.lastWorkAt).toBeLessThan(1000);
  });
});
