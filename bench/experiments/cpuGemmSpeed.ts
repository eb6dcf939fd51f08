// Dense products on the CPU backend: JavaScript kernels (WebAssembly off) against the WebAssembly kernel on 1 and
// 2 threads, wall and CPU time (bench/RESULTS.md, "The CPU backend on every core").
//   node scripts/run-ts.mjs bench/experiments/cpuGemmSpeed.ts [name filter: digits, wide, dense]
import * as sg from '../../index.js';
import { threadPool, shutdownPool } from '../../kernels/cpu/threadPool.js';
import { wasmKernels } from '../../kernels/flags.js';
await sg.setBackend('cpu');
const only = process.argv[2];
const shapes: [string, number, number, number, boolean, boolean, number][] = [
  ['digits fwd', 3200, 784, 128, false, false, 1], ['digits dW', 784, 3200, 128, true, false, 1],
  ['wide dI', 51200, 2, 512, false, true, 1], ['wide readout', 51200, 512, 2, false, false, 0.05], ['dense fwd', 12800, 256, 1024, false, false, 1],
];
for (const [name, M, K, N, tA, tB, dens] of shapes) {
  if (only && !name.includes(only)) continue;
  const rnd = (n: number, d = 1) => Float32Array.from({ length: n }, () => (Math.random() < d ? (d < 1 ? 1 : Math.random() * 2 - 1) : 0));
  const a = sg.tensor(rnd(M * K, dens), tA ? [K, M] : [M, K]), b = sg.tensor(rnd(K * N), tB ? [N, K] : [K, N]);
  for (const cfg of ['js', 't1', 't2', 't1', 't2'] as const) {
    wasmKernels.enabled = cfg !== 'js';
    threadPool.threads = cfg === 't2' ? 2 : 1;
    const wall: number[] = [], cpu: number[] = [];
    for (let r = 0; r < 3; r++) {
      const c0 = process.cpuUsage(), t0 = performance.now();
      const c = sg.matmul(a, b, { transposeA: tA, transposeB: tB });
      c.dataSync();
      wall.push(performance.now() - t0);
      const cu = process.cpuUsage(c0);
      cpu.push((cu.user + cu.system) / 1000);
      c.dispose();
    }
    const w = Math.min(...wall), cp = Math.min(...cpu);
    console.log(`${name} [${M},${K}]${tA ? 'ᵀ' : ''}@[${K},${N}]${tB ? 'ᵀ' : ''} ${cfg}: wall ${w.toFixed(1)} ms (${(2 * M * K * N / w / 1e6).toFixed(2)} GFLOP/s)  cpu ${cp.toFixed(1)} ms (${(2 * M * K * N / cp / 1e6).toFixed(2)} GFLOP/cpu-s)`);
  }
}
shutdownPool();
