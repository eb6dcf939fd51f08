/**
 * A/B of WebGPU's conv2d input-gradient kernels (kernels/conv/webgpu.ts convGpuTuning): 'taps' (the first
 * version, a test per channel and tap) against 'rows' (the output rows/columns that reach the element, the
 * channels innermost), alternating, on the digits conv2 shape and the 128-channel 3×3 layer at reduced batch.
 *   node scripts/run-ts.mjs bench/experiments/convInputGradAB.ts [rounds]
 */
import * as sg from '../../index.js';
import { runOp } from '../../engine/dispatch.js';
import { convGpuTuning } from '../../kernels/conv/webgpu.js';

const rounds = Number(process.argv[2] ?? 3);
await sg.setBackend('webgpu');
const shapes = [
  { label: 'digits conv2 [128,12,12,12]*[64,12,5,5]', x: [128, 12, 12, 12], w: [64, 12, 5, 5], pad: 0 },
  { label: '128ch 3×3 [8,128,16,16]*[128,128,3,3]', x: [8, 128, 16, 16], w: [128, 128, 3, 3], pad: 1 },
];
for (const s of shapes) {
  const oh = s.x[2]! + 2 * s.pad - s.w[2]! + 1;
  const dy = sg.random.uniform([s.x[0]!, s.w[0]!, oh, oh], -1, 1);
  const w = sg.random.uniform(s.w, -0.1, 0.1);
  const attrs = { stride: [1, 1], padding: [s.pad, s.pad], dilation: [1, 1], groups: 1, inputHW: [s.x[2]!, s.x[3]!] };
  const times: Record<string, number[]> = { taps: [], rows: [] };
  for (let r = 0; r <= rounds; r++) {
    for (const v of ['taps', 'rows'] as const) {
      convGpuTuning.inputGradient = v;
      const t0 = performance.now();
      const dx = runOp('conv2dGradInput', [dy, w], attrs as never)[0]!;
      await dx.data();
      dx.dispose();
      if (r > 0) times[v]!.push(performance.now() - t0); // round 0 compiles
    }
  }
  const fmt = (a: number[]) => `${Math.min(...a).toFixed(0)}–${Math.max(...a).toFixed(0)} ms`;
  const med = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
  console.log(`${s.label}: input gradient taps ${fmt(times.taps!)}, rows ${fmt(times.rows!)}, median ratio ${(med(times.taps!) / med(times.rows!)).toFixed(1)}×`);
  // The forward and weight-gradient kernels as they are now (their first versions are not kept: no A/B).
  const x = sg.random.uniform(s.x, 0, 1);
  const conv = { stride: [1, 1], padding: [s.pad, s.pad], dilation: [1, 1], groups: 1 };
  for (const [name, run] of [
    ['forward', () => runOp('conv2d', [x, w], conv as never)[0]!],
    ['weight gradient', () => runOp('conv2dGradWeight', [dy, x], { ...conv, kernel: [s.w[2]!, s.w[3]!] } as never)[0]!],
  ] as const) {
    const t: number[] = [];
    for (let r = 0; r <= rounds; r++) {
      const t0 = performance.now();
      const y = run();
      await y.data();
      y.dispose();
      if (r > 0) t.push(performance.now() - t0);
    }
    console.log(`${s.label}: ${name} ${fmt(t)}`);
  }
}
await sg.shutdown();
