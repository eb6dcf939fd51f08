#!/usr/bin/env node
/**
 * The `spikegrad` command. Each subcommand lives in cli/commands/<name>.ts and exports `register(program)`;
 * add it to COMMANDS below. Every command ends by shutting the backends down so the process exits promptly
 * (a live Dawn device can keep Node's event loop busy).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Command } from 'commander';
import { shutdown } from '../index.js';
import { register as bench } from './commands/bench.js';
import { register as devices } from './commands/devices.js';
import { version } from './version.js';
import * as compare from './commands/compare.js';
import { register as playground } from './commands/playground.js';
import * as surrogates from './commands/surrogates.js';
import * as train from './commands/train.js';

type Register = (program: Command) => void;

const COMMANDS: Register[] = [bench, compare.register, devices, playground, surrogates.register, train.register];

export async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('spikegrad')
    .description('Surrogate-gradient spiking networks on WebGPU and the CPU')
    .version(version)
    .showHelpAfterError();
  for (const register of COMMANDS) register(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    console.error(`spikegrad: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await shutdown();
  }
}

// `compare` runs its training runs on worker threads started on this same file.
compare.setWorkerEntry(import.meta.url);
if (!isMainThread && (workerData as { role?: string } | null)?.role === compare.COMPARE_WORKER) {
  void compare.serveCompareWorker(parentPort!);
} else {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
