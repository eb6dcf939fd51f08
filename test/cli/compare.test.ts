/**
 * The compare plumbing with a small stand-in model built from engine ops (a rate-coded logistic readout of
 * Poisson input trained with Adam): seeds, NaN stops, summaries, the table, CSV, JSON and the chart files.
 * The real tutorial network is exercised in tutorial.test.ts.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { metric, optim } from '../../index.js';
import { MessageChannel } from 'node:worker_threads';
import { Command } from 'commander';
import { registerWith } from '../../cli/commands/compare.js';
import { serveRuns, workerExecutor, type WorkerLike } from '../../cli/workerPool.js';
import { chartSpec, formatTable, toCsv, toJson, writeOutputs } from '../../cli/compareReport.js';
import { compareSurrogates, resolveConfig, type CompareConfig, type SurrogateEntry, type Trainer } from '../../train/compare.js';
import { meanBand, summarizeCurve } from '../../train/summary.js';
import { parseSurrogateSpecs, resolveSurrogates } from '../../train/surrogateSpec.js';
import { CLASSES } from '../../surrogate/catalog.js';

/** Stand-in "surrogate": scales the loss; a NaN scale poisons training from a given epoch on. */
class Scale {
  constructor(readonly opts: { s?: number; nanFrom?: number } = {}) {}
  toString(): string { return `Scale(s=${this.opts.s ?? 1})`; }
}

function standIn(spk: unknown, c: CompareConfig): Trainer {
  const { s = 1, nanFrom = Infinity } = (spk as Scale).opts;
  const w = new sg.ParamState(sg.random.normal([c.nIn, c.nOut], 0, 0.1));
  const x = sg.keep(sg.random.rand([c.steps, c.batch, c.nIn]).lt(c.rateHz * c.dt * 1e-3).astype('float32'));
  const y = sg.keep(sg.random.rand([c.batch]).lt(0.5).astype('int32'));
  const rates = sg.keep(x.mean(0).mul(10));
  const opt = new optim.Adam({ lr: c.lr }).registerTrainableWeights({ w });
  let epoch = 0;
  const logits = () => sg.matmul(rates, w.value);
  return {
    step: () => sg.tidy(() => {
      epoch++;
      const scale = epoch >= nanFrom ? NaN : s;
      const [g, l] = sg.grad(() => metric.softmaxCrossEntropyWithIntegerLabels(logits(), y).mean().mul(scale), { w }, { returnValue: true })();
      opt.update(g);
      return l;
    }),
    accuracy: () => sg.tidy(() => metric.accuracy(logits(), y)),
    dispose: () => { sg.dispose([x, y, rates, w.value]); opt.dispose(); },
  };
}

const small = { epochs: 12, nIn: 40, nOut: 2, steps: 30, batch: 64, rateHz: 100, lr: 0.05, trainer: standIn };

describe('summaries', () => {
  it('first, last, min and the epoch reaching 95% of the drop', () => {
    // drop 0.45: target 1 − 0.4275 = 0.5725 → epoch 4 (0.52)
    expect(summarizeCurve([1, 0.8, 0.6, 0.52, 0.5, 0.55])).toEqual({ first: 1, last: 0.55, min: 0.5, epochsTo95: 4 });
    // drop 0.5: target 1 − 0.475 = 0.525 → epoch 5 (0.5)
    expect(summarizeCurve([1, 0.8, 0.6, 0.53, 0.5]).epochsTo95).toBe(5);
    expect(summarizeCurve([0.7, 0.8]).epochsTo95).toBeNull();
    // A run stopped on NaN: its minimum is the lowest loss it reached.
    expect(summarizeCurve([0.7, 0.6, NaN]).min).toBe(0.6);
    expect(summarizeCurve([NaN]).min).toBeNaN();
  });
  it('mean and min–max band over runs of different lengths', () => {
    expect(meanBand([[1, 2, 3], [3, 4]])).toEqual({ mean: [2, 3, 3], lo: [1, 2, 3], hi: [3, 4, 3], count: [2, 2, 1] });
  });
});

