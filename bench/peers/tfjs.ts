/**
 * The workload network in TensorFlow.js (4.22), as a careful TF.js user writes it:
 * - the spike is a `tf.customGrad`: Heaviside forward, ReluGrad surrogate backward;
 * - the input matmul runs once per chunk of time steps (`workload.chunk`) and `tf.unstack` splits it, because
 *   the wasm backend's `slice` copies the whole tensor, so slicing step t out of [T·B, ·] costs O(T) per step;
 * - the exponential-Euler updates use their algebraically equal form x·d + c·input (problem.ts `expEuler`);
 *   the soft reset uses the previous step's spike, which is the same H(V_{t−1} − 1) docs/numerics.md §1 recomputes;
 * - both matmuls get explicit transposes in their gradient (`linear` below), around a slow wasm kernel path;
 * - `tf.train.adam` (the same bias-corrected update as optax) inside `optimizer.minimize`.
 * `@tensorflow/tfjs` is imported, not `tfjs-core` alone: under Node only the former registers the gradients.
 */
import type * as TF from '@tensorflow/tfjs';
import { ADAM, type PeerModel } from './model.js';
import { describeAdapter, installNavigatorGpu } from './nodeGpu.js';
import { expEuler, PARAM_NAMES, paramShapes, timeChunks, type Params, type Problem } from './problem.js';

export type TfjsBackend = 'cpu' | 'wasm' | 'webgpu';
type Tf = typeof TF;

export interface TfjsRuntime {
  tf: Tf;
  version: string;
  /** The GPU adapter (webgpu) or 'CPU'. */
  device: string;
  gpuDevice?: GPUDevice;
}

/** Imports TF.js with one backend registered and selected. Call once per process. */
export async function loadTfjs(backend: TfjsBackend): Promise<TfjsRuntime> {
  if (backend === 'webgpu') await installNavigatorGpu();
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js could not start its '${backend}' backend`);
  await tf.ready();
  let device = 'CPU', gpuDevice: GPUDevice | undefined;
  if (backend === 'webgpu') {
    const be = tf.backend() as unknown as { device: GPUDevice; adapterInfo?: { vendor?: string; architecture?: string } };
    gpuDevice = be.device;
    device = describeAdapter((gpuDevice as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo ?? (be.adapterInfo as GPUAdapterInfo));
  }
  return { tf, version: tf.version.tfjs, device, ...(gpuDevice ? { gpuDevice } : {}) };
}

export function tfjsModel(tf: Tf, problem: Problem): PeerModel {
  const w = problem.workload, B = problem.batch;
  const { nRec, nOut, nIn, steps: T } = w;
  const syn = expEuler(w.tauSyn), mem = expEuler(w.tauMem), out = expEuler(w.tauOut);
  const shapes = paramShapes(w);
  const vars = Object.fromEntries(
    PARAM_NAMES.map((k) => [k, tf.variable(tf.tensor(problem.params[k], shapes[k]))]),
  ) as Params<TF.Variable>;
  const varList = PARAM_NAMES.map((k) => vars[k]);
  const chunks = timeChunks(problem, w.chunk).map((c) => ({ steps: c.steps, x: tf.tensor2d(c.data, [c.steps * B, nIn]) }));
  const onehot = tf.tidy(() => tf.oneHot(tf.tensor1d(problem.labels, 'int32'), nOut).toFloat());
  const optimizer = tf.train.adam(w.lr, ADAM.b1, ADAM.b2, ADAM.eps);

  // ReluGrad(alpha=0.3, width=1): H(x) forward (x = 0 spikes), max(0.3 − 0.3|x|, 0) backward.
  const spike = tf.customGrad((...args) => {
    const [x, save] = args as [TF.Tensor, (ts: TF.Tensor[]) => void];
    save([x]);
    return {
      value: tf.cast(tf.greaterEqual(x, 0), 'float32'),
      gradFunc: (dy: TF.Tensor | TF.Tensor[], saved: TF.Tensor[]) =>
        tf.mul(dy as TF.Tensor, tf.relu(tf.sub(0.3, tf.mul(tf.abs(saved[0]!), 0.3)))),
    };
  });

  /**
   * x W with explicit transposes in its gradient. TF.js's own matMul gradient asks the kernel for transposed
   * operands, and the wasm backend's transposed path is slow: [1280, 256]ᵀ·[1280, 1024] ran at 0.3 GFLOP/s
   * against 13 GFLOP/s untransposed (one `dense` step took 20 s instead of ~2). `xNeedsGrad: false` is the
   * network input, a constant, whose gradient nobody reads.
   */
  const linear = (xNeedsGrad: boolean) =>
    tf.customGrad((...args) => {
      const [x, W, save] = args as [TF.Tensor2D, TF.Tensor2D, (ts: TF.Tensor[]) => void];
      save([x, W]);
      return {
        value: tf.matMul(x, W),
        gradFunc: (dy: TF.Tensor | TF.Tensor[], saved: TF.Tensor[]) => {
          const [xs, Ws] = saved as [TF.Tensor2D, TF.Tensor2D];
          const d = dy as TF.Tensor2D;
          return [xNeedsGrad ? tf.matMul(d, tf.transpose(Ws)) : tf.zerosLike(xs), tf.matMul(tf.transpose(xs), d)];
        },
      };
    });
  const inputLayer = linear(false), hiddenLayer = linear(true);

  // [k·B, n] → k tensors [B, n]. A one-step chunk is only reshaped: TF.js's unstack gradient receives a lone
  // tensor instead of an array when there is one output, and its stack() then throws.
  const perStep = (t: TF.Tensor, k: number, n: number): TF.Tensor[] => (k === 1 ? [t.reshape([B, n])] : tf.unstack(t.reshape([k, B, n])));

  const loss = (): TF.Scalar => {
    let g: TF.Tensor = tf.zeros([B, nRec]), v: TF.Tensor = tf.zeros([B, nRec]), s: TF.Tensor = tf.zeros([B, nRec]);
    let y: TF.Tensor = tf.zeros([B, nOut]), ySum: TF.Tensor = tf.zeros([B, nOut]);
    for (const c of chunks) {
      const hs = perStep(tf.add(inputLayer(c.x, vars.w1), vars.b1), c.steps, nRec);
      const spikes = hs.map((h) => {
        g = tf.add(tf.mul(g, syn.decay), h);
        v = tf.add(tf.mul(tf.sub(v, s), mem.decay), tf.mul(g, mem.gain)); // soft reset, then leak towards g
        s = spike(tf.sub(v, 1));
        return s;
      });
      const os = perStep(tf.add(hiddenLayer(tf.concat(spikes, 0), vars.w2), vars.b2), c.steps, nOut);
      for (const o of os) {
        y = tf.add(tf.mul(y, out.decay), o);
        ySum = tf.add(ySum, y);
      }
    }
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(tf.div(ySum, T))), -1))) as TF.Scalar;
  };

  return {
    async lossAndGrads() {
      const { value, grads } = tf.variableGrads(loss, varList);
      const out = { loss: (await value.data())[0]!, grads: {} as Params };
      for (const k of PARAM_NAMES) out.grads[k] = Float32Array.from(await grads[vars[k].name]!.data());
      value.dispose();
      tf.dispose(grads);
      return out;
    },
    async trainStep() {
      const l = optimizer.minimize(loss, true, varList)!;
      const value = (await l.data())[0]!;
      l.dispose();
      await vars.b2.data(); // the last variable Adam updates: its readback waits for the whole step
      return value;
    },
    dispose() {
      optimizer.dispose();
      tf.dispose([...varList, ...chunks.map((c) => c.x), onehot]);
    },
  };
}
