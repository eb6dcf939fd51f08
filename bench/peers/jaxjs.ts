/**
 * The workload network in jax-js (0.1.25), as a careful jax-js user writes it:
 * - the spike is H(x) + (F(x) − stopGradient(F(x))), F the antiderivative of the ReluGrad derivative
 *   (F(x) = 0.3·(c − c·|c|/2), c = clip(x, −1, 1)): forward exactly H, gradient exactly ReluGrad;
 * - the whole step (forward, valueAndGrad, Adam) is one `jit`, traced over the unrolled time loop (jax-js has no
 *   scan). The input matmul runs per chunk of `workload.chunk` steps: jax-js fuses long elementwise chains
 *   into single kernels, and slicing step t out of a [T, B, ·] array fused ever larger expressions (the
 *   step time grew faster than T: 20 ms at T = 50, 190 ms at T = 200 unchunked, 63 ms chunked by 10);
 * - Adam written out as optax computes it (jax-js's optax package is not a dependency here);
 * - jax-js's ownership rules: every array argument is consumed, `.ref` keeps a reference.
 * Same algebra as tfjs.ts (x·d + c·input; the reset reuses the previous step's spike).
 */
import type * as JAX from '@jax-js/jax';
import { ADAM, type PeerModel } from './model.js';
import { describeAdapter, installNavigatorGpu } from './nodeGpu.js';
import { expEuler, PARAM_NAMES, paramShapes, timeChunks, type Params, type Problem } from './problem.js';

export type JaxjsBackend = 'wasm' | 'webgpu';
type Jax = typeof JAX;
type Arr = JAX.Array;
type P = Params<Arr>;

export interface JaxjsRuntime {
  jax: Jax;
  version: string;
  device: string;
  gpuDevice?: GPUDevice;
}

