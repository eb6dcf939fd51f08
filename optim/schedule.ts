/**
 * Learning-rate schedules: the learning rate as a function of the optimizer's step count (the number of
 * updates already applied, so the first update sees step 0, as optax's `scale_by_schedule` does).
 * A schedule is an object with `at(step)`; a plain function `(step) => lr` and a plain number are accepted
 * wherever a schedule is (see `toSchedule`).
 */
import { SpikegradError, describeValue } from '../engine/errors.js';

/** A learning-rate schedule: the rate for each step (`constantLR`, `cosineLR`, …, or your own object with `at` and `toString`). */
export interface Schedule {
  /** The learning rate used by the update that follows `step` earlier updates. */
  at(step: number): number;
  /** A short description for logs, e.g. `cosineLR(lr=0.003, steps=150, min=0)`. */
  toString(): string;
}

/** An optimizer's `lr`: a number, a Schedule, or a function of the step. */
export type LearningRate = number | Schedule | ((step: number) => number);

function requirePositiveFinite(where: string, name: string, v: unknown, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new SpikegradError(`${where}: argument '${name}' expected a ${allowZero ? 'non-negative' : 'positive'} finite number, got ${describeValue(v)}`);
  }
  return v;
}

function requireStepCount(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new SpikegradError(`${where}: argument '${name}' expected a positive integer number of steps, got ${describeValue(v)}`);
  }
  return v;
}

/** The same learning rate at every step. @example optim.constantLR(3e-3) */
export function constantLR(lr: number): Schedule {
  requirePositiveFinite('constantLR', 'lr', lr, true);
  return { at: () => lr, toString: () => `constantLR(lr=${lr})` };
}

/**
 * Multiplies the learning rate by `gamma` every `stepSize` steps: lr · gamma^⌊step / stepSize⌋ (PyTorch and
 * braintools `StepLR`, counted in optimizer steps).
 * @example optim.stepLR({ lr: 1e-2, stepSize: 50, gamma: 0.5 })
 */
export function stepLR(opts: { lr: number; stepSize: number; gamma?: number }): Schedule {
  const lr = requirePositiveFinite('stepLR', 'lr', opts?.lr, true);
  const stepSize = requireStepCount('stepLR', 'stepSize', opts.stepSize);
  const gamma = requirePositiveFinite('stepLR', 'gamma', opts.gamma ?? 0.1, true);
  return {
    at: (step) => lr * gamma ** Math.floor(step / stepSize),
    toString: () => `stepLR(lr=${lr}, stepSize=${stepSize}, gamma=${gamma})`,
  };
}

/**
 * Cosine annealing from `lr` to `minLr` over `steps` steps, then constant at `minLr`:
 * minLr + (lr − minLr) · (1 + cos(π · min(step, steps) / steps)) / 2 (optax `cosine_decay_schedule` with
 * alpha = minLr / lr; PyTorch `CosineAnnealingLR` without restarts).
 * @example optim.cosineLR({ lr: 3e-3, steps: 150 })
 */
export function cosineLR(opts: { lr: number; steps: number; minLr?: number }): Schedule {
  const lr = requirePositiveFinite('cosineLR', 'lr', opts?.lr, true);
  const steps = requireStepCount('cosineLR', 'steps', opts.steps);
  const minLr = requirePositiveFinite('cosineLR', 'minLr', opts.minLr ?? 0, true);
  return {
    at: (step) => minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * Math.min(step, steps) / steps)),
    toString: () => `cosineLR(lr=${lr}, steps=${steps}, minLr=${minLr})`,
  };
}

/** Normalises a number, a function of the step or a Schedule into a Schedule (checking each value it gives). */
export function toSchedule(where: string, lr: LearningRate): Schedule {
  if (typeof lr === 'number') {
    requirePositiveFinite(where, 'lr', lr, true);
    return constantLR(lr);
  }
  const at = typeof lr === 'function' ? lr : lr !== null && typeof lr === 'object' && typeof (lr as Schedule).at === 'function' ? (s: number) => (lr as Schedule).at(s) : null;
  if (!at) throw new SpikegradError(`${where}: argument 'lr' expected a number, a function of the step or a schedule, got ${describeValue(lr)}`);
  return {
    at(step) {
      const v = at(step);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new SpikegradError(`${where}: the learning-rate schedule returned ${describeValue(v)} at step ${step}; expected a non-negative finite number`);
      }
      return v;
    },
    toString: () => (typeof lr === 'function' ? 'custom schedule' : String(lr)),
  };
}
