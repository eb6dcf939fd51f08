import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * Test files, and the tests inside each file, run in a shuffled order, so a test that depends on another one
 * having run first fails in CI instead of hiding. The seed is printed; SPIKEGRAD_TEST_SEED=<seed> repeats an order.
 */
const shuffleSeed = Number(process.env.SPIKEGRAD_TEST_SEED ?? Date.now() % 1_000_000);
if (!Number.isInteger(shuffleSeed)) throw new Error(`SPIKEGRAD_TEST_SEED expected an integer, got '${process.env.SPIKEGRAD_TEST_SEED}'`);
if (!process.env.VITEST_POOL_ID) console.log(`spikegrad: tests in shuffled order, seed ${shuffleSeed} (SPIKEGRAD_TEST_SEED=${shuffleSeed} repeats it)`);

export default defineConfig({
  plugins: [
    {
      // WGSL kernels are imported as text, as esbuild's text loader does in the build.
      name: 'wgsl-text',
      enforce: 'pre',
      load(id) {
        if (id.endsWith('.wgsl')) return `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`;
        return null;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    // One process per test file: Dawn wants one device per process, and a fork exits cleanly.
    pool: 'forks',
    // Memory-count tests settle what earlier tests left to the garbage collector before counting (settleCollected in
    // test/support/helpers.ts): a collection in the middle of a count otherwise lowers it, in some orders only.
    execArgv: ['--expose-gc'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    sequence: { shuffle: true, seed: shuffleSeed },
  },
});
