/**
 * A/B of WebGPU's conv2d kernels (kernels/conv/webgpu.ts convGpuTuning): the earlier ones (forward and weight
 * gradient 'direct', one output per invocation; input gradient 'rows') against 'tiled' (a 4×4 register tile
 * per invocation), alternating, on the digits CSNN's conv1 and conv2 and the 128-channel 3×3 layer at reduced
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
type Variant = Partial<typeof convGpuTuning>;
const kernels: { name: string; before: Variant; after: Variant }[] = [
  { name: 'forward', before: { forward: 'direct' }, after: { forward: 'tiled' } },
  { name: 'input gradient', before: { inputGradient: 'rows' }, after: { inputGradient: 'tiled' } },
  { name: 'weight gradient', before: { weightGradient: 'direct' }, after: { weightGradient: 'tiled' } },
];
const defaults = { ...convGpuTuning };
for (const s of shapes) {
  const x = sg.random.uniform(s.x, 0, 1);
  const w = sg.random.uniform(s.w, -0.1, 0.1);
  const oh = s.x[2]! + 2 * s.pad - s.w[2]! + 1;
  const dy = sg.random.uniform([s.x[0]!, s.w[0]!, oh, oh], -1, 1);
  const flops = 2 * s.x[0]! * s.w[0]! * oh * oh * s.w[1]! * s.w[2]! * s.w[3]!;
  const conv = { stride: [1, 1], padding: [s.pad, s.pad], dilation: [1, 1], groups: 1 };
  for (const k of kernels) {
    const run = () => k.name === 'forward' ? runOp('conv2d', [x, w], conv as never)[0]!
      : k.name === 'input gradient' ? runOp('conv2dGradInput', [dy, w], { ...conv, inputHW: [s.x[2]!, s.x[3]!] } as never)[0]!
        : runOp('conv2dGradWeight', [dy, x], { ...conv, kernel: [s.w[2]!, s.w[3]!] } as never)[0]!;
    const times: Record<string, number[]> = { before: [], after: [] };
    for (let r = 0; r <= rounds; r++) {
      for (const v of (r % 2 ? ['after', 'before'] : ['before', 'after']) as ('before' | 'after')[]) {
        Object.assign(convGpuTuning, defaults, k[v]);
        const t0 = performance.now();
        const y = run();
        await y.data();
        y.dispose();
        if (r > 0) times[v]!.push(performance.now() - t0); // round 0 compiles
      }
    }
    const g = (a: number[]) => (flops / med(a) / 1e6).toFixed(2);
    console.log(`| ${k.name} | ${s.label} | ${fmt(times.before!)} (${g(times.before!)}) | ${fmt(times.after!)} (${g(times.after!)}) | ${(med(times.before!) / med(times.after!)).toFixed(1)}× |`);
  }
  sg.dispose([x, w, dy]);
}
Object.assign(convGpuTuning, defaults);
await sg.shutdown();
