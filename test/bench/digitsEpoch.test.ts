/**
 * The `digits` workload of `spikegrad bench`: one timed epoch over the 8,000 training digits per backend, here
 * resized to 1 time step and one batch of 8,000 (one training step per epoch) so that it takes seconds; the row reports the
 * epoch's wall time and the work it did (the ops of its training step).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { formatReport } from '../../bench/benchReport.js';
import { runSuite } from '../../bench/suite.js';
import { resolveWorkloads } from '../../bench/workloads.js';

const cache = mkdtempSync(join(tmpdir(), 'spikegrad-bench-digits-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

it('times one training epoch of the digit classifier on the CPU backend', async () => {
  process.env.SPIKEGRAD_CACHE_DIR = cache;
  const report = await runSuite({ workloads: resolveWorkloads(['digits'], { steps: 1, batch: 8000 }), backends: ['cpu'] });
  const row = report.rows[0]!;
  expect(row.error).toBeUndefined();
  expect(row.workload).toBe('digits');
  expect(row.result!.iterations).toBeGreaterThanOrEqual(1);
  expect(row.result!.medianMs).toBeGreaterThan(0);
  expect(row.result!.images).toBe(8000);
  expect(row.result!.T).toBe(1);
  const opsPerStep = row.result!.ops;
  expect(opsPerStep).toBeGreaterThan(5);
  expect(formatReport(report)).toMatch(/digits/);
}, 300_000);