describe('compareSurrogates', () => {
  it('gives every surrogate the same seeds, hence the same first loss, and summarises each', async () => {
    const epochs: string[] = [];
    const r = await compareSurrogates({ ...small, seeds: 2, surrogates: { A: new Scale({ s: 1 }), B: new Scale({ s: 1 }) },
      hooks: { onEpoch: (label, k, e) => epochs.push(`${label}${k}:${e}`) } });
    expect(r.surrogates.map((s) => s.label)).toEqual(['A', 'B']);
    expect(r.surrogates[0]!.runs.map((x) => x.seed)).toEqual([2024, 2025]);
    expect(r.surrogates[0]!.runs[0]!.losses).toEqual(r.surrogates[1]!.runs[0]!.losses); // same seed, same everything
    expect(r.surrogates[0]!.runs[0]!.losses).not.toEqual(r.surrogates[0]!.runs[1]!.losses);
    expect(epochs).toHaveLength(2 * 2 * 12);
    const a = r.surrogates[0]!;
    expect(a.first).toBeCloseTo(a.curve.mean[0]!, 12);
    expect(a.last).toBeLessThan(a.first);
    expect(a.accuracy).toBeGreaterThan(0.5);
    expect(a.description).toBe('Scale(s=1)');
    expect(r.backend).toBe('cpu');
  });
  it('stops a run whose loss becomes NaN, naming the surrogate and epoch; the others go on', async () => {
    const stops: string[] = [];
    const r = await compareSurrogates({ ...small, surrogates: [{ label: 'Good', surrogate: new Scale() }, { label: 'Bad', surrogate: new Scale({ nanFrom: 5 }) }],
      hooks: { onStop: (_l, _k, m) => stops.push(m) } });
    expect(stops).toEqual(['Bad: the loss became NaN at epoch 5; this run stopped, the others go on']);
    const [good, bad] = r.surrogates;
    expect(good!.runs[0]!.losses).toHaveLength(12);
    expect(bad!.runs[0]!.losses).toHaveLength(5);
    expect(bad!.runs[0]!.stopped?.epoch).toBe(5);
    expect(bad!.accuracy).toBeNull();
    expect(formatTable(r)).toContain('! Bad: the loss became NaN at epoch 5');
  });
  it('validates its configuration before any work', async () => {
    expect(() => resolveConfig({ epochs: 0 })).toThrow("compareSurrogates: argument 'epochs' expected an integer >= 1, got number 0");
    expect(() => resolveConfig({ rateHz: 2000, dt: 1 })).toThrow(/spike probability <= 1/);
    expect(() => resolveConfig({ mode: 'fast' as never })).toThrow(/'mode' expected 'sequence' or 'step'/);
    await expect(compareSurrogates({ ...small, surrogates: {} })).rejects.toThrow(/'surrogates' expected a non-empty record/);
    expect(resolveConfig({})).toMatchObject({ epochs: 150, nIn: 100, nRec: 4, nOut: 2, steps: 200, batch: 256, rateHz: 5, lr: 3e-3, mode: 'sequence' });
  });
});

