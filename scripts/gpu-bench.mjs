#!/usr/bin/env node
// The benchmark for a machine with a real GPU: one command, needing only Node and the built package
// (`npm run build` → dist/) on a machine with a GPU and a Vulkan (Linux) / D3D12 / Metal driver.
//
//   node scripts/gpu-bench.mjs [--quick] [--peak-gflops N] [--bandwidth-gbs N] [--out results.json]
//
// It runs `spikegrad bench` on the WebGPU backend, each group in its own process (one device per process):
// - the seed, wide and dense training steps (forward over all T, BPTT, Adam) and the onm-4096 layer, each
//   iteration synchronised with the device (the queue's onSubmittedWorkDone) so times are the work's, not its
//   submission's; with --profile's split of host encoding against the device wait, transform.jit replayed
//   and unrecorded (bench/jitSplit.ts);
// - matmul GFLOP/s on large squares, against the card's fp32 peak;
// - the fused LIF kernels (neuronRun, neuronRunGrad of nn.LIF) and the spike kernels in GB/s, against its memory bandwidth.
// The card's peak and bandwidth come from a table of known cards matched by the adapter's name (or
// nvidia-smi's), or from --peak-gflops / --bandwidth-gbs; without either the ratios are left out, never guessed.
// --quick runs small sizes (to check the script on a software adapter such as lavapipe, where the full
// sizes take hours). Prints a Markdown report for bench/RESULTS.md; --out also writes every JSON line.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
function option(name) {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) fail(`option '${name}' expected a value`);
  return v;
}
function fail(msg) {
  console.error(`gpu-bench: ${msg}`);
  process.exit(2);
}
const known = new Set(['--quick', '--peak-gflops', '--bandwidth-gbs', '--out', '-h', '--help']);
for (const a of args) if (a.startsWith('-') && !known.has(a)) fail(`unknown option '${a}' (options: ${[...known].join(', ')})`);
if (args.includes('-h') || args.includes('--help')) {
  console.log('usage: node scripts/gpu-bench.mjs [--quick] [--peak-gflops N] [--bandwidth-gbs N] [--out results.json]');
  process.exit(0);
}
const quick = args.includes('--quick');
const positive = (name) => {
  const v = option(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) fail(`option '${name}' expected a positive number, got '${v}'`);
  return n;
};
const peakOverride = positive('--peak-gflops');
const bandwidthOverride = positive('--bandwidth-gbs');
const out = option('--out');

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) fail(`${cli} is missing: build the package first (npm run build)`);

/**
 * Known cards: fp32 peak (GFLOP/s, without tensor cores) and memory bandwidth (GB/s), from the vendors' data
 * sheets. First match wins, so specific names come before general ones.
 */
const CARDS = [
  { match: /h200/i, name: 'NVIDIA H200', gflops: 67000, gbs: 4800 },
  { match: /h100.*(pcie|nvl)/i, name: 'NVIDIA H100 PCIe', gflops: 51200, gbs: 2000 },
  { match: /h100/i, name: 'NVIDIA H100 SXM', gflops: 67000, gbs: 3350 },
  { match: /a100.*80/i, name: 'NVIDIA A100 80GB', gflops: 19500, gbs: 2039 },
  { match: /a100/i, name: 'NVIDIA A100 40GB', gflops: 19500, gbs: 1555 },
  { match: /l40s/i, name: 'NVIDIA L40S', gflops: 91600, gbs: 864 },
  { match: /\bl4\b/i, name: 'NVIDIA L4', gflops: 30300, gbs: 300 },
  { match: /a10g/i, name: 'NVIDIA A10G', gflops: 31200, gbs: 600 },
  { match: /\ba10\b/i, name: 'NVIDIA A10', gflops: 31200, gbs: 600 },
  { match: /\bt4\b/i, name: 'NVIDIA T4', gflops: 8100, gbs: 320 },
  { match: /v100/i, name: 'NVIDIA V100', gflops: 15700, gbs: 900 },
  { match: /4090/i, name: 'NVIDIA RTX 4090', gflops: 82600, gbs: 1008 },
  { match: /3090/i, name: 'NVIDIA RTX 3090', gflops: 35600, gbs: 936 },
];

