/**
 * The `conv` microbenchmark: conv2d forward and its two backward ops (input gradient, weight gradient), each
 * timed alone in GFLOP/s (2 per multiply-add of the direct convolution, padding taps included), on
 * - the digits CSNN's layers (train/csnn.ts, snnTorch tutorial 7) at T·B = 4·128 = 512 images: conv1
 *   1→12 5×5 on 28×28 (analog input: --encoder direct) and conv2 12→64 5×5 on 12×12 whose input is the first
 *   LIF layer's spikes (10 % ones here);
 * - a 128-channel 3×3 layer (128→128, padding 1, 16×16, 32 images), the shape of a VGG-style CSNN block.
 * On the CPU the spike input of conv2 is timed both ways, event-driven and dense (convTuning forces the
 * path), at 5 %, 10 % and 30 % ones: where the two cross is what CONV_EVENT_DENSITY is set from.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import * as sg from '../index.js';
import { runOp } from '../engine/dispatch.js';
import { packageRoot } from './peers/run.js';
import type { Conv2dAttrs } from '../engine/opsConv.js';
import { convTuning } from '../kernels/conv/cpu.js';
import type { BenchCase } from './harness.js';

interface ConvShape {
  label: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  padding: number;
  /** Fraction of ones in a 0/1 input (spikes); absent: uniform analog input. */
  spikes?: number;
}

export const CONV_SHAPES: readonly ConvShape[] = [
  { label: 'digits conv1 [512,1,28,28]*[12,1,5,5]', x: [512, 1, 28, 28], w: [12, 1, 5, 5], padding: 0 },
  { label: 'digits conv2 [512,12,12,12]*[64,12,5,5], 10% spikes', x: [512, 12, 12, 12], w: [64, 12, 5, 5], padding: 0, spikes: 0.1 },
  { label: '128ch 3×3 [32,128,16,16]*[128,128,3,3]', x: [32, 128, 16, 16], w: [128, 128, 3, 3], padding: 1 },
];

interface Operands {
  x: sg.Tensor;
  w: sg.Tensor;
  dy: sg.Tensor;
}

const attrsOf = (s: ConvShape): Conv2dAttrs => ({ stride: [1, 1], padding: [s.padding, s.padding], dilation: [1, 1], groups: 1 });

function outHW(s: ConvShape): [number, number] {
  return [s.x[2] + 2 * s.padding - s.w[2] + 1, s.x[3] + 2 * s.padding - s.w[3] + 1];
}

function flopsOf(s: ConvShape): number {
  const [oh, ow] = outHW(s);
  return 2 * s.x[0] * s.w[0] * oh * ow * s.w[1] * s.w[2] * s.w[3];
}

function setup(s: ConvShape, density = s.spikes): Operands {
  const [oh, ow] = outHW(s);
  return {
    x: sg.keep(density !== undefined ? sg.random.poissonSpikes(density, s.x) : sg.random.uniform(s.x, 0, 1)),
    w: sg.keep(sg.random.uniform(s.w, -0.1, 0.1)),
    dy: sg.keep(sg.random.uniform([s.x[0], s.w[0], oh, ow], -1, 1)),
  };
}

function cases(s: ConvShape, backend: sg.Backend): BenchCase<Operands>[] {
  const a = attrsOf(s);
  const base = { backend, flops: flopsOf(s), setup: () => setup(s), teardown: (o: Operands) => sg.dispose(Object.values(o)) };
  return [
    { ...base, name: `conv2d ${s.label}`, info: { kernel: 'conv2d forward', shape: s.label }, run: (o) => sg.conv2d(o.x, o.w, null, a) },
    {
      ...base, name: `conv2dGradInput ${s.label}`, info: { kernel: 'conv2d input gradient', shape: s.label },
      run: (o) => runOp('conv2dGradInput', [o.dy, o.w], { ...a, inputHW: [s.x[2], s.x[3]] })[0]!,
    },
    {
      ...base, name: `conv2dGradWeight ${s.label}`, info: { kernel: 'conv2d weight gradient', shape: s.label },
      run: (o) => runOp('conv2dGradWeight', [o.dy, o.x], { ...a, kernel: [s.w[2], s.w[3]] })[0]!,
    },
  ];
}

/** conv2's forward on spike inputs of several densities, the CPU's event-driven path against its dense path. */
function densityCases(backend: sg.Backend): BenchCase<Operands>[] {
  const s = CONV_SHAPES[1]!;
  const out: BenchCase<Operands>[] = [];
  for (const density of [0.05, 0.1, 0.3]) {
    for (const path of ['event', 'dense'] as const) {
      out.push({
        backend, flops: flopsOf(s), name: `conv2d ${path} ${density}`,
        info: { kernel: `conv2d forward, ${path} path`, shape: `digits conv2, ${Math.round(density * 100)}% spikes` },
        setup: () => setup(s, density),
        teardown: (o) => sg.dispose(Object.values(o)),
        run: (o) => {
          const keep = convTuning.eventDensity;
          convTuning.eventDensity = path === 'event' ? 1.01 : 0;
          try {
            return sg.conv2d(o.x, o.w, null, attrsOf(s));
          } finally {
            convTuning.eventDensity = keep;
          }
        },
      });
    }
  }
  return out;
}

export function convCases(backend: sg.Backend): BenchCase<never>[] {
  const all = [...CONV_SHAPES.flatMap((s) => cases(s, backend)), ...(backend.name === 'cpu' ? densityCases(backend) : [])];
  return all as unknown as BenchCase<never>[];
}

/** One row of PyTorch's CPU convolution beside the conv workload: a kernel on a shape, median ms and GFLOP/s. */
export interface TorchConvRow {
  kernel: string;
  shape: string;
  ms: number;
  gflops: number;
}

/**
 * PyTorch's CPU convolution on CONV_SHAPES (bench/experiments/torchConv.py, torch on `threads` threads), when
 * the Python peers' environment exists: the rows, or a line saying why there are none. Run after spikegrad's
 * own rows, so that nothing runs beside it.
 */
export function torchConvRows(python: string | null, threads = 2): Promise<{ torch: string; rows: TorchConvRow[] } | { error: string }> {
  if (!python) return Promise.resolve({ error: 'no Python peers environment (bench/peers/python/setup.sh): no PyTorch rows' });
  const shapes = JSON.stringify(CONV_SHAPES.map((s) => ({ label: s.label, x: s.x, w: s.w, padding: s.padding, ...(s.spikes !== undefined ? { spikes: s.spikes } : {}) })));
  const script = join(packageRoot(), 'bench', 'experiments', 'torchConv.py');
  return new Promise((resolve) => {
    execFile(python, [script, shapes, String(threads)], { env: { ...process.env, OMP_NUM_THREADS: String(threads) }, timeout: 600_000, maxBuffer: 1 << 22 }, (err, stdout, stderr) => {
      if (err) return resolve({ error: `PyTorch's convolution failed: ${(stderr || err.message).trim().split('\n').at(-1)}` });
      const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const head = lines[0] as { torch?: string; threads?: number };
      resolve({ torch: `torch ${head.torch}, ${head.threads} threads`, rows: lines.slice(1) as unknown as TorchConvRow[] });
    });
  });
}
