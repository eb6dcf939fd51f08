/**
 * Adam against optax itself, with tiny gradients (|g| from 1e-9 to 1e-6), on the CPU (float32) and WebGPU.
 * There the denominator √ν̂ + eps is dominated by eps, so the step is ≈ lr·g/eps rather than ≈ lr·sign(g):
 * eps inside the square root, eps added before the bias correction, a missing bias correction, or ν computed
 * as (g·(1 − b2))² would each move these parameters by a large factor, while ordinary gradients (also in the
 * fixture) barely notice. The fixture test/support/fixtures/adam_tiny_grads.json was written by optax
 * (make_adam_optax.py next to it, which says how to run it); nothing here comes from spikegrad.
 * spikegrad's float32 steps are compared with optax run in float64; optax's own float32 run is in the fixture
 * too, and spikegrad's float32 must be at least as close to float64 as it is (optax takes 1 − b2^k in float32;
 * WebGPU's kernel once took 1 − f32(b2) on the device: 1.3e-5 relative error in ν, caught here).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as internal from '../../internal.js';
import { optim } from '../../index.js';
import { gpuBackend } from '../support/webgpu.js';
import { REQUIRE_WEBGPU } from '../support/helpers.js';

/** `after`: optax in float64 from the same float32 start and gradients; `after32`: optax in float32. */
interface Case { name: string; lr: number; b1: number; b2: number; eps: number; params: number[]; grads: number[][]; after: number[][]; after32: number[][] }
const fixture = JSON.parse(readFileSync(new URL('../support/fixtures/adam_tiny_grads.json', import.meta.url), 'utf8')) as { cases: Case[]; optax: string };

async function run(be: sg.Backend, c: Case): Promise<Float32Array[]> {
  const p = new sg.ParamState(sg.tensor(Float32Array.from(c.params), [c.params.length], 'float32', be));
  const opt = new optim.Adam({ lr: c.lr, betas: [c.b1, c.b2], eps: c.eps }).registerTrainableWeights({ p });
  const out: Float32Array[] = [];
  for (const g of c.grads) {
    const gt = sg.tensor(Float32Array.from(g), [g.length], 'float32', be);
    opt.update({ p: gt });
    sg.dispose(gt);
    out.push(Float32Array.from(await p.value.data()));
  }
  return out;
}

const backends: [string, () => Promise<sg.Backend | null>][] = [
  ['CPU', () => internal.getBackendInstance('cpu')],
  ['WebGPU', async () => gpuBackend],
];

describe(`Adam against optax ${fixture.optax} with tiny gradients (float32)`, () => {
  for (const [beName, getBe] of backends) {
    for (const c of fixture.cases) {
      const test = beName === 'WebGPU' && !gpuBackend && !REQUIRE_WEBGPU ? it.skip : it;
      test(`${beName}: ${c.name}, ${c.grads.length} steps`, async () => {
        const be = await getBe();
        if (!be) throw new Error('SPIKEGRAD_REQUIRE_WEBGPU=1 but there is no WebGPU backend');
        const got = await run(be, c);
        let tinyMoved = 0, ours = 0, optax32 = 0;
        got.forEach((p, s) => {
          const want = c.after[s]!, before = s === 0 ? c.params : c.after[s - 1]!;
          for (let i = 0; i < p.length; i++) {
            // The step itself (optax's p_after − p_before) to 2e-6 of its size, plus two float32 roundings of
            // the parameter per step taken (the two trajectories round independently).
            const step = want[i]! - before[i]!;
            const tol = 2e-6 * Math.abs(step) + (s + 1) * 1.2e-7 * Math.abs(want[i]!) + 1e-12;
            if (!(Math.abs(p[i]! - want[i]!) <= tol)) {
              throw new Error(`${beName} ${c.name}: step ${s + 1}, parameter ${i} (g = ${c.grads[s]![i]}) is ${p[i]}, optax gives ${want[i]} (step ${step})`);
            }
            if (c.params[i] === 0 && step !== 0) { // parameters that start at 0 resolve their steps fully in float32
              ours = Math.max(ours, Math.abs(p[i]! - want[i]!) / Math.abs(step));
              optax32 = Math.max(optax32, Math.abs(c.after32[s]![i]! - want[i]!) / Math.abs(step));
            }
            if (Math.abs(c.grads[s]![i]!) < 1e-6 && c.grads[s]![i] !== 0 && Math.abs(step) > c.lr * 1e-3) tinyMoved++;
          }
        });
        // The fixture does exercise the regime: tiny gradients move their parameters by a visible fraction of lr.
        expect(tinyMoved).toBeGreaterThan(100);
        expect(ours, 'largest error relative to the step, spikegrad float32 vs optax float32').toBeLessThanOrEqual(optax32);
      });
    }
  }
});
