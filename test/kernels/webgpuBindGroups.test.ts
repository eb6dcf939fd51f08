/**
 * Step mode on WebGPU must not grow: every dispatch binds a bind group, which Dawn frees only when V8 collects
 * its wrapper. The tutorial network in step mode (forLoop over time, ~60 dispatches per time step) is trained
 * as `spikegrad compare --mode step` trains it; after its first calls, a repeated step must create no bind
 * group at all (counted both by the backend's own counter and by a spy on the device), and the process's
 * resident memory must stay within a bound over many more steps.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as sg from '../../index.js';
import type { WebGpuBackend } from '../../kernels/webgpu/backend.js';
import { Sigmoid } from '../../surrogate/index.js';
import { resolveConfig, type Trainer } from '../../train/compare.js';
import { tutorialTrainer } from '../../train/tutorial.js';
import { describeWebGpu } from '../support/webgpu.js';

describeWebGpu('WebGPU bind groups in step mode', (gpu) => {
  const be = gpu as WebGpuBackend;
  const device = be.device as unknown as { createBindGroup(d: GPUBindGroupDescriptor): GPUBindGroup };
  const original = device.createBindGroup;
  let spied = 0;

  beforeAll(async () => {
    device.createBindGroup = function (d) {
      spied++;
      return original.call(this, d);
    };
    await sg.setBackend('webgpu');
  });
  afterAll(async () => {
    device.createBindGroup = original;
    await sg.setBackend('cpu');
  });

  /** The tutorial's trainer in step mode, small (T = 24, B = 16): ~1,400 dispatches per step. */
  function trainer(): Trainer {
    sg.random.seed(7);
    return sg.environ.context({ dt: 1 }, () => tutorialTrainer(new Sigmoid(), resolveConfig({ steps: 24, batch: 16, mode: 'step' })));
  }

  /** One epoch as `compare` runs it; returns the bind groups it created (spy; the counter must agree) and its dispatches. */
  async function epoch(t: Trainer): Promise<{ made: number; dispatches: number }> {
    const before = spied, counted = be.stats().bindGroups?.created, dispatched = be.counters.dispatches;
    const l = t.step();
    expect(Number.isFinite(await l.item())).toBe(true);
    l.dispose();
    const made = spied - before;
    if (counted !== undefined) expect(be.stats().bindGroups.created - counted).toBe(made);
    return { made, dispatches: be.counters.dispatches - dispatched };
  }

  it('a repeated step creates no bind group after its first calls', async () => {
    const t = trainer();
    try {
      const calls: { made: number; dispatches: number }[] = [];
      for (let i = 0; i < 8; i++) calls.push(await epoch(t));
      expect(calls[7]!.dispatches).toBeGreaterThan(1000); // a bind group per dispatch would be many
      // A step's final hidden states live on into the next step, so steps alternate between two sets of
      // buffers: the first two calls (transform.jit's two recordings) create bind groups; the first replays
      // compile the step's command list with bind groups of its own, at most one per dispatch for each of the
      // two sets of buffers (measured: 2,827 for 1,486 dispatches), a few stragglers follow while the pool's
      // free lists settle (6 on the fifth call), and from the seventh call on, none.
      expect(calls.slice(6).map((c) => c.made)).toEqual([0, 0]);
      expect(calls.slice(2, 6).reduce((s, c) => s + c.made, 0)).toBeLessThan(2.1 * calls[2]!.dispatches);
      expect(be.stats().bindGroups.evicted).toBe(0);
    } finally {
      t.dispose();
    }
  });

  it('keeps resident memory bounded over 40 more steps', async () => {
    const t = trainer();
    try {
      for (let i = 0; i < 8; i++) await epoch(t);
      const rss0 = process.memoryUsage().rss;
      let peak = rss0;
      let made = 0;
      for (let i = 0; i < 40; i++) {
        made += (await epoch(t)).made;
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      // Each of these steps used to leave ~1,300 bind groups (~7 KB each on lavapipe) to the garbage
      // collector, which did not always catch up (measured before: RSS up 271 MiB over these 40 steps); a
      // buffer or wrapper leaked per step would show here too. What remains is the collector's own sawtooth.
      expect((peak - rss0) / 2 ** 20).toBeLessThan(64);
      expect(made).toBe(0);
    } finally {
      t.dispose();
    }
  });
});
