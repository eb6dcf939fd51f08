/**
 * Training checkpoints: what the file holds (read with the raw decoder), a resumed run in a fresh process
 * continuing bit for bit, a checkpoint's weights loading as weights, and every mismatch refused with the
 * network, the optimizer and the generator left as they were.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../../io/safetensors.js';
import { RUN_CONFIG, makeRun, snapshot } from '../support/resumeRun.js';

const { io, random, optim, ParamState } = sg;
const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sg-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function trained(epochs: number) {
  const run = makeRun();
  const losses: number[] = [];
  for (let e = 0; e < epochs; e++) losses.push(await run.trainEpoch());
  return { run, losses };
}

function runChild(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += String(d); });
    p.stderr.on('data', (d: Buffer) => { stderr += String(d); });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('checkpoints', () => {
  it('10 epochs straight = 5 epochs, save, a fresh process, load, 5 epochs (bit for bit, CPU backend)', async () => {
    await sg.setBackend('cpu', { verbose: false });
    const straight = await trained(10);
    const want = await snapshot(straight.run, straight.losses.slice(5));

    const first = await trained(5);
    const path = join(dir, 'run.ckpt.safetensors');
    await io.saveCheckpoint(path, { net: first.run.net, optimizer: first.run.optimizer, epoch: 5, config: RUN_CONFIG });

    const child = join(root, 'out/test/io/resumeChild.mjs');
    await build({
      entryPoints: [join(root, 'test/support/fixtures/resumeChild.ts')], outfile: child, bundle: true, platform: 'node', format: 'esm',
      target: 'node20', packages: 'external', loader: { '.wgsl': 'text' }, logLevel: 'warning',
    });
    const { code, stdout, stderr } = await runChild(child, [path]);
    expect(code, `child stderr: ${stderr}`).toBe(0);
    const got = JSON.parse(stdout.trim().split('\n').at(-1)!) as typeof want & { epoch: number };
    expect(got.epoch).toBe(5);
    expect(got.losses).toEqual(want.losses);
    expect(got.params).toEqual(want.params);
    expect(got.slots).toEqual(want.slots);
    expect(got.stepCount).toBe(10);
    expect(got.generator).toEqual(want.generator);
    // The run did move: the resumed epochs are not the first ones again.
    expect(got.losses).not.toEqual((await snapshot(first.run, first.losses)).losses);
  }, 60_000);

  it('holds the model, the optimizer\'s slots and step count, the generator, the epoch and the configuration', async () => {
    const { run } = await trained(3);
    const gen = random.getState();
    const bytes = await io.checkpointToBytes({ net: run.net, optimizer: run.optimizer, epoch: 3, config: { ...RUN_CONFIG, note: 'x' }, metadata: { who: 'test' } });
    const { tensors, metadata } = decodeSafetensors(bytes, { where: 't', source: 'c' });
    const paths = Object.keys(run.net.states(ParamState));
    expect(Object.keys(tensors)).toEqual([
      ...paths.map((p) => `model.${p}`),
      ...paths.flatMap((p) => [`optimizer.${p}.mu`, `optimizer.${p}.nu`]),
      'generator.state',
    ]);
    expect(Array.from(tensors['generator.state']!.data)).toEqual(gen);
    expect(tensors['generator.state']!.dtype).toBe('U32');
    expect(Array.from(tensors['optimizer.r2o.bias.nu']!.data)).toEqual(Array.from(await run.optimizer.slots('r2o.bias')[1]!.data()));
    expect(metadata).toMatchObject({
      'spikegrad.format': 'checkpoint', 'spikegrad.epoch': '3', 'spikegrad.generator': 'xoshiro128**', who: 'test',
      'spikegrad.model': String(run.net),
    });
    expect(JSON.parse(metadata['spikegrad.config']!)).toEqual({ ...RUN_CONFIG, note: 'x' });
    expect(JSON.parse(metadata['spikegrad.optimizer']!)).toEqual({ kind: 'AdamW', stepCount: 3, slotNames: ['mu', 'nu'], schedule: 'cosineLR(lr=0.03, steps=10, minLr=0)' });

    // Restored in this process into a fresh run: the same parameters, slots, step count and generator.
    const fresh = makeRun();
    random.seed(999);
    const info = await io.loadCheckpoint(bytes, { net: fresh.net, optimizer: fresh.optimizer });
    expect(info).toMatchObject({ epoch: 3, config: { ...RUN_CONFIG, note: 'x' }, stepCount: 3 });
    expect(await snapshot(fresh, [])).toEqual(await snapshot(run, []));
    expect(random.getState()).toEqual(gen);

    // And its model part loads as a weights file.
    const other = makeRun();
    await io.load(other.net, bytes);
    expect((await snapshot(other, [])).params).toEqual((await snapshot(run, [])).params);
  });

  it('saves and restores without an optimizer or a generator when told', async () => {
    const { run } = await trained(1);
    const bytes = await io.checkpointToBytes({ net: run.net, generator: null });
    expect(Object.keys(decodeSafetensors(bytes, { where: 't', source: 'c' }).tensors).every((n) => n.startsWith('model.'))).toBe(true);
    const fresh = makeRun();
    const info = await io.loadCheckpoint(bytes, { net: fresh.net, optimizer: null });
    expect(info).toMatchObject({ epoch: null, config: undefined, stepCount: null });
    expect((await snapshot(fresh, [])).params).toEqual((await snapshot(run, [])).params);
    await expect(io.loadCheckpoint(bytes, { net: fresh.net, optimizer: fresh.optimizer })).rejects.toThrow(/the checkpoint holds no optimizer state \(it was saved without an optimizer\); pass \{ optimizer: null \}/);
    await expect(io.loadCheckpoint(bytes, { net: fresh.net, generator: new random.Generator() })).rejects.toThrow(/the checkpoint holds no generator state; pass \{ generator: null \}/);
  });
});

describe('named generators (a data loader\'s or an encoder\'s)', () => {
  it('are saved as generator.<name>.state and restored into the generators given', async () => {
    const r = makeRun();
    const encoder = new random.Generator(5);
    random.rand([9], { generator: encoder });
    const bytes = await io.checkpointToBytes({ net: r.net, generators: { encoder } });
    expect(Array.from(decodeSafetensors(bytes, { where: 't', source: 'c' }).tensors['generator.encoder.state']!.data)).toEqual(encoder.getState());
    const next = Array.from(random.rand([4], { generator: encoder }).dataSync());

    const other = new random.Generator(77);
    await io.loadCheckpoint(bytes, { net: makeRun().net, generators: { encoder: other } });
    expect(Array.from(random.rand([4], { generator: other }).dataSync())).toEqual(next);

    const fresh = new random.Generator(1);
    await expect(io.loadCheckpoint(bytes, { net: makeRun().net })).rejects.toThrow(/the checkpoint holds the state of the generator 'encoder'; pass \{ generators: \{ encoder \} \} to restore it/);
    await expect(io.loadCheckpoint(bytes, { net: makeRun().net, generators: { encoder: fresh, loader: fresh } })).rejects.toThrow(/the checkpoint holds no state for the generator 'loader' \(it has 'encoder'\)/);
    expect(fresh.getState()).toEqual(new random.Generator(1).getState());
    await expect(io.checkpointToBytes({ net: r.net, generators: { 'a.b': encoder } })).rejects.toThrow(/argument 'generators' has the name 'a.b'; expected letters, digits, '_' or '-'/);
    await expect(io.checkpointToBytes({ net: r.net, generators: { a: {} as sg.random.Generator } })).rejects.toThrow(/argument 'generators' maps 'a' to Object; expected a random.Generator/);
  });
});

describe('a checkpoint that does not fit is refused whole', () => {
  /** A fresh run's complete state, to compare before and after a refused load. */
  const stateOf = async (run: ReturnType<typeof makeRun>) => ({ ...(await snapshot(run, [])), generator: random.getState() });

  it.each([
    ['a weights file', async () => io.toBytes(makeRun().net), {},
      /io.loadCheckpoint: the given bytes: not a spikegrad checkpoint \(its metadata has spikegrad.format 'weights'\); to load weights use io.load/],
    ['an optimizer of another kind', async () => { const r = makeRun(); const sgd = new optim.SGD({ momentum: 0.9 }).registerTrainableWeights(r.net.states(ParamState)); return io.checkpointToBytes({ net: r.net, optimizer: sgd }); }, {},
      /io.loadCheckpoint: the given bytes: the state was saved by SGD; this optimizer is AdamW/],
    ['no optimizer to restore into', async () => { const r = makeRun(); return io.checkpointToBytes({ net: r.net, optimizer: r.optimizer }); }, { optimizer: undefined },
      /the checkpoint holds the state of an optimizer \(AdamW, step 0\); pass \{ optimizer \} to restore it, or \{ optimizer: null \} to leave it out/],
    ['another network', async () => { const c = { ...RUN_CONFIG, nRec: 5 }; const r = makeRun(c); return io.checkpointToBytes({ net: r.net, optimizer: r.optimizer }); }, {},
      /tensor 'model.i2r.0.weight' \(for 'i2r.0.weight'\) is F32 \[12, 5\]; the module's 'i2r.0.weight' is float32 \[12, 6\]/],
  ] as [string, () => Promise<Uint8Array>, Partial<sg.io.RestoreTargets>, RegExp][])('%s', async (_what, make, into, message) => {
    const bytes = await make();
    const target = makeRun();
    await target.trainEpoch();
    const before = await stateOf(target);
    const err = await io.loadCheckpoint(bytes, { net: target.net, optimizer: target.optimizer, ...into }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(sg.SpikegradError);
    expect((err as Error).message).toMatch(message);
    expect(await stateOf(target)).toEqual(before);
  });

  it('names a damaged part: a stray slot, a bad generator state, bad metadata', async () => {
    const r = makeRun();
    const good = decodeSafetensors(await io.checkpointToBytes({ net: r.net, optimizer: r.optimizer, epoch: 1 }), { where: 't', source: 'c' });
    const edit = (tensors: Record<string, SafeTensor>, meta: Record<string, string>) => encodeSafetensors(tensors, { ...good.metadata, ...meta });
    const target = makeRun();
    const before = await stateOf(target);
    const cases: [Uint8Array, RegExp][] = [
      [edit({ ...good.tensors, 'optimizer.o.x.mu': { dtype: 'F32', shape: [1], data: new Float32Array(1) } }, {}), /the optimizer slots 'optimizer.o.x.mu' belong to no parameter the optimizer trains/],
      [edit({ ...good.tensors, 'generator.state': { dtype: 'U32', shape: [4], data: new Uint32Array(4) } }, {}), /'generator.state' is not a valid generator state \(got \[0, 0, 0, 0\]\)/],
      [edit({ ...good.tensors, 'generator.state': { dtype: 'I32', shape: [4], data: new Int32Array(4) } }, {}), /'generator.state' is I32 \[4\]; expected U32 \[4\]/],
      [edit(good.tensors, { 'spikegrad.epoch': 'five' }), /the metadata 'spikegrad.epoch' is 'five', not a non-negative integer/],
      [edit(good.tensors, { 'spikegrad.config': '{nope' }), /the metadata 'spikegrad.config' is not JSON/],
      [edit(good.tensors, { 'spikegrad.optimizer': '{"kind":"AdamW","stepCount":-3,"slotNames":["mu","nu"]}' }), /the step count expected a non-negative integer, got number -3/],
      [edit({ ...good.tensors, extra: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }, {}), /the tensor 'extra' is not part of a checkpoint \(model.\*, optimizer.\*, generator.\*state\); pass \{ strict: false \} to ignore it/],
    ];
    for (const [bytes, message] of cases) {
      await expect(io.loadCheckpoint(bytes, { net: target.net, optimizer: target.optimizer }, { name: 'c.safetensors' })).rejects.toThrow(message);
    }
    expect(await stateOf(target)).toEqual(before);
  });

  it('rejects what it cannot save', async () => {
    const r = makeRun();
    await expect(io.checkpointToBytes({ net: r.net, epoch: -1 })).rejects.toThrow(/io.checkpointToBytes: argument 'epoch' expected a non-negative integer, got number -1/);
    await expect(io.checkpointToBytes({ net: r.net, config: { n: 1n } })).rejects.toThrow(/io.checkpointToBytes: argument 'config' cannot be written as JSON/);
    await expect(io.checkpointToBytes({ net: r.net, optimizer: {} as sg.optim.Optimizer })).rejects.toThrow(/argument 'optimizer' expected an optim optimizer, got Object/);
    await expect(io.saveCheckpoint(join(dir, 'missing-dir', 'c.safetensors'), { net: r.net })).rejects.toThrow(/io.saveCheckpoint: cannot write/);
  });
});