describe('surrogate lists', () => {
  class Sigmoid { constructor(readonly o: Record<string, number> = {}) {} }
  class Arctan { constructor(readonly o: Record<string, number> = {}) {} }
  const catalog = { Sigmoid, Arctan };
  it('parses names and per-surrogate parameters', () => {
    expect(parseSurrogateSpecs('ReluGrad, Sigmoid:alpha=8,PiecewiseLeakyRelu:c=0.05:w=0.5')).toEqual([
      { name: 'ReluGrad', params: {} }, { name: 'Sigmoid', params: { alpha: 8 } }, { name: 'PiecewiseLeakyRelu', params: { c: 0.05, w: 0.5 } },
    ]);
    expect(() => parseSurrogateSpecs('Sigmoid:alpha=x')).toThrow(/expected parameters as name=number \(e.g. alpha=8\), got 'alpha=x'/);
    expect(() => parseSurrogateSpecs('')).toThrow(/option '--surrogates' expected a comma-separated list/);
  });
  it('refuses prototype keys and repeated parameters instead of ignoring them', () => {
    // `params['__proto__'] = 1` on a plain object sets nothing: the option used to vanish without a word.
    expect(() => parseSurrogateSpecs('Sigmoid:__proto__=1')).toThrow("compare: option '--surrogates': in 'Sigmoid:__proto__=1', '__proto__' is not a parameter name");
    expect(() => parseSurrogateSpecs('Sigmoid:constructor=1')).toThrow("'constructor' is not a parameter name");
    expect(() => parseSurrogateSpecs('Sigmoid:alpha=1:alpha=2')).toThrow("compare: option '--surrogates': in 'Sigmoid:alpha=1:alpha=2', the parameter 'alpha' is given twice");
    const [spec] = parseSurrogateSpecs('Sigmoid:alpha=8');
    expect(Object.getPrototypeOf(spec!.params)).toBeNull();
    // An unknown ordinary name reaches the class, which lists its parameters.
    expect(() => resolveSurrogates(parseSurrogateSpecs('Sigmoid:beta=1'), CLASSES as never)).toThrow("Sigmoid: unknown option 'beta' (options: alpha)");
  });
  it('resolves names case-insensitively, labels non-default parameters, expands all', () => {
    const e = resolveSurrogates(parseSurrogateSpecs('sigmoid,Sigmoid:alpha=8'), catalog);
    expect(e.map((x) => x.label)).toEqual(['Sigmoid', 'Sigmoid(alpha=8)']);
    expect((e[1]!.surrogate as Sigmoid).o).toEqual({ alpha: 8 });
    expect(resolveSurrogates(parseSurrogateSpecs('all'), catalog).map((x) => x.label)).toEqual(['Sigmoid', 'Arctan']);
    expect(() => resolveSurrogates(parseSurrogateSpecs('Tanh'), catalog)).toThrow("compare: unknown surrogate 'Tanh'; expected one of Sigmoid, Arctan or 'all'");
  });
});

