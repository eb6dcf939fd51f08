/**
 * Per-op profile of one iteration of a case (`spikegrad bench --profile`): where a training step's time goes,
 * by op, on each backend.
 *
 * The backend's `run` and `update` are wrapped for one iteration (after the timed ones, so pipelines and
 * pools are warm). On the CPU backend a kernel runs inside `run`, so the time spent there is the op's time.
 * On WebGPU `run` only encodes (host time: JavaScript and Dawn); the device time of each op is then measured
 * by replaying it alone: the same kernel on the same inputs, dispatched, submitted and waited for, minus the
 * round trip of an empty submit. One representative call per distinct (op, shapes, attributes) is replayed
 * and its time counted for every call like it. Isolated replays miss the overlap of consecutive dispatches
 * in a batch and pay a submit each, so their sum exceeds the step's device time; the shares are the point.
 */
import type { Backend, TensorInfo, UpdateName } from '../engine/backend.js';
import type { OutMeta } from '../engine/ops.js';
import * as sg from '../index.js';
import type { BenchCase } from './harness.js';

export interface OpProfile {
  op: string;
  calls: number;
  dispatches: number;
  /** Time inside the backend's run/update during the step (CPU: the kernels; WebGPU: encoding). */
  hostMs: number;
  /** WebGPU only: the op's calls replayed alone, device time each (empty-submit round trip subtracted). */
  deviceMs?: number;
}

export interface StepProfile {
  stepMs: number;
  ops: OpProfile[];
}

interface Call {
  kind: 'run' | 'update';
  op: string;
  inputs: readonly TensorInfo[];
  targets: readonly TensorInfo[];
  attrs: unknown;
  outs: readonly OutMeta[];
}

/** The storage and metadata of an input, without the Tensor object (which refuses access once disposed). */
function snapshot(t: TensorInfo): TensorInfo {
  return { dataId: t.dataId, shape: [...t.shape], dtype: t.dtype, size: t.size };
}

/**
 * The profile row a call counts in: its op, except matmuls and linear layers, split by shape and layout,
 * because the products of a training step (forward, input gradient, weight gradient) run different kernels
 * at different speeds.
 */
function rowName(c: Call): string {
  const [x, y, b] = c.inputs.map((t) => `[${t.shape.join(',')}]`);
  if (c.op === 'linear') return `linear ${x}@${y}+${b}`; // x·W + b (nn.Linear)
  if (c.op !== 'matmul') return c.op;
  const a = c.attrs as { transposeA?: boolean; transposeB?: boolean };
  return `matmul ${x}${a.transposeA ? 'ᵀ' : ''}@${y}${a.transposeB ? 'ᵀ' : ''}`;
}

/** A call's identity for replay: the op, its tensors' shapes and dtypes, and its attributes (objects by key). */
function signature(c: Call): string {
  const ts = [...c.targets, ...c.inputs].map((t) => `${t.dtype}[${t.shape.join(',')}]`).join(' ');
  const attrs = JSON.stringify(c.attrs, (_k, v: unknown) => (v && typeof v === 'object' && 'key' in v ? String((v as { key: unknown }).key) : v));
  return `${c.kind} ${c.op} ${ts} ${attrs}`;
}

export async function profileStep<S>(c: BenchCase<S>, replays = 3): Promise<StepProfile> {
  const be = c.backend as Backend & Record<'run' | 'update', unknown>;
  const gpu = be.name === 'webgpu';
  const state = await sg.withBackend(be, () => c.setup());
  try {
    // Warm up (compilation, pools) so that the profiled step is a steady one.
    sg.withBackend(be, () => sg.tidy(() => { c.run(state); }));
    await be.sync();

    const byOp = new Map<string, OpProfile>();
    const calls: Call[] = [];
    const origRun = be.run, origUpdate = be.update;
    const note = (call: Call, t0: number, d0: number) => {
      const key = rowName(call);
      const p = byOp.get(key) ?? { op: key, calls: 0, dispatches: 0, hostMs: 0 };
      p.calls++;
      p.hostMs += performance.now() - t0;
      p.dispatches += be.counters.dispatches - d0;
      byOp.set(key, p);
      if (gpu) {
        for (const t of [...call.inputs, ...call.targets]) be.incRef(t.dataId); // kept alive for the replay
        calls.push(call);
      }
    };
    be.run = ((op, inputs, attrs, outs) => {
      const t0 = performance.now(), d0 = be.counters.dispatches;
      const ids = origRun.call(be, op, inputs, attrs, outs);
      note({ kind: 'run', op, inputs: inputs.map(snapshot), targets: [], attrs, outs: [...outs] }, t0, d0);
      return ids;
    }) as Backend['run'];
    be.update = ((kernel, targets, inputs, attrs) => {
      const t0 = performance.now(), d0 = be.counters.dispatches;
      origUpdate.call(be, kernel, targets, inputs, attrs);
      note({ kind: 'update', op: kernel, inputs: inputs.map(snapshot), targets: targets.map(snapshot), attrs, outs: [] }, t0, d0);
    }) as Backend['update'];
    const t0 = performance.now();
    try {
      sg.withBackend(be, () => sg.tidy(() => { c.run(state); }));
      await be.sync();
    } finally {
      be.run = origRun;
      be.update = origUpdate;
    }
    const stepMs = performance.now() - t0;

    if (gpu) {
      const roundTrip = await emptySubmitMs(be);
      const groups = new Map<string, Call[]>();
      for (const call of calls) groups.set(signature(call), [...(groups.get(signature(call)) ?? []), call]);
      for (const group of groups.values()) {
        const ms = Math.max(0, (await replayMs(be, group[0]!, replays)) - roundTrip);
        const p = byOp.get(rowName(group[0]!))!;
        p.deviceMs = (p.deviceMs ?? 0) + ms * group.length;
      }
      for (const call of calls) for (const t of [...call.inputs, ...call.targets]) be.release(t.dataId);
    }
    const ops = [...byOp.values()].sort((a, b) => (b.deviceMs ?? b.hostMs) - (a.deviceMs ?? a.hostMs));
    return { stepMs, ops };
  } finally {
    sg.withBackend(be, () => c.teardown?.(state));
  }
}

async function replayMs(be: Backend, call: Call, replays: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < replays; i++) {
    const t0 = performance.now();
    if (call.kind === 'run') {
      const ids = be.run(call.op as never, call.inputs, call.attrs as never, call.outs);
      await be.sync();
      times.push(performance.now() - t0);
      for (const id of ids) be.release(id);
    } else {
      be.update(call.op as UpdateName, call.targets, call.inputs, call.attrs as never);
      await be.sync();
      times.push(performance.now() - t0);
    }
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

/** The round trip of submitting a trivial dispatch and waiting for it: what every replay pays on top. */
async function emptySubmitMs(be: Backend): Promise<number> {
  const one = sg.withBackend(be, () => sg.keep(sg.zeros([1])));
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    sg.withBackend(be, () => sg.tidy(() => { one.add(one); }));
    await be.sync();
    times.push(performance.now() - t0);
  }
  one.dispose();
  return times.sort((a, b) => a - b)[3]!;
}
