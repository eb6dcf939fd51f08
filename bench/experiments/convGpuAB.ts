/**
 * A/B of WebGPU's conv2d forward kernels (kernels/conv/webgpu.ts convGpuTuning.forward): 'direct' (one output
 * per invocation, the first version) against 'tiled' (a 4×4 register tile of 4 channels × 4 columns per
 * invocation), alternating, on the digits CSNN's conv1 and conv2 and the 128-channel 3×3 layer at reduced
 * batches (lavapipe is slow), after a compile round.
 *   node scripts/run-ts.mjs bench/experiments/convGpuAB.ts [rounds=3]
 */
import * as sg from '../../index.js';
import { runOp } from '../../engine/dispatch.js';
import { convGpuTuning } from '../../kernels/conv/webgpu.js';

const rounds = Number(process.argv[2] ?? 3);
await sg.setBackend('webgpu');
const shapes = [
  { label: 'digits conv1 [128,1,28,28]*[12,1,5,5]', x: [128, 1, 28, 28], w: [12, 1, 5, 5], pad: 0 },
  { label: 'digits conv2 [128,12,12,12]*[64,12,5,5]', x: [128, 12, 12, 12], w: [64, 12, 5, 5], pad: 0 },
  { label: '128ch 3×3 [8,128,16,16]*[128,128,3,3]', x: [8, 128, 16, 16], w: [128, 128, 3, 3], pad: 1 },
];
const fmt = (a: number[]) => `${Math.min(...a).toFixed(0)}–${Math.max(...a).toFixed(0)} ms`;
const med = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
for (const s of shapes) {
  const x = sg.random.uniform(s.x, 0, 1);
  const w = sg.random.uniform(s.w, -0.1, 0.1);
  const oh = s.x[2]! + 2 * s.pad - s.w[2]! + 1;
  const flops = 2 * s.x[0]! * s.w[0]! * oh * oh * s.w[1]! * s.w[2]! * s.w[3]!;
  const conv = { stride: [1, 1], padding: [s.pad, s.pad], dilation: [1, 1], groups: 1 };
  const times: Record<string, number[]> = { direct: [], tiled: [] };
  for (let r = 0; r <= rounds; r++) {
    for (const v of (r % 2 ? ['tiled', 'direct'] : ['direct', 'tiled']) as ('direct' | 'tiled')[]) {
      convGpuTuning.forward = v;
      const t0 = performance.now();
      const y = runOp('conv2d', [x, w], conv as never)[0]!;
      await y.data();
      y.dispose();
      if (r > 0) times[v]!.push(performance.now() - t0); // round 0 compiles
    }
  }
  const g = (a: number[]) => (flops / med(a) / 1e6).toFixed(2);
  console.log(`| ${s.label} | ${fmt(times.direct!)} (${g(times.direct!)}) | ${fmt(times.tiled!)} (${g(times.tiled!)}) | ${(med(times.direct!) / med(times.tiled!)).toFixed(1)}× |`);
}
convGpuTuning.forward = 'tiled';
await sg.shutdown();
