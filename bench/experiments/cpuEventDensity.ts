// The event path against the dense WebAssembly kernel (bench/RESULTS.md, "The event path against the dense kernel";
// for the WebAssembly event kernel, "The digits epoch on the CPU backend"):
// CPU ms per product, one thread, fresh 0/1 operands at densities 2–30 %, both paths forced in turn.
//   node scripts/run-ts.mjs bench/experiments/cpuEventDensity.ts
import * as sg from '../../index.js';
import { sparseTuning } from '../../kernels/matmul/cpuSparse.js';
import { threadPool, shutdownPool } from '../../kernels/cpu/threadPool.js';
await sg.setBackend('cpu');
threadPool.threads = 1;
const cases: [string, number, number, number, boolean][] = [['fwd [3200,784]@[784,128]', 3200, 784, 128, false], ['dW [3200,784]ᵀ@[3200,128]', 784, 3200, 128, true], ['readout [3200,128]@[128,10]', 3200, 128, 10, false], ['dW2 [3200,128]ᵀ@[3200,10]', 128, 3200, 10, true]];
for (const [name, M, K, N, tA] of cases) {
  for (const d of [0.02, 0.05, 0.1, 0.2, 0.3]) {
    const res: string[] = [];
    for (const path of ['events', 'dense', 'events', 'dense']) {
      sparseTuning.density = path === "events" ? 1 : 0;
      const cpu: number[] = [];
      for (let r = 0; r < 3; r++) {
        // a fresh spike tensor per call: the event list is built every time, as in training
        const a = sg.tensor(Float32Array.from({ length: M * K }, () => (Math.random() < d ? 1 : 0)), tA ? [K, M] : [M, K]);
        const b = sg.tensor(Float32Array.from({ length: K * N }, () => Math.random() - 0.5), [K, N]);
        const c0 = process.cpuUsage();
        const c = sg.matmul(a, b, { transposeA: tA }); c.dataSync();
        const cu = process.cpuUsage(c0); cpu.push((cu.user + cu.system) / 1000);
        sg.dispose([a, b, c]);
      }
      res.push(`${path} ${Math.min(...cpu).toFixed(2)}`);
    }
    console.log(`${name} density ${d}: cpu ms ${res.join(' | ')}`);
  }
}
shutdownPool();
