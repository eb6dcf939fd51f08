/**
 * docs/numerics.md decision 8: the same seed gives identical data (and, with nn, identical weights) on every backend.
 * Draws happen on the host and are uploaded, so the values must match bit for bit, including after the
 * tutorial's `rand(...).lt(rate·dt).astype(...)` pipeline runs on the device.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import * as u from '../../units/index.js';
import { gpuBackend } from '../support/webgpu.js';

/** The CPU and, where an adapter exists, the WebGPU backend (test/support/webgpu.ts decides skip or failure). */
async function availableBackends(): Promise<sg.Backend[]> {
  return [await internal.getBackendInstance('cpu'), ...(gpuBackend ? [gpuBackend] : [])];
}

/** The tutorial's draws, in its order, on `backend`, read back. */
async function tutorialDraws(seed: number, backend: sg.Backend): Promise<Record<string, number[]>> {
  sg.random.seed(seed);
  return sg.withBackend(backend, async () => {
    const dt = u.ms(1);
    const x = sg.random.rand([20, 8, 30]).lt(u.Hz(50).mul(dt)).astype('float32');
    const y = sg.random.rand([8]).lt(0.5).astype('int32');
    const n = sg.random.randn([5, 3]);
    const p = sg.random.poissonSpikes(0.1, [4, 4]);
    const b = sg.random.bernoulli(0.3, [10]);
    const i = sg.random.randint(0, 7, [10]);
    const all = { x, y, n, p, b, i };
    const res: Record<string, number[]> = {};
    for (const [k, t] of Object.entries(all)) res[k] = Array.from(await t.data());
    sg.dispose(all);
    return res;
  });
}

describe('the same seed gives the same data on every backend', async () => {
  const backends = await availableBackends();
  afterAll(async () => {
    for (const b of backends) await b.sync();
  });
  for (const be of backends) {
    it(`${be.name}: identical to the CPU stream, and reproducible`, async () => {
      const ref = await tutorialDraws(2024, backends[0]!);
      const mine = await tutorialDraws(2024, be);
      expect(mine).toEqual(ref);
      expect(await tutorialDraws(2024, be)).toEqual(mine);
      expect((await tutorialDraws(2025, be)).x).not.toEqual(mine.x);
      expect(mine.x!.some((v) => v === 1)).toBe(true);
    });
  }
});
