/**
 * The peers' correctness check, done once: a passed check is remembered per framework version, backend,
 * workload and seed in out/bench/peer-checks.json (out/ is ignored by git), and `spikegrad bench --peers`
 * skips the check on a later run, which saves 3–10 s per peer process. A failed check is never cached.
 * `--recheck` ignores the cache; a new framework version, workload or CHECK_VERSION misses it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CheckResult } from './check.js';
import type { PeerFramework, PeerJob } from './job.js';
import { packageRoot } from './run.js';

/** Bump when the peers' models or the check change, so that old verdicts no longer count. */
export const CHECK_VERSION = 1;

const PACKAGES: Partial<Record<PeerFramework, string>> = { tfjs: '@tensorflow/tfjs', jaxjs: '@jax-js/jax' };

/** The installed version of a peer framework, or undefined when it is not installed. */
export function frameworkVersion(framework: PeerFramework, root = packageRoot()): string | undefined {
  const pkg = PACKAGES[framework];
  if (!pkg) return undefined; // the Python peers: checked on every run (their check takes a second)
  try {
    const pj = join(root, 'node_modules', pkg, 'package.json');
    return (JSON.parse(readFileSync(pj, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

export function checkKey(job: PeerJob, version: string): string {
  return JSON.stringify([CHECK_VERSION, job.framework, version, job.backend, job.workload, job.seed]);
}

export class CheckCache {
  readonly file: string;
  #entries: Record<string, CheckResult>;

  constructor(file = join(packageRoot(), 'out', 'bench', 'peer-checks.json')) {
    this.file = file;
    try {
      this.#entries = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, CheckResult>) : {};
    } catch {
      this.#entries = {}; // a damaged cache is only a cache
    }
  }

  get(job: PeerJob, version: string | undefined): CheckResult | undefined {
    return version === undefined ? undefined : this.#entries[checkKey(job, version)];
  }

  /** Remembers a passed check (a failed one is never cached: it must show up again). */
  set(job: PeerJob, version: string, check: CheckResult): void {
    if (!check.ok) return;
    this.#entries[checkKey(job, version)] = check;
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify(this.#entries, null, 1));
  }
}