describe('the report', async () => {
  const r = await compareSurrogates({ ...small, seeds: 2, surrogates: { ReluGrad: new Scale(), 'Sigmoid(alpha=8)': new Scale({ s: 1.5 }) } });
  it('prints a table with one row per surrogate', () => {
    const t = formatTable(r);
    const lines = t.split('\n');
    expect(lines[0]).toBe('40→4→2 LIF network, T=30, batch 64, 100 Hz input, Adam lr=0.05, 12 epochs, 2 seeds from 2024, sequence mode, cpu backend (mean of 2 seeds)');
    expect(lines[2]).toMatch(/^surrogate\s+first loss\s+last loss\s+min loss\s+train acc\s+epochs to 95%\s+wall time$/);
    expect(lines[4]).toMatch(new RegExp(`^ReluGrad\\s+${r.surrogates[0]!.first.toFixed(4)}\\s+${r.surrogates[0]!.last.toFixed(4)}`));
    expect(lines[5]).toMatch(/^Sigmoid\(alpha=8\)\s/);
  });
  it('CSV has a row per surrogate, seed and epoch; JSON keeps NaN as a string', () => {
    const csv = toCsv(r).trim().split('\n');
    expect(csv[0]).toBe('surrogate,seed,epoch,loss');
    expect(csv).toHaveLength(1 + 2 * 2 * 12);
    expect(csv[1]).toBe(`ReluGrad,2024,1,${r.surrogates[0]!.runs[0]!.losses[0]}`);
    const parsed = JSON.parse(toJson({ ...r, surrogates: [{ ...r.surrogates[0]!, first: NaN }] }));
    expect(parsed.surrogates[0].first).toBe('NaN');
  });
  it('the chart has the required title, axes and one curve per surrogate with a band for several seeds', () => {
    const spec = chartSpec(r) as { title: { text: string }; layer: { mark: { type: string }; encoding: Record<string, { title?: string }> }[]; data: { values: { surrogate: string }[] } };
    expect(spec.title.text).toBe('Effect of the surrogate gradient');
    const line = spec.layer.find((l) => l.mark.type === 'line')!;
    expect(line.encoding.x!.title).toBe('Epoch');
    expect(line.encoding.y!.title).toBe('Training loss');
    expect(spec.layer.some((l) => l.mark.type === 'area')).toBe(true);
    expect(new Set(spec.data.values.map((v) => v.surrogate)).size).toBe(2);
  });
  it('writes the four files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spikegrad-compare-'));
    try {
      const files = await writeOutputs(r, dir);
      expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['loss-curves.svg', 'loss-curves.png', 'curves.json', 'curves.csv']);
      const svg = await readFile(files[0]!, 'utf8');
      for (const text of ['Effect of the surrogate gradient', 'Epoch', 'Training loss', 'ReluGrad', 'Sigmoid(alpha=8)']) expect(svg).toContain(text);
      const png = await readFile(files[1]!);
      expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
      expect(JSON.parse(await readFile(files[2]!, 'utf8')).surrogates).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** An in-process stand-in for a worker thread: a message channel whose far end runs `serveRuns`. */
function channelWorker(catalog: Record<string, never>, spawned: number[]): WorkerLike {
  const { port1, port2 } = new MessageChannel();
  void serveRuns(port2, catalog, standIn);
  spawned.push(1);
  return {
    postMessage: (m) => port1.postMessage(m),
    on: (ev: string, fn: (x: unknown) => void) => (ev === 'message' ? port1.on('message', fn) : port1),
    terminate: () => { port1.close(); port2.close(); },
  } as WorkerLike;
}

describe('runs on worker threads', () => {
  const catalog = { Scale: Scale as never };
  it('give the same results as one thread, in task order, with every epoch reported', async () => {
    const surrogates: SurrogateEntry[] = [{ label: 'a', surrogate: new Scale(), spec: { name: 'Scale', params: {} } },
      { label: 'b', surrogate: new Scale({ s: 2 }), spec: { name: 'Scale', params: { s: 2 } } }];
    const local = await compareSurrogates({ ...small, seeds: 2, surrogates });
    const spawned: number[] = [], epochs: string[] = [];
    const pooled = await compareSurrogates({ ...small, seeds: 2, surrogates, executor: workerExecutor(3, () => channelWorker(catalog, spawned)),
      hooks: { onEpoch: (l, k, e) => epochs.push(`${l}${k}${e}`) } });
    expect(spawned).toHaveLength(3);
    expect(pooled.surrogates.map((s) => s.runs.map((r) => r.losses))).toEqual(local.surrogates.map((s) => s.runs.map((r) => r.losses)));
    expect(pooled.surrogates.map((s) => s.accuracy)).toEqual(local.surrogates.map((s) => s.accuracy));
    expect(new Set(epochs).size).toBe(2 * 2 * 12);
  });
  it('reports a NaN stop from a worker and fails clearly on an unknown class or a missing spec', async () => {
    const stops: string[] = [];
    const r = await compareSurrogates({ ...small, surrogates: [{ label: 'bad', surrogate: null, spec: { name: 'Scale', params: { nanFrom: 3 } } }],
      executor: workerExecutor(2, () => channelWorker(catalog, [])), hooks: { onStop: (_l, _k, m) => stops.push(m) } });
    expect(stops).toEqual(['bad: the loss became NaN at epoch 3; this run stopped, the others go on']);
    expect(r.surrogates[0]!.runs[0]!.stopped?.epoch).toBe(3);
    await expect(compareSurrogates({ ...small, surrogates: [{ label: 'x', surrogate: null, spec: { name: 'Nope', params: {} } }],
      executor: workerExecutor(2, () => channelWorker(catalog, [])) })).rejects.toThrow("compare worker: unknown surrogate class 'Nope'");
    await expect(compareSurrogates({ ...small, surrogates: { x: new Scale() }, executor: workerExecutor(2, () => channelWorker(catalog, [])) }))
      .rejects.toThrow(/'x' has no class name and parameters, so it cannot run on a worker thread/);
  });
});

describe('the compare command (stand-in network)', () => {
  const catalog = { Scale: Scale as never, Other: Scale as never };
  async function cli(args: string[], workers?: number[], sink?: { out: string[]; err: string[] }, trainer = standIn): Promise<{ out: string[]; err: string[] }> {
    const { out, err } = sink ?? { out: [] as string[], err: [] as string[] };
    const program = new Command().exitOverride().configureOutput({ writeErr: (s) => err.push(s), writeOut: (s) => out.push(s) });
    registerWith(program, async () => ({
      catalog, trainer, out: (s) => out.push(s), err: (s) => err.push(s),
      ...(workers ? { spawnWorker: () => channelWorker(catalog, workers) } : {}),
    }));
    await program.parseAsync(['node', 'spikegrad', 'compare', ...args]);
    return { out, err };
  }
  it('parses every option, prints the table and writes the files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spikegrad-cli-'));
    try {
      const { out, err } = await cli(['--surrogates', 'Scale,Scale:s=2', '--epochs', '6', '--seeds', '2', '--seed', '7', '--backend', 'cpu',
        '--n-in', '30', '--n-out', '3', '--steps', '20', '--batch', '32', '--rate', '80', '--lr', '0.02', '--out', dir, '--no-progress']);
      const table = out.join('\n');
      expect(table).toContain('30→4→3 LIF network, T=20, batch 32, 80 Hz input, Adam lr=0.02, 6 epochs, 2 seeds from 7');
      expect(table).toMatch(/\nScale\s+\d\.\d{4}/);
      expect(table).toMatch(/\nScale\(s=2\)\s+\d\.\d{4}/);
      expect(err.filter((l) => /6 epochs, last loss/.test(l))).toHaveLength(4); // one line per run without a terminal
      const json = JSON.parse(await readFile(join(dir, 'curves.json'), 'utf8'));
      expect(json.config).toMatchObject({ epochs: 6, seeds: 2, seed: 7, nIn: 30, nOut: 3, steps: 20, batch: 32, rateHz: 80, lr: 0.02 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('--jobs spreads the runs over workers (one per run at most) and prints the same table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spikegrad-cli-'));
    try {
      const args = ['--surrogates', 'Scale,Other', '--epochs', '4', '--steps', '10', '--batch', '16', '--n-in', '12', '--out', dir, '--no-progress'];
      const one = await cli([...args, '--jobs', '1'], []);
      const workers: number[] = [];
      const many = await cli([...args, '--jobs', '5', '--force'], workers); // the same --out again
      expect(workers).toHaveLength(2);
      expect(many.err).toContain('spikegrad: 2 runs on 2 worker threads');
      const rows = (o: string[]) => o.join('\n').split('\n').filter((l) => /^(Scale|Other) /.test(l)).map((l) => l.replace(/\S+ s$/, ''));
      expect(rows(many.out)).toEqual(rows(one.out));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('--json prints the result as JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spikegrad-cli-'));
    try {
      const { out } = await cli(['--surrogates', 'other', '--epochs', '2', '--steps', '10', '--batch', '8', '--n-in', '10', '--out', dir, '--json', '--no-progress']);
      expect(out).toHaveLength(1); // the JSON alone: no "Wrote …" line after it
      expect(JSON.parse(out.join('')).surrogates[0].label).toBe('Other');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  const quick = ['--surrogates', 'Scale', '--epochs', '3', '--steps', '10', '--batch', '8', '--n-in', '10', '--no-progress'];
  /** A stand-in trainer that records that training started. */
  const counting = (started: string[]) => (spk: unknown, c: CompareConfig) => (started.push('run'), standIn(spk, c));

  it('checks --out before training: a file, an unwritable path, a path under a file, /proc (which used to spin)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spikegrad-cli-'));
    try {
      const file = join(dir, 'a-file');
      await writeFile(file, 'mine');
      const started: string[] = [];
      const attempt = (out: string) => cli([...quick, '--out', out], [], undefined, counting(started));
      await expect(attempt(file)).rejects.toThrow(`compare: option '--out' expected a folder to write the results to, got '${file}': it is a file, not a folder`);
      await expect(attempt(join(file, 'sub'))).rejects.toThrow(/got '.*a-file\/sub': a part of the path is a file, not a folder \(ENOTDIR\)/);
      if (process.platform === 'linux') {
        const t0 = performance.now();
        await expect(attempt('/proc/spikegrad-x/y')).rejects.toThrow(/got '\/proc\/spikegrad-x\/y': creating it failed: no such file or folder \(ENOENT\)/);
        expect(performance.now() - t0).toBeLessThan(5000);
        await expect(attempt('/proc/self')).rejects.toThrow(/got '\/proc\/self': it is not writable: operation not permitted \(EPERM\)/);
        // --save makes its folder the same way (Node's recursive mkdir spun there too).
        const t1 = performance.now();
        await expect(cli([...quick, '--out', join(dir, 'out'), '--save', '/proc/spikegrad-x/y'], [], undefined, counting(started)))
          .rejects.toThrow(/--save: cannot create the folder '\/proc\/spikegrad-x\/y': ENOENT/);
        expect(performance.now() - t1).toBeLessThan(5000);
      }
      expect(started).toEqual([]); // no run started
      expect(await readFile(file, 'utf8')).toBe('mine');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 20_000);

  it('creates a missing --out with its parents, and refuses an earlier run\'s results without --force', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spikegrad-cli-'));
    try {
      const out = join(dir, 'a', 'b');
      await cli([...quick, '--out', out]);
      const first = await readFile(join(out, 'curves.csv'), 'utf8');
      const started: string[] = [];
      await expect(cli([...quick, '--seed', '9', '--out', out], [], undefined, counting(started))).rejects.toThrow(
        `compare: option '--out': '${out}' already holds the results of an earlier run (loss-curves.svg, loss-curves.png, curves.json, curves.csv); pass --force to overwrite them, or choose another folder with --out`);
      expect(started).toEqual([]);
      expect(await readFile(join(out, 'curves.csv'), 'utf8')).toBe(first);
      await cli([...quick, '--seed', '9', '--out', out, '--force']);
      const second = await readFile(join(out, 'curves.csv'), 'utf8');
      expect(second).not.toBe(first);
      expect(JSON.parse(await readFile(join(out, 'curves.json'), 'utf8')).config.seed).toBe(9);
      // No temporaries are left beside the results.
      expect((await readdir(out)).sort()).toEqual(['curves.csv', 'curves.json', 'loss-curves.png', 'loss-curves.svg']);
      // A folder where a result file goes is refused before training, even with --force.
      await rm(join(out, 'curves.csv'));
      await mkdir(join(out, 'curves.csv'));
      await expect(cli([...quick, '--out', out, '--force'])).rejects.toThrow(/'.*curves\.csv', where a result file goes, is not a file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('prints the results even when the files cannot be written, and says which file failed and why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spikegrad-cli-'));
    try {
      const out = join(dir, 'out');
      // The folder is fine when checked, then replaced by a file during training.
      const sabotage = (spk: unknown, c: CompareConfig) => {
        rmSync(out, { recursive: true, force: true });
        writeFileSync(out, 'not a folder any more');
        return standIn(spk, c);
      };
      const sink = { out: [] as string[], err: [] as string[] };
      await expect(cli([...quick, '--out', out], [], sink, sabotage)).rejects.toThrow(
        /^compare: the results are printed above, but the files were not written: writing '.*out\/(loss-curves\.(svg|png)|curves\.(json|csv))' failed: a part of the path is a file, not a folder \(ENOTDIR\)$/);
      expect(sink.out.join('\n')).toMatch(/\nScale\s+\d\.\d{4}\s+\d\.\d{4}/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--steps 1e9 says how large the input would be and what the limit is (not "Invalid typed array length")', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spikegrad-cli-'));
    try {
      await expect(cli(['--surrogates', 'Scale', '--steps', '1e9', '--batch', '8', '--n-in', '10', '--out', dir, '--no-progress'])).rejects.toThrow(
        'random.uniform: a float32 tensor [1000000000, 8, 10] needs 320,000,000,000 bytes (298.0 GiB), more than the cpu backend allows for one tensor (4,294,967,296 bytes (4.0 GiB), backend.maxTensorBytes)');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad options with a clear message', async () => {
    await expect(cli(['--epochs', '0'])).rejects.toThrow(/--epochs expects an integer >= 1, got '0'/);
    await expect(cli(['--mode', 'fast'])).rejects.toThrow(/--mode.*Allowed choices are sequence, step/);
    await expect(cli(['--surrogates', 'Nope'])).rejects.toThrow(/unknown surrogate 'Nope'; expected one of Scale, Other or 'all'/);
  });
});

describe('every cell of the table and the CSV, on scripted non-monotone curves', () => {
  // Exact binary fractions, so that the float32 losses the trainer returns equal these numbers.
  const SCRIPT: Record<string, { curves: number[][]; acc: number[] }> = {
    // Falls, bounces, dips below where it ends: min ≠ last, and the 95% epoch is not the last one.
    Dip: { curves: [[1, 0.75, 0.8125, 0.5, 0.375, 0.5625, 0.5], [0.875, 0.875, 0.625, 0.5625, 0.4375, 0.5, 0.5625]], acc: [0.625, 0.75] },
    // Ends above where it started: no 95% epoch.
    Rise: { curves: [[0.5, 0.4375, 0.625, 0.5625, 0.75, 0.625, 0.6875], [0.5, 0.5, 0.5625, 0.625, 0.625, 0.6875, 0.75]], acc: [0.5, 0.5] },
    // Seed 2 stops on NaN at epoch 3 (its curve ends with the NaN): the mean is NaN there and seed 1's alone
    // after; the minimum is over finite values; the accuracy is seed 1's only.
    Stop: { curves: [[0.75, 0.625, 0.5, 0.53125, 0.25, 0.375, 0.3125], [0.75, 0.5, NaN]], acc: [0.875, 0] },
    // Exactly at the 95% target at epoch 4: 1.25 − 0.95·(1.25 − 0) = 0.0625 in float64 ("at or below").
    Tie: { curves: [[1.25, 1, 0.5, 0.0625, 0.125, 0.03125, 0], [1.25, 1, 0.5, 0.0625, 0.125, 0.03125, 0]], acc: [1, 1] },
  };
  const built: Record<string, number> = {};
  function scripted(spk: unknown): Trainer {
    const s = spk as { name: string };
    const k = (built[s.name] = (built[s.name] ?? -1) + 1) % 2; // the runs of a surrogate are built in seed order
    const curve = SCRIPT[s.name]!.curves[k]!;
    let e = 0;
    return {
      step: () => sg.scalar(curve[e++]!),
      accuracy: () => sg.scalar(SCRIPT[s.name]!.acc[k]!),
      dispose: () => {},
    };
  }

  /** The expected summary, computed here from the script with plain loops (not the library's summary code). */
  function expected(name: string) {
    const runs = SCRIPT[name]!.curves;
    const mean: number[] = [];
    for (let e = 0; e < 7; e++) {
      let s = 0, n = 0;
      for (const r of runs) if (e < r.length) { s += r[e]!; n++; }
      mean.push(s / n);
    }
    let min = Infinity;
    for (const v of mean) if (Number.isFinite(v) && v < min) min = v;
    const first = mean[0]!, last = mean[6]!;
    let to95: number | null = null;
    if (last < first) for (let e = 0; e < 7 && to95 === null; e++) if (mean[e]! <= first - 0.95 * (first - last)) to95 = e + 1;
    const finished = runs.map((r, k) => (r.every(Number.isFinite) ? SCRIPT[name]!.acc[k]! : null)).filter((a) => a !== null);
    const acc = finished.length ? finished.reduce((a, b) => a + b, 0) / finished.length : null;
    return { mean, first, last, min, to95, acc };
  }

  it('the expected values themselves (worked by hand for Dip)', () => {
    const d = expected('Dip');
    // mean: 0.9375 0.8125 0.71875 0.53125 0.40625 0.53125 0.53125; 95% of the drop 0.40625 → target 0.55
    expect(d.mean).toEqual([0.9375, 0.8125, 0.71875, 0.53125, 0.40625, 0.53125, 0.53125]);
    expect([d.min, d.to95, d.acc]).toEqual([0.40625, 4, 0.6875]);
    expect(expected('Rise').to95).toBeNull();
    expect(expected('Stop').mean.slice(2)).toEqual([NaN, 0.53125, 0.25, 0.375, 0.3125]);
    expect([expected('Stop').min, expected('Stop').to95, expected('Stop').acc]).toEqual([0.25, 5, 0.875]);
    expect(1.25 - 0.95 * (1.25 - 0)).toBe(0.0625);
    expect(expected('Tie').to95).toBe(4); // target 0.75 − 0.95·0.4375 = 0.334375: epoch 5 (0.25)
  });

  it('table: every cell of every row', async () => {
    const r = await compareSurrogates({ surrogates: Object.keys(SCRIPT).map((name) => ({ label: name, surrogate: { name } })), trainer: scripted, epochs: 7, seeds: 2, seed: 100 });
    const lines = formatTable(r).split('\n');
    const header = lines[2]!.split(/\s{2,}/);
    expect(header).toEqual(['surrogate', 'first loss', 'last loss', 'min loss', 'train acc', 'epochs to 95%', 'wall time']);
    const rows = lines.slice(4, 8).map((l) => l.split(/\s{2,}/));
    expect(lines[8]).toBe('');
    Object.keys(SCRIPT).forEach((name, i) => {
      const e = expected(name);
      const s = r.surrogates[i]!;
      expect(rows[i]).toEqual([
        name, e.first.toFixed(4), e.last.toFixed(4), e.min.toFixed(4), e.acc === null ? '—' : `${(100 * e.acc).toFixed(1)}%`,
        e.to95 === null ? '—' : String(e.to95), `${((s.runs[0]!.wallMs + s.runs[1]!.wallMs) / 1000).toFixed(2)} s`,
      ]);
    });
    expect(rows.map((c) => c[1])).toEqual(['0.9375', '0.5000', '0.7500', '1.2500']);
    expect(rows.map((c) => c[3])).toEqual(['0.4063', '0.4688', '0.2500', '0.0000']); // toFixed(4) of 0.40625 and 0.46875 (ties go up)
    expect(rows.map((c) => c[4])).toEqual(['68.8%', '50.0%', '87.5%', '100.0%']);
    expect(rows.map((c) => c[5])).toEqual(['4', '—', '5', '4']);
    expect(lines).toContain('  ! Stop (seed 101): the loss became NaN at epoch 3; this run stopped, the others go on');
  });

  it('CSV: one row per surrogate, seed and epoch, with the loss of that epoch', async () => {
    const r = await compareSurrogates({ surrogates: Object.keys(SCRIPT).map((name) => ({ label: name, surrogate: { name } })), trainer: scripted, epochs: 7, seeds: 2, seed: 100 });
    const want = ['surrogate,seed,epoch,loss'];
    for (const [name, { curves }] of Object.entries(SCRIPT)) curves.forEach((c, k) => c.forEach((l, e) => want.push(`${name},${100 + k},${e + 1},${l}`)));
    expect(toCsv(r).trimEnd().split('\n')).toEqual(want);
    expect(want).toHaveLength(1 + 7 + 7 + 7 + 7 + 7 + 3 + 7 + 7);
  });
});
