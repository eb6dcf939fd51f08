/**
 * PyTorch's CPU convolution beside `spikegrad bench --workloads conv` (bench/conv.ts torchConvRows, run by
 * bench/suite.ts, printed by bench/benchReport.ts), without Python: a stand-in interpreter records the shapes
 * it is given (they must be the workload's own, CONV_SHAPES) and answers torchConv.py's JSON lines, which
 * become rows of the text and JSON reports; a missing environment or a failing script is a line saying so.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONV_SHAPES, torchConvRows } from '../../bench/conv.js';
import { formatReport, jsonLines } from '../../bench/benchReport.js';
import { envInfo, type BenchReport } from '../../bench/suite.js';

const dir = mkdtempSync(join(tmpdir(), 'sg-torchconv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fake(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('PyTorch beside the conv workload', () => {
  it("passes the workload's shapes and 2 threads, and reads one row per kernel and shape", async () => {
    const py = fake('python-ok', `printf '%s' "$2" > ${dir}/shapes.json; printf '%s' "$3" > ${dir}/threads.txt
echo '{"torch": "2.13.0+cpu", "threads": 2}'
echo '{"kernel": "forward", "shape": "s1", "ms": 19.5, "gflops": 9.4}'
echo '{"kernel": "input gradient", "shape": "s1", "ms": 64, "gflops": 2.8}'`);
    const r = await torchConvRows(py);
    expect(r).toEqual({ torch: 'torch 2.13.0+cpu, 2 threads', rows: [{ kernel: 'forward', shape: 's1', ms: 19.5, gflops: 9.4 }, { kernel: 'input gradient', shape: 's1', ms: 64, gflops: 2.8 }] });
    const shapes = JSON.parse(readFileSync(join(dir, 'shapes.json'), 'utf8')) as { label: string; x: number[]; w: number[]; padding: number; spikes?: number }[];
    expect(shapes.map((s) => [s.label, s.x, s.w, s.padding, s.spikes])).toEqual(CONV_SHAPES.map((s) => [s.label, s.x, s.w, s.padding, s.spikes]));
    expect(readFileSync(join(dir, 'threads.txt'), 'utf8')).toBe('2');

    const report: BenchReport = { env: envInfo(undefined), rows: [], profiles: [], peers: [], checks: [], torchConv: r };
    const text = formatReport(report);
    expect(text).toContain('PyTorch CPU convolution on the same shapes (torch 2.13.0+cpu, 2 threads)');
    expect(text).toMatch(/conv2d input gradient\s+\|?\s*s1.*2\.80 GFLOP\/s/);
    const json = jsonLines(report).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.kind === 'torchConv');
    expect(json).toEqual([
      { kind: 'torchConv', torch: 'torch 2.13.0+cpu, 2 threads', kernel: 'forward', shape: 's1', ms: 19.5, gflops: 9.4 },
      { kind: 'torchConv', torch: 'torch 2.13.0+cpu, 2 threads', kernel: 'input gradient', shape: 's1', ms: 64, gflops: 2.8 },
    ]);
  });

  it('no environment, or a script that fails: a line saying why, in both reports', async () => {
    const none = await torchConvRows(null);
    expect(none).toEqual({ error: expect.stringMatching(/no Python peers environment \(bench\/peers\/python\/setup\.sh\)/) });
    const failed = await torchConvRows(fake('python-bad', "echo 'ModuleNotFoundError: No module named torch' >&2; exit 1"));
    expect(failed).toEqual({ error: "PyTorch's convolution failed: ModuleNotFoundError: No module named torch" });
    const report: BenchReport = { env: envInfo(undefined), rows: [], profiles: [], peers: [], checks: [], torchConv: failed };
    expect(formatReport(report)).toContain("PyTorch CPU convolution: PyTorch's convolution failed: ModuleNotFoundError");
    expect(jsonLines(report).map((l) => JSON.parse(l) as { kind: string }).filter((l) => l.kind === 'torchConv')).toHaveLength(1);
  });
});
