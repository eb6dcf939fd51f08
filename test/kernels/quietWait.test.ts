/**
 * kernels/webgpu/quietWait.ts: while the backend waits on a software adapter, Dawn's polling ticks (native
 * setImmediate callbacks) are spaced 1 ms apart instead of spinning a core; everything else is untouched.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { quietly } from '../../kernels/webgpu/quietWait.js';
import { describeWebGpu } from '../support/webgpu.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A polling loop shaped like Dawn's: a native (bound) no-argument callback re-queued with setImmediate. */
function pollingLoop(): { ticks: () => number; stop: () => void } {
  let ticks = 0, running = true;
  const tick = function (this: unknown) {
    ticks++;
    if (running) globalThis.setImmediate(tick);
  }.bind(null);
  globalThis.setImmediate(tick);
  return { ticks: () => ticks, stop: () => { running = false; } };
}

describe('quietly', () => {
  it('spaces native polling ticks while a wait lasts, and restores setImmediate', async () => {
    const original = globalThis.setImmediate;
    const spin = pollingLoop();
    await sleep(40);
    spin.stop();
    const quiet = pollingLoop();
    await quietly(() => sleep(40));
    quiet.stop();
    expect(globalThis.setImmediate).toBe(original);
    // Spinning runs thousands of ticks in 40 ms; throttled: those of the first 0.5 ms, then one per ms.
    expect(quiet.ticks()).toBeLessThan(spin.ticks() / 5);
    expect(quiet.ticks()).toBeLessThan(1000);
  });

  it('leaves JavaScript callbacks on setImmediate alone', async () => {
    let order: string[] = [];
    await quietly(async () => {
      await sleep(2); // past the initial spin
      const t0 = performance.now();
      await new Promise<void>((resolve) => globalThis.setImmediate(() => { order.push('immediate'); resolve(); }));
      order.push(performance.now() - t0 < 5 ? 'prompt' : 'late');
    });
    expect(order).toEqual(['immediate', 'prompt']);
    order = [];
  });

  it('restores setImmediate after a failed wait and after concurrent waits', async () => {
    const original = globalThis.setImmediate;
    await expect(quietly(() => Promise.reject(new Error('device lost')))).rejects.toThrow('device lost');
    expect(globalThis.setImmediate).toBe(original);
    const a = quietly(() => sleep(5)), b = quietly(() => sleep(10));
    await a;
    expect(globalThis.setImmediate).not.toBe(original); // b still waits
    await b;
    expect(globalThis.setImmediate).toBe(original);
  });
});

describeWebGpu('waiting on the device', (gpu) => {
  it('throttles polling on a software adapter only, and does not spin through a long product there', async () => {
    const software = (gpu as sg.Backend & { adapter?: { software?: boolean } }).adapter?.software === true;
    const a = sg.keep(sg.random.uniform([512, 512], -1, 1, { backend: gpu }));
    const b = sg.keep(sg.random.uniform([512, 512], -1, 1, { backend: gpu }));
    await gpu.sync();
    const real = globalThis.setImmediate;
    let nativeTicks = 0;
    const spy = ((fn: (...x: unknown[]) => void, ...args: unknown[]) => {
      if (fn.length === 0 && /\[native code\]/.test(Function.prototype.toString.call(fn))) nativeTicks++;
      return real(fn, ...args);
    }) as typeof setImmediate;
    globalThis.setImmediate = spy;
    try {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) sg.withBackend(gpu, () => sg.matmul(a, b).dispose());
      const waiting = gpu.sync();
      expect(globalThis.setImmediate !== spy).toBe(software); // replaced for the wait on a software adapter only
      await waiting;
      expect(globalThis.setImmediate).toBe(spy);
      // Spinning ticks every few µs (thousands per 10 ms); quietly, the ticks past the first 0.5 ms are timers.
      if (software) expect(nativeTicks).toBeLessThan(200 + (performance.now() - t0));
    } finally {
      globalThis.setImmediate = real;
      sg.dispose([a, b]);
    }
  });
});
