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
  let trainer: Trainer;

  beforeAll(async () => {
    device.createBindGroup = function (d) {
      spied++;
      return original.call(this, d);
    };
    await sg.setBackend('webgpu');
    sg.random.seed(7);
    trainer = sg.environ.context({ dt: 1 }, () => tutorialTrainer(new Sigmoid(), resolveConfig({ steps: 24, batch: 16, mode: 'step' })));
  });
  afterAll(async () => {
    device.createBindGroup = original;
    trainer?.dispose();
    await sg.setBackend('cpu');
  });

  /** One epoch as `compare` runs it; returns the bind groups it created (spy) and checks the counter agrees. */
  async function epoch(): Promise<number> {
    const before = spied, counted = be.stats().bindGroups?.created;
    const l = trainer.step();
    expect(Number.isFinite(await l.item())).toBe(true);
    l.dispose();
    const made = spied - before;
    if (counted !== undefined) expect(be.stats().bindGroups.created - counted).toBe(made);
    return made;
  }

  it('a repeated step creates no bind group after its first calls', async () => {
    const perCall: number[] = [];
    for (let i = 0; i < 6; i++) perCall.push(await epoch());
    expect(perCall[0]).toBeGreaterThan(500); // ~one per dispatch: the step does make many
    // A step's final hidden states live on into the next step, so steps alternate between two sets of
    // buffers: the first two calls create bind groups, a few stragglers follow while the pool's free lists
    // settle (measured: 8 and 2 of ~1,400), and from the fifth call on, none.
    expect(perCall.slice(4)).toEqual([0, 0]);
    expect(perCall[2]! + perCall[3]!).toBeLessThan(perCall[0]! / 20);
    expect(be.stats().bindGroups.evicted).toBe(0);
  });

  it('keeps resident memory bounded over 40 more steps', async () => {
    await epoch();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    let made = 0;
    for (let i = 0; i < 40; i++) {
      made += await epoch();
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    // Before bind groups were reused, each of these steps left ~1,300 of them (~7 KB each on lavapipe) to the
    // garbage collector: hundreds of MB over 40 steps. What remains is the collector's own sawtooth.
    expect((peak - rss0) / 2 ** 20).toBeLessThan(64);
    expect(made).toBe(0);
  });
});
