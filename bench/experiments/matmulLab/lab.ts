/**
 * Matmul kernel lab: checks and times WGSL matmul variants on the local WebGPU adapter with raw Dawn.
 *
 *   LAB_THROTTLE=1 node scripts/run-ts.mjs bench/experiments/matmulLab/lab.ts 'sg:TM=16,TC=4' 'rb:W=64,TM=8,TN=4' \
 *     1024x1024x1024 [512x512x512 ...] [--secs=0.5] [--rounds=3]
 *
 * Each variant is checked against a float64 reference on sampled entries (every entry when small), then timed
 * with as many dispatches per submit as fill about --secs seconds, synchronised with onSubmittedWorkDone, in
 * interleaved rounds (best of --rounds). LAB_THROTTLE=1: wait without Dawn's spinning poll (device.ts).
 */
import { openLab, readBack, storage, timeDispatches, uniform, type Dispatch } from './device.js';
import { parseVariant, type Kernel, type Problem } from './variants.js';

function rand(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parseShape(s: string): Problem {
  const [M, K, N] = s.split('x').map(Number);
  return { M: M!, K: K!, N: N! };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
  const secs = opt('secs', 0.5), rounds = opt('rounds', 3);
  const specs = args.filter((a) => !a.startsWith('--') && !/^\d+x\d+x\d+$/.test(a));
  const shapes = args.filter((a) => /^\d+x\d+x\d+$/.test(a)).map(parseShape);
  const lab = await openLab(['subgroups']);
  const { device } = lab;
  console.log(`adapter: ${lab.adapterName}; shapes as MxKxN; best of ${rounds} interleaved rounds of ~${secs} s`);
  try {
    for (const p of shapes) {
      const r = rand(1);
      const a = Float32Array.from({ length: p.M * p.K }, () => r() * 2 - 1);
      const b = Float32Array.from({ length: p.K * p.N }, () => r() * 2 - 1);
      const bufA = storage(device, a), bufB = storage(device, b), bufC = storage(device, p.M * p.N);
      const dims = uniform(device, [p.M, p.N, p.K, 1]);
      const runs: Prepared[] = [];
      for (const spec of specs) runs.push(await prepare(device, parseVariant(spec), p, a, b, [dims, bufA, bufB, bufC], secs));
      for (let round = 0; round < rounds; round++) {
        for (const run of runs) {
          const t = await timeDispatches(device, [run.dispatch], run.reps);
          if (t.wall < run.best.wall) run.best.wall = t.wall;
          if (t.cpu < run.best.cpu) run.best.cpu = t.cpu;
        }
      }
      for (const run of runs) report(p, run);
      for (const x of [bufA, bufB, bufC, dims]) x.destroy();
    }
  } finally {
    await lab.close();
  }
}

interface Prepared {
  kernel: Kernel;
  dispatch: Dispatch;
  reps: number;
  compileMs: number;
  err: number;
  best: { wall: number; cpu: number };
}

async function prepare(device: GPUDevice, kernel: Kernel, p: Problem, a: Float32Array, b: Float32Array, bufs: GPUBuffer[], secs: number): Promise<Prepared> {
  const module = device.createShaderModule({ code: kernel.wgsl });
  const info = await module.getCompilationInfo();
  if (info.messages.some((m) => m.type === 'error')) {
    console.log(kernel.wgsl);
    throw new Error(info.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n'));
  }
  const tc = performance.now();
  // An explicit layout: 'auto' would drop bindings a variant does not use.
  const bindGroupLayout = device.createBindGroupLayout({
    entries: bufs.map((_, binding) => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: { type: binding === 0 ? 'uniform' : binding === bufs.length - 1 ? 'storage' : 'read-only-storage' },
    })),
  });
  const layout = device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] });
  const pipeline = await device.createComputePipelineAsync({ layout, compute: { module, entryPoint: 'main' } });
  const bindGroup = device.createBindGroup({
    layout: bindGroupLayout,
    entries: bufs.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const dispatch: Dispatch = { pipeline, bindGroup, workgroups: kernel.grid(p) };
  const first = await timeDispatches(device, [dispatch], 1); // includes lavapipe's own compile
  const compileMs = performance.now() - tc;
  const c = await readBack(device, bufs[3]!, p.M * p.N);
  const err = check(a, b, c, p);
  const warm = await timeDispatches(device, [dispatch], 1);
  const reps = Math.max(1, Math.min(1000, Math.round(secs / Math.max(Math.min(first.wall, warm.wall), 1e-5))));
  return { kernel, dispatch, reps, compileMs, err, best: { wall: Infinity, cpu: Infinity } };
}

function report(p: Problem, run: Prepared): void {
  const gflop = (2 * p.M * p.N * p.K * run.reps) / 1e9;
  // GFLOP per CPU-second × cores: what the kernel would reach alone on the machine (others share it).
  const cores = 2;
  console.log(
    `${`${p.M}x${p.K}x${p.N}`.padEnd(16)} ${run.kernel.name.padEnd(30)} ${(gflop / run.best.wall).toFixed(2).padStart(6)} GFLOP/s wall ` +
      `${((gflop / run.best.cpu) * cores).toFixed(2).padStart(6)} per-cpu×${cores}  ${((run.best.wall / run.reps) * 1e3).toFixed(3).padStart(9)} ms ` +
      `reps=${run.reps} grid=${run.dispatch.workgroups.join('x')} compile=${run.compileMs.toFixed(0)}ms err=${run.err.toExponential(1)}`,
  );
}

/** Max |c − ref| / (Σ|a·b| + tiny) over sampled entries (all entries when the output is small). */
function check(a: Float32Array, b: Float32Array, c: Float32Array, { M, N, K }: Problem): number {
  const r = rand(7);
  const pts: [number, number][] = [];
  if (M * N <= 4096) for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) pts.push([i, j]);
  else {
    for (let s = 0; s < 512; s++) pts.push([Math.floor(r() * M), Math.floor(r() * N)]);
    pts.push([0, 0], [M - 1, N - 1], [0, N - 1], [M - 1, 0]);
  }
  let worst = 0;
  for (const [i, j] of pts) {
    let s = 0, sa = 0;
    for (let k = 0; k < K; k++) {
      const v = a[i * K + k]! * b[k * N + j]!;
      s += v;
      sa += Math.abs(v);
    }
    const e = Math.abs(c[i * N + j]! - s) / (sa + 1e-30);
    if (!(e <= worst)) worst = e;
  }
  if (!(worst < 1e-5)) console.log(`  !! WRONG: max relative error ${worst}`);
  return worst;
}

await main().catch((e) => { console.error("FAILED", e); });
