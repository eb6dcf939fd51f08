#!/usr/bin/env node
/**
 * Runs the peers alone: `node dist/peers.js [--workloads seed,dense] [--peers tfjs-wasm,jaxjs-wasm] [--json]`.
 * (`spikegrad bench --peers` runs the same jobs beside spikegrad's own rows.)
 */
import { Command } from 'commander';
import { defaultPeers, isPythonPeer, PEERS, type PeerId, type PeerJob } from './job.js';
import { runPythonPeerJob } from './python.js';
import { getPeerWorkload, PEER_WORKLOADS } from './problem.js';
import { RNN_PEER_WORKLOAD } from './rnn.js';
import { peerJsonLine, peerTable } from './report.js';
import { runPeerJob, type PeerResult } from './run.js';

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

const program = new Command()
  .name('peers')
  .description('Times the seed and dense workloads in TF.js and jax-js, each peer in its own process')
  .option('--workloads <names>', `comma-separated (${[...Object.keys(PEER_WORKLOADS), RNN_PEER_WORKLOAD.name].join(', ')})`, 'seed,dense')
  .option('--peers <ids>', `comma-separated (${Object.keys(PEERS).join(', ')}), or 'all'; default: all on seed, the wasm ones on dense`)
  .option('--warmup <n>', 'untimed steps after the first', '2')
  .option('--min-iters <n>', 'timed steps at least', '3')
  .option('--max-iters <n>', 'timed steps at most', '30')
  .option('--budget <ms>', 'time budget of the timed steps per peer', '4000')
  .option('--no-check', 'skip the loss/gradient check against the float64 reference')
  .option('--seed <n>', 'seed of data and weights', '0')
  .option('--timeout <s>', 'kill a peer process after this many seconds', '300')
  .option('--json', 'print one JSON line per result instead of the table');

program.parse();
const o = program.opts<{
  workloads: string; peers?: string; warmup: string; minIters: string; maxIters: string; budget: string;
  check: boolean; seed: string; timeout: string; json?: boolean;
}>();

const results: PeerResult[] = [];
for (const name of list(o.workloads)) {
  let workload;
  try {
    workload = name === RNN_PEER_WORKLOAD.name ? RNN_PEER_WORKLOAD : getPeerWorkload(name);
  } catch (e) {
    console.error(`peers: ${(e as Error).message}`);
    process.exit(2);
  }
  const ids = o.peers === 'all' ? (Object.keys(PEERS) as PeerId[]) : o.peers ? (list(o.peers) as PeerId[]) : defaultPeers(name);
  for (const id of ids) {
    const spec = PEERS[id];
    if (!spec) {
      console.error(`peers: unknown peer '${id}' (known: ${Object.keys(PEERS).join(', ')})`);
      process.exit(2);
    }
    const job: PeerJob = {
      ...spec, workload, seed: Number(o.seed), warmup: Number(o.warmup), minIters: Number(o.minIters),
      maxIters: Number(o.maxIters), budgetMs: Number(o.budget), check: o.check,
    };
    if (!o.json) process.stderr.write(`${name} ${id} …\n`);
    const r = isPythonPeer(spec) ? await runPythonPeerJob(job, { timeoutMs: Number(o.timeout) * 1000 }) : await runPeerJob(job, { timeoutMs: Number(o.timeout) * 1000 });
    results.push(r);
    if (o.json) console.log(peerJsonLine(r));
  }
}
if (!o.json) console.log(peerTable(results));
process.exitCode = results.some((r) => r.error || (r.check && !r.check.ok)) ? 1 : 0;