/** Imports jax-js and starts one device. `init('wasm')` explicitly: a bare `init()` fails on Node 20. */
export async function loadJaxjs(backend: JaxjsBackend): Promise<JaxjsRuntime> {
  if (backend === 'webgpu') await installNavigatorGpu();
  const jax = await import('@jax-js/jax');
  const started = await jax.init(backend);
  if (!started.includes(backend)) throw new Error(`jax-js could not start its '${backend}' device`);
  jax.defaultDevice(backend);
  let device = 'CPU', gpuDevice: GPUDevice | undefined;
  if (backend === 'webgpu') {
    gpuDevice = jax.getWebGPUDevice();
    device = describeAdapter((gpuDevice as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo);
  }
  return { jax, version: await installedVersion(), device, ...(gpuDevice ? { gpuDevice } : {}) };
}

/** jax-js exports no version and no './package.json' subpath: read the file next to its entry point. */
async function installedVersion(): Promise<string> {
  const [{ createRequire }, { readFileSync }, { dirname, join }] = await Promise.all([import('node:module'), import('node:fs'), import('node:path')]);
  const entry = createRequire(import.meta.url).resolve('@jax-js/jax');
  return (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function jaxjsModel(jax: Jax, problem: Problem): PeerModel {
  const { numpy: np, lax, nn, tree } = jax;
  const w = problem.workload, B = problem.batch;
  const { nRec, nOut, nIn, steps: T } = w;
  const syn = expEuler(w.tauSyn), mem = expEuler(w.tauMem), out = expEuler(w.tauOut);
  const shapes = paramShapes(w);

  const spike = (x: Arr): Arr => {
    const H = np.greaterEqual(x.ref, 0).astype(np.float32);
    const c = np.clip(x, -1, 1);
    const F = c.ref.sub(c.ref.mul(np.abs(c)).mul(0.5)).mul(0.3);
    return H.add(F.ref.sub(lax.stopGradient(F)));
  };

  const lossFn = (p: P, xs: Arr[], onehot: Arr): Arr => {
    let g = np.zeros([B, nRec]), v = np.zeros([B, nRec]), s = np.zeros([B, nRec]);
    let y = np.zeros([B, nOut]), ySum = np.zeros([B, nOut]);
    for (const xc of xs) {
      const k = xc.shape[0]! / B;
      const h = np.matmul(xc, p.w1.ref).add(p.b1.ref).reshape([k, B, nRec]);
      const spikes: Arr[] = [];
      for (let t = 0; t < k; t++) {
        g = g.mul(syn.decay).add(h.ref.slice(t));
        v = v.sub(s).mul(mem.decay).add(g.ref.mul(mem.gain)); // soft reset, then leak towards g
        s = spike(v.ref.sub(1));
        spikes.push(s.ref);
      }
      h.dispose();
      const o = np.matmul(np.concatenate(spikes, 0), p.w2.ref).add(p.b2.ref).reshape([k, B, nOut]);
      const ys: Arr[] = [];
      for (let t = 0; t < k; t++) {
        y = y.mul(out.decay).add(o.ref.slice(t));
        ys.push(y.ref);
      }
      o.dispose();
      // Summed per chunk through a stack: a running y + y + … over all T fuses into one WGSL expression
      // nested T deep, which Dawn's shader parser rejects ("maximum parser recursive depth reached").
      ySum = ySum.add(np.stack(ys, 0).sum(0));
    }
    g.dispose(); v.dispose(); s.dispose(); y.dispose();
    tree.dispose(p);
    return nn.logSoftmax(ySum.div(T), -1).mul(onehot).sum(-1).mean().neg();
  };

  const lossAndGrads = jax.jit((p: P, xs: Arr[], onehot: Arr) => jax.valueAndGrad(lossFn)(p, xs, onehot));

  // One jit for the whole step. Bias corrections 1 − b^k come in as scalars so the trace is reused every step.
  const step = jax.jit((p: P, m: P, v: P, bc1: Arr, bc2: Arr, xs: Arr[], onehot: Arr) => {
    const [loss, g] = jax.valueAndGrad(lossFn)(tree.ref(p), xs, onehot);
    const p2 = {} as P, m2 = {} as P, v2 = {} as P;
    for (const k of PARAM_NAMES) {
      m2[k] = m[k].mul(ADAM.b1).add(g[k].ref.mul(1 - ADAM.b1));
      v2[k] = v[k].mul(ADAM.b2).add(g[k].ref.mul(g[k]).mul(1 - ADAM.b2));
      const update = m2[k].ref.div(bc1.ref).div(np.sqrt(v2[k].ref.div(bc2.ref)).add(ADAM.eps));
      p2[k] = p[k].sub(update.mul(w.lr));
    }
    bc1.dispose(); bc2.dispose();
    return [loss, p2, m2, v2] as [Arr, P, P, P];
  });

  const fromHost = (k: (typeof PARAM_NAMES)[number], data: Float32Array) => np.array(data).reshape(shapes[k]);
  let params = Object.fromEntries(PARAM_NAMES.map((k) => [k, fromHost(k, problem.params[k])])) as P;
  let mu = Object.fromEntries(PARAM_NAMES.map((k) => [k, np.zeros(shapes[k])])) as P;
  let nu = Object.fromEntries(PARAM_NAMES.map((k) => [k, np.zeros(shapes[k])])) as P;
  const xs = timeChunks(problem, w.chunk).map((c) => np.array(c.data).reshape([c.steps * B, nIn]));
  const onehotHost = new Float32Array(B * nOut);
  problem.labels.forEach((label, b) => (onehotHost[b * nOut + label] = 1));
  const onehot = np.array(onehotHost).reshape([B, nOut]);
  let count = 0;

  return {
    async lossAndGrads() {
      const [loss, grads] = lossAndGrads(tree.ref(params), tree.ref(xs), onehot.ref) as [Arr, P];
      const res = { loss: (await loss.data())[0]!, grads: {} as Params };
      for (const k of PARAM_NAMES) res.grads[k] = Float32Array.from(await grads[k].data());
      return res;
    },
    async trainStep() {
      count++;
      const bc1 = np.array([1 - ADAM.b1 ** count]).reshape([]), bc2 = np.array([1 - ADAM.b2 ** count]).reshape([]);
      const [loss, p2, m2, v2] = step(params, mu, nu, bc1, bc2, tree.ref(xs), onehot.ref);
      params = p2; mu = m2; nu = v2;
      const value = (await loss.data())[0]!;
      await jax.blockUntilReady(params);
      return value;
    },
    dispose() {
      tree.dispose([params, mu, nu, xs, onehot]);
      lossAndGrads.dispose();
      step.dispose();
    },
  };
}