/** Runs one `spikegrad bench` group; returns its JSON lines (a failed group is reported, not fatal). */
function bench(label, benchArgs, timeoutS) {
  process.stderr.write(`gpu-bench: ${label}: spikegrad bench ${benchArgs.join(' ')}\n`);
  const r = spawnSync(process.execPath, [cli, 'bench', ...benchArgs, '--backends', 'webgpu', '--json'], {
    encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const why = r.error ? r.error.message : r.status !== 0 ? `exit ${r.status ?? r.signal}` : null;
  if (why) process.stderr.write(`gpu-bench: ${label} failed (${why}); its finished rows are kept\n`);
  return { label, lines, error: why };
}

const squares = quick ? [64, 128] : [1024, 2048, 4096];
const groups = [
  bench('training steps', ['--workloads', 'seed,wide,dense', '--profile', ...(quick ? ['--steps', '8', '--batch', '4', '--max-iters', '3'] : [])], quick ? 600 : 1800),
  bench('onm-4096', ['--workloads', quick ? 'onm-64' : 'onm-4096', ...(quick ? ['--steps', '4'] : ['--max-iters', '5'])], quick ? 300 : 1800),
  bench('matmul', ['--workloads', 'matmul', '--matmul-shapes', squares.map((n) => `${n}x${n}x${n}`).join(','), ...(quick ? ['--max-iters', '3'] : [])], quick ? 300 : 900),
  // B = 1024: the LIF tensors are [100, 1024, 1024] (400 MiB each), large enough that the submit's round
  // trip is small beside the kernel on a fast card.
  bench('LIF and spike kernels', ['--workloads', 'lif,spike', ...(quick ? ['--max-iters', '3'] : ['--batch', '1024'])], quick ? 600 : 900),
];
const all = groups.flatMap((g) => g.lines);
const env = all.find((l) => l.kind === 'env');
const adapter = env?.webgpu ?? null;
if (!adapter) fail(`no WebGPU adapter: ${groups.map((g) => g.error).filter(Boolean).join('; ') || 'the bench found none'}`);

let smiName = null;
const smi = spawnSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8' });
if (smi.status === 0) smiName = smi.stdout.trim().split('\n')[0] || null;
const card = CARDS.find((c) => c.match.test(smiName ?? '') || c.match.test(adapter));
const peak = peakOverride ?? card?.gflops;
const bandwidth = bandwidthOverride ?? card?.gbs;
const pct = (v, of) => (v !== undefined && of ? `${((100 * v) / of).toFixed(1)} %` : '—');
const num = (v, d = 3) => (v === undefined || v === null ? '—' : Number(v).toPrecision(d));

const md = [];
md.push(`## spikegrad on ${smiName ?? adapter}`, '');
md.push(`- adapter: ${adapter}${adapter.includes('software') ? ' — a SOFTWARE adapter: these numbers say nothing about a GPU' : ''}`);
md.push(`- card: ${card ? card.name : 'not in the table'}; fp32 peak ${peak ? `${peak} GFLOP/s` : 'unknown'}${peakOverride ? ' (--peak-gflops)' : ''}, memory bandwidth ${bandwidth ? `${bandwidth} GB/s` : 'unknown'}${bandwidthOverride ? ' (--bandwidth-gbs)' : ''}`);
md.push(`- host: ${env.cpu}, ${env.cores} cores, Node ${env.node}, load ${env.loadAvg.map((x) => x.toFixed(1)).join(' ')}; ${env.date}`);
md.push(`- command: \`node scripts/gpu-bench.mjs${args.length ? ` ${args.join(' ')}` : ''}\`${quick ? ' (small sizes)' : ''}`, '');

md.push('| workload | mode | T×B | median ms | p90 ms | dispatches | GFLOP/s | % of fp32 peak |', '|---|---|---|---:|---:|---:|---:|---:|');
for (const c of all.filter((l) => l.kind === 'case' && l.type !== 'micro')) {
  md.push(`| ${c.workload} | ${c.mode ?? ''} | ${c.T ?? ''}×${c.B ?? ''} | ${num(c.medianMs)} | ${num(c.p90Ms)} | ${c.dispatches ?? ''} | ${num(c.gflops)} | ${pct(c.gflops, peak)} |`);
}
const jit = all.filter((l) => l.kind === 'jit' && !l.error);
if (jit.length) {
  md.push('', 'Host time against device wait per training step (transform.jit replayed vs unrecorded, medians):', '');
  md.push('| workload | mode | transform.jit | host ms | wait for device ms | step ms | dispatches | submits |', '|---|---|---|---:|---:|---:|---:|---:|');
  for (const j of jit) md.push(`| ${j.workload} | ${j.mode} | ${j.variant} | ${num(j.hostMs)} | ${num(j.waitMs)} | ${num(j.stepMs)} | ${j.dispatches} | ${j.submits} |`);
}
md.push('', '| kernel | shape | median ms | rate | of the card |', '|---|---|---:|---:|---:|');
for (const k of all.filter((l) => l.kind === 'case' && l.type === 'micro')) {
  const rate = k.gflops !== undefined ? `${num(k.gflops)} GFLOP/s` : `${num(k.gbps)} GB/s`;
  md.push(`| ${k.kernel} | ${k.shape} | ${num(k.medianMs)} | ${rate} | ${k.gflops !== undefined ? pct(k.gflops, peak) : pct(k.gbps, bandwidth)} |`);
}
const failed = groups.filter((g) => g.error);
if (failed.length) md.push('', ...failed.map((g) => `- ${g.label}: ${g.error}`));
md.push('', 'Each row is timed with a device synchronisation per iteration (the queue\'s onSubmittedWorkDone): small', 'kernels include a submit\'s round trip; the large squares and the B = 1024 LIF shapes are sized so that it is small.');
console.log(md.join('\n'));
if (out) {
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, `${all.map((l) => JSON.stringify(l)).join('\n')}\n`);
  renameSync(tmp, out); // atomic: a reader never sees half a file
}
