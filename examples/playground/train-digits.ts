/**
 * Trains the playground's digit classifier in Node and saves it as examples/playground/digits.safetensors:
 * `spikegrad train digits`'s network (784 → LIF → leaky readout, rate-coded pixels, T = 25) with a small
 * hidden layer so that the file stays small (32 hidden: ~100 KB). The page's drawing pad loads it.
 *
 *   node scripts/run-ts.mjs examples/playground/train-digits.ts [--hidden 32] [--epochs 3] [--out FILE]
 */
import { environ, io, setBackend, shutdown } from 'spikegrad';
import * as u from 'spikegrad/units';
import { createDigitsTrainer, loadDigitsData, DIGITS_DEFAULTS } from '../../train/digits.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const hidden = Number(arg('hidden', '32')), epochs = Number(arg('epochs', '3'));
const out = arg('out', 'examples/playground/digits.safetensors');

await setBackend('cpu');
const config = { ...DIGITS_DEFAULTS, hidden, epochs, seed: 0 };
const { train, test } = await loadDigitsData(config);
await environ.context({ dt: u.ms(1) }, async () => {
  const trainer = createDigitsTrainer(config, train, test);
  for (let e = 0; e < epochs; e++) {
    const t0 = performance.now();
    trainer.epochSync(e);
    const { acc } = await trainer.evaluate();
    console.log(`epoch ${e + 1}: test accuracy ${(100 * acc).toFixed(1)}% (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    if (e === epochs - 1) {
      await io.save(trainer.net, out, {
        metadata: {
          'digits.config': JSON.stringify({ hidden, steps: config.steps, beta: config.beta, loss: config.loss, encoder: config.encoder, epochs }),
          'digits.testAccuracy': String(acc),
          'digits.trainedBy': 'node scripts/run-ts.mjs examples/playground/train-digits.ts',
        },
      });
      console.log(`saved ${out}`);
    }
  }
  trainer.dispose();
});
await shutdown();
