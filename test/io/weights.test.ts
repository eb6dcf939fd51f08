/**
 * Saving and loading a network's weights: files (Node) and bytes, Blobs, Files and Responses; the states a
 * file names and what it holds, read back independently with the raw decoder; name maps and PyTorch's
 * transposed layout; strictness; every mismatch leaving the module as it was; state dicts through JSON;
 * writes that never leave a broken file (a failed rename, a killed process).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import * as u from '../../units/index.js';
import { decodeSafetensors } from '../../io/safetensors.js';
import { describeWebGpu } from '../support/webgpu.js';

const { nn, init, io, random, ParamState, HiddenState, State, surrogate } = sg;
const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sg-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The tutorial's layout: i2r (Linear, Expon), r (LIF), r2o (Linear), o (Expon). */
class SNN extends nn.Module {
  i2r: sg.nn.Sequential; r: sg.nn.LIF; r2o: sg.nn.Linear; o: sg.nn.Expon;
  constructor(nIn = 6, nRec = 4, nOut = 2) {
    super();
    this.i2r = new nn.Sequential(new nn.Linear(nIn, nRec, { wInit: new init.KaimingNormal({ unit: u.mA }), bInit: new init.Normal({ std: 0.1 }) }), new nn.Expon(nRec, { tau: u.ms(5) }));
    this.r = new nn.LIF(nRec, { tau: u.ms(20), spkFun: new surrogate.Arctan() });
    this.r2o = new nn.Linear(nRec, nOut, { bInit: new init.Normal({ std: 0.1 }) });
    this.o = new nn.Expon(nOut, { tau: u.ms(10) });
  }
  update(x: sg.Tensor) { return this.o.update(this.r2o.update(this.r.update(this.i2r.update(x)))); }
}

function netWithSeed(seed: number): SNN {
  random.seed(seed);
  return new SNN();
}

async function params(net: sg.nn.Module): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [p, s] of Object.entries(net.states(ParamState))) out[p] = Array.from(await s.value.data());
  return out;
}

/** Bit patterns, so that -0 and NaN payloads compare exactly. */
async function bits(net: sg.nn.Module): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [p, s] of Object.entries(net.states(ParamState))) {
    const d = await s.value.data();
    out[p] = Array.from(new Uint32Array(d.buffer, d.byteOffset, d.byteLength / 4));
  }
  return out;
}

describe('weights to a file and back', () => {
  it('saves every parameter under its path and loads them into another network bit for bit', async () => {
    const a = netWithSeed(1), b = netWithSeed(2);
    const path = join(dir, 'a.safetensors');
    await io.save(a, path);
    // What the file holds, read with the decoder alone: the paths, shapes and values of the parameters.
    const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(path)), { where: 't', source: 'a' });
    expect(Object.keys(tensors)).toEqual(['i2r.0.weight', 'i2r.0.bias', 'r2o.weight', 'r2o.bias']);
    expect(tensors['i2r.0.weight']!.shape).toEqual([6, 4]);
    expect(Array.from(tensors['r2o.bias']!.data)).toEqual((await params(a))['r2o.bias']);
    expect(metadata['spikegrad.version']).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    expect(metadata['spikegrad.format']).toBe('weights');
    expect(metadata['spikegrad.model']).toBe(String(a));
    expect(metadata['spikegrad.model']).toMatch(/^SNN\(\n {2}\(i2r\): Sequential/);

    expect(await bits(b)).not.toEqual(await bits(a));
    const r = await io.load(b, path);
    expect(r.loaded).toEqual(['i2r.0.weight', 'i2r.0.bias', 'r2o.weight', 'r2o.bias']);
    expect(r.missing).toEqual([]);
    expect(r.metadata['spikegrad.format']).toBe('weights');
    expect(await bits(b)).toEqual(await bits(a));
  });

  it('takes the bytes as a Uint8Array, an ArrayBuffer, a view into a larger buffer, a Blob, a File or a Response', async () => {
    const a = netWithSeed(3);
    const want = await bits(a);
    const bytes = await io.toBytes(a);
    const padded = new Uint8Array(bytes.length + 16);
    padded.set(bytes, 16);
    const blob = await io.toBlob(a);
    expect(blob.type).toBe('application/octet-stream');
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(bytes);
    const sources: sg.io.Source[] = [bytes, bytes.slice().buffer, padded.subarray(16), blob, new File([bytes], 'net.safetensors'), new Response(bytes)];
    for (const src of sources) {
      const b = netWithSeed(4);
      await io.load(b, src);
      expect(await bits(b)).toEqual(want);
    }
  });

  it('saves and loads any record of States, in every dtype', async () => {
    const make = (k: number) => ({
      w: new ParamState(sg.tensor([1.5 * k, -0, Number.NaN, Infinity], [2, 2], 'float64')),
      n: new State(sg.tensor([k, -(2 ** 31), 2 ** 31 - 1], [3], 'int32')),
      m: new State(sg.tensor([k % 2 === 1, true, false], [3], 'bool')),
    });
    const a = make(1), b = make(2);
    const bytes = await io.toBytes(a);
    const { tensors } = decodeSafetensors(bytes, { where: 't', source: 'x' });
    expect(Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.dtype]))).toEqual({ w: 'F64', n: 'I32', m: 'BOOL' });
    await io.load(b, bytes);
    for (const k of ['w', 'n', 'm'] as const) expect(Array.from(await b[k].value.data())).toEqual(Array.from(await a[k].value.data()));
    expect(Object.is((await b.w.value.data())[1], -0)).toBe(true);
  });

  it('saves the hidden states too when asked (after initAllStates)', async () => {
    const a = netWithSeed(5);
    nn.initAllStates(a, { batchSize: 3 });
    a.r.V.value = sg.full([3, 4], 0.25);
    const path = join(dir, 'hidden.safetensors');
    await io.save(a, path, { states: HiddenState });
    expect(Object.keys((await io.read(path)).tensors)).toEqual(['i2r.1.g', 'r.V', 'o.g']);
    const b = netWithSeed(6);
    nn.initAllStates(b, { batchSize: 3 });
    await io.load(b, path, { states: HiddenState });
    expect(Array.from(await b.r.V.value.data())).toEqual(new Array(12).fill(0.25));
    await expect(io.save(netWithSeed(7), path, { states: HiddenState })).rejects.toThrow(/io.save: the states 'i2r.1.g', 'r.V', 'o.g' have no value yet \(hidden states: call nn.initAllStates first/);
  });

  it('writes the given metadata and refuses keys of its own namespace', async () => {
    const a = netWithSeed(8);
    const { metadata } = await io.read(await io.toBytes(a, { metadata: { description: 'trained on nothing', epochs: '0' } }));
    expect(metadata).toMatchObject({ description: 'trained on nothing', epochs: '0', 'spikegrad.format': 'weights' });
    await expect(io.toBytes(a, { metadata: { 'spikegrad.version': '9' } })).rejects.toThrow(/metadata keys starting with 'spikegrad.' are spikegrad's own \('spikegrad.version'\)/);
    await expect(io.toBytes(a, { metadata: { n: 1 as unknown as string } })).rejects.toThrow(/metadata 'n' expected a string/);
  });

  it('names the file in errors about the file system', async () => {
    await expect(io.load(netWithSeed(1), join(dir, 'nope.safetensors'))).rejects.toThrow(/io.load: cannot read '.*nope.safetensors': no such file/);
    await expect(io.load(netWithSeed(1), dir)).rejects.toThrow(/io.load: cannot read '.*': it is a directory/);
    await expect(io.save(netWithSeed(1), join(dir, 'no-dir', 'x.safetensors'))).rejects.toThrow(/io.save: cannot write '.*no-dir\/x.safetensors': no such file \(does the directory '.*no-dir' exist\?\); nothing was changed there/);
    await expect(io.load(netWithSeed(1), 42 as unknown as string)).rejects.toThrow(/io.load: argument 'source' expected a file path, an ArrayBuffer, a Uint8Array, a Blob or File, or a fetch Response, got number 42/);
    await expect(io.load(netWithSeed(1), new Response('x', { status: 404, statusText: 'Not Found' }))).rejects.toThrow(/io.load: 'the response': the server answered 404 Not Found/);
  });
});

describe('names and layouts', () => {
  it('saves under other names, with 2-D weights transposed to PyTorch\'s [out, in]', async () => {
    const a = netWithSeed(9);
    const bytes = await io.toBytes(a, { names: { 'i2r.0.weight': 'fc1.weight', 'i2r.0.bias': 'fc1.bias', 'r2o.weight': 'fc2.weight', 'r2o.bias': 'fc2.bias' }, transpose: true });
    const { tensors } = decodeSafetensors(bytes, { where: 't', source: 'x' });
    expect(Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]))).toEqual({ 'fc1.weight': [4, 6], 'fc1.bias': [4], 'fc2.weight': [2, 4], 'fc2.bias': [2] });
    const w = (await params(a))['i2r.0.weight']!; // [6, 4] row-major: w[i][j] = w[4i + j]
    const t = tensors['fc1.weight']!.data; // [4, 6]: t[j][i] = t[6j + i]
    for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) expect(t[6 * j + i]).toBe(w[4 * i + j]);

    // Back, with the inverse map as a function and transposition by path.
    const b = netWithSeed(10);
    await io.load(b, bytes, { names: (n) => n.replace('fc1', 'i2r.0').replace('fc2', 'r2o'), transpose: ['i2r.0.weight', 'r2o.weight'] });
    expect(await bits(b)).toEqual(await bits(a));
  });

  it('skips the tensors a name map sends to null, and loads a part with strict: false', async () => {
    const a = netWithSeed(11);
    const bytes = await io.toBytes(a);
    const b = netWithSeed(12);
    const before = await params(b);
    const r = await io.load(b, bytes, { names: { 'r2o.weight': null, 'r2o.bias': null }, strict: false });
    expect(r).toMatchObject({ loaded: ['i2r.0.weight', 'i2r.0.bias'], missing: ['r2o.weight', 'r2o.bias'], unexpected: [] });
    const after = await params(b);
    expect(after['i2r.0.weight']).toEqual((await params(a))['i2r.0.weight']);
    expect(after['r2o.weight']).toEqual(before['r2o.weight']);

    const extra = await io.toBytes({ ...a.states(ParamState), 'extra.thing': new State(sg.zeros([2])) });
    const c = netWithSeed(13);
    expect((await io.load(c, extra, { strict: false })).unexpected).toEqual(['extra.thing']);
    expect(await bits(c)).toEqual(await bits(a));
  });
});

describe('a file that does not fit the module is rejected whole, naming the file and the mismatch', () => {
  const cases: [string, () => Promise<Uint8Array>, sg.io.LoadOptions, RegExp][] = [
    ['a missing parameter', async () => { const s = netWithSeed(20).states(ParamState); delete (s as Record<string, unknown>)['r2o.bias']; return io.toBytes(s); }, {},
      /io.load: the given bytes: the file has no tensor for 'r2o.bias' \(float32 \[2\]\); its tensors are 'i2r.0.weight', 'i2r.0.bias', 'r2o.weight' \(pass \{ names \}/],
    ['an extra tensor', async () => io.toBytes({ ...netWithSeed(21).states(ParamState), 'o.w': new State(sg.zeros([1])) }), {},
      /the file's tensor 'o.w' matches no state of the module \(which has 'i2r.0.weight', 'i2r.0.bias', 'r2o.weight', 'r2o.bias'\); pass \{ strict: false \} to ignore it/],
    ['a wrong shape', async () => { random.seed(22); return io.toBytes(new SNN(6, 5, 2)); }, {},
      /tensor 'i2r.0.weight' is F32 \[6, 5\]; the module's 'i2r.0.weight' is float32 \[6, 4\]/],
    ['a transposed weight', async () => io.toBytes(netWithSeed(23), { transpose: ['r2o.weight'] }), {},
      /tensor 'r2o.weight' is F32 \[2, 4\]; the module's 'r2o.weight' is float32 \[4, 2\] \(a PyTorch \[out, in\] weight\? pass \{ transpose: true \}/],
    ['a wrong dtype', async () => { const s = netWithSeed(24).states(ParamState); return io.toBytes({ ...s, 'r2o.bias': new State(sg.zeros([2], 'float64')) }); }, {},
      /tensor 'r2o.bias' is F64 \[2\]; the module's 'r2o.bias' is float32 \[2\]/],
    ['two names mapped to one path', async () => io.toBytes(netWithSeed(25)), { names: { 'r2o.bias': 'i2r.0.bias' } },
      /the tensors 'i2r.0.bias' and 'r2o.bias' both map to 'i2r.0.bias'/],
    ['nothing matching, even with strict: false', async () => io.toBytes({ x: new State(sg.zeros([2])) }), { strict: false },
      /none of the file's tensors \('x'\) matches a state of the module/],
    ['a damaged file', async () => (await io.toBytes(netWithSeed(26))).subarray(0, 100), {},
      /io.load: the given bytes: the header length is \d+ bytes, larger than the 92 bytes that follow it: the file is truncated/],
  ];
  it.each(cases)('%s', async (_what, makeFile, opts, message) => {
    const net = netWithSeed(27);
    const before = await bits(net);
    const err = await io.load(net, await makeFile(), opts).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(io.SafetensorsError);
    expect((err as Error).message).toMatch(message);
    expect(await bits(net)).toEqual(before);
  });

  it('names the file by its path, or by the name given for bytes', async () => {
    const path = join(dir, 'broken.safetensors');
    writeFileSync(path, Buffer.from('{"not": "safetensors"}'));
    await expect(io.load(netWithSeed(1), path)).rejects.toThrow(/^io.load: '.*broken.safetensors': the header length is \d+ bytes, more than the 100 MB limit/);
    await expect(io.load(netWithSeed(1), new Uint8Array(3), { name: 'upload #2' })).rejects.toThrow(/^io.load: upload #2: the file has 3 bytes/);
    await expect(io.load(netWithSeed(1), new File([new Uint8Array(3)], 'w.safetensors'))).rejects.toThrow(/^io.load: the file 'w.safetensors': the file has 3 bytes/);
  });

  it('rejects options it cannot follow before reading anything', async () => {
    const net = netWithSeed(28);
    await expect(io.load(net, 'unused', { transpose: ['r2o.weigth'] })).rejects.toThrow(/io.load: argument 'transpose' names 'r2o.weigth', which is not among the module's states \('i2r.0.weight', 'i2r.0.bias', 'r2o.weight', 'r2o.bias'\)/);
    await expect(io.load(net, 'unused', { names: { a: 3 as unknown as string } })).rejects.toThrow(/io.load: argument 'names' maps 'a' to number 3; expected a state path or null/);
    await expect(io.load({ w: 1 } as unknown as sg.io.Target, 'unused')).rejects.toThrow(/io.load: argument 'net' expected an nn.Module or a record of States by name, got Object/);
    await expect(io.toBytes(net, { transpose: ['i2r.0.bias'] })).rejects.toThrow(/io.toBytes: argument 'transpose' names 'i2r.0.bias', which is \[4\]; only 2-D tensors are transposed/);
    await expect(io.toBytes(net, { names: { 'r2o.bias': 'r2o.weight' } })).rejects.toThrow(/io.toBytes: argument 'names' gives 'r2o.weight' and 'r2o.bias' the same name 'r2o.weight'/);
  });
});

describe('state dicts through JSON', () => {
  it('JSON.stringify of a state dict parses back into the same bits, NaN and infinities included', async () => {
    const a = netWithSeed(30), b = netWithSeed(31);
    a.r2o.bias!.value = sg.tensor([Number.NaN, -Infinity], [2]);
    const text = JSON.stringify(await a.stateDict());
    expect(JSON.parse(text)['r2o.bias']).toEqual({ shape: [2], dtype: 'float32', data: ['NaN', '-Infinity'] });
    b.loadStateDict(JSON.parse(text));
    expect(await bits(b)).toEqual(await bits(a));
  });

  it('says what went wrong when the values are not an array', async () => {
    const net = netWithSeed(32);
    const dict = await net.stateDict();
    const broken = { ...dict, 'r2o.bias': { shape: [2], dtype: 'float32', data: { 0: 1, 1: 2 } } };
    expect(() => net.loadStateDict(broken as unknown as sg.nn.StateDictInput)).toThrow(/loadStateDict: entry 'r2o.bias' data expected a typed array or an array of 2 numbers, got Object \(a typed array passed through JSON.stringify loses its length/);
    expect(() => net.loadStateDict({ ...dict, 'r2o.bias': { shape: [2], data: [1, 'x' as unknown as number] } })).toThrow(/loadStateDict: entry 'r2o.bias' data\[1\] expected a number \(or "NaN", "Infinity", "-Infinity"\), got string 'x'/);
    expect(() => net.loadStateDict({ ...dict, 'r2o.bias': { shape: [2], dtype: 'float64', data: [1, 2] } })).toThrow(/loadStateDict: entry 'r2o.bias' has dtype float64, the parameter is float32 \[2\]/);
  });
});

describeWebGpu('weights on WebGPU', (gpu) => {
  it('loads a file saved from the CPU into a network on WebGPU, and saves it back unchanged', async () => {
    const a = netWithSeed(40);
    const bytes = await io.toBytes(a);
    const b = await sg.withBackend(gpu, () => netWithSeed(41));
    expect(b.r2o.weight.value.backend).toBe(gpu);
    await io.load(b, bytes);
    expect(b.r2o.weight.value.backend).toBe(gpu);
    expect(await bits(b)).toEqual(await bits(a));
    expect(await io.toBytes(b)).toEqual(bytes);
  });
});

describe('atomic writes', () => {
  it('a save that fails leaves what was at the path, and no temporary file', async () => {
    const target = join(dir, 'atomic');
    mkdirSync(join(target, 'occupied'), { recursive: true }); // a non-empty directory: the rename onto it fails
    await expect(io.save(netWithSeed(1), target)).rejects.toThrow(/io.save: cannot write '.*atomic': .*; nothing was changed there/);
    expect(readdirSync(target)).toEqual(['occupied']);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a process killed while saving over a good file leaves a complete file: the old one or the new one', async () => {
    // The child saves two different 8 MB files over the same path, turn by turn, until it is killed.
    const child = join(root, 'out/test/io/saveLoopChild.mjs');
    await build({
      entryPoints: [join(root, 'test/support/fixtures/saveLoopChild.ts')], outfile: child, bundle: true, platform: 'node', format: 'esm',
      target: 'node20', packages: 'external', loader: { '.wgsl': 'text' }, logLevel: 'warning',
    });
    const path = join(dir, 'killed.safetensors');
    const expected = new Set<string>();
    for (const delay of [3, 29, 71]) {
      const p = spawn(process.execPath, [child, path], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      p.stdout.on('data', (d: Buffer) => { out += String(d); });
      p.stderr.on('data', (d: Buffer) => { err += String(d); });
      // Wait until the first save is complete (the child says so), then kill it during a later one.
      await new Promise<void>((resolve, reject) => {
        const t = setInterval(() => { if (out.includes('saved')) { clearInterval(t); resolve(); } }, 2);
        p.once('exit', (code) => { clearInterval(t); reject(new Error(`child exited early (${code}): ${err}`)); });
      });
      await new Promise((r) => setTimeout(r, delay));
      p.kill('SIGKILL');
      await new Promise((r) => p.once('exit', r));
      const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(path)), { where: 't', source: path });
      const first = tensors['0.weight']!.data[0]!;
      expect([1, 2]).toContain(first); // one of the two networks, complete (decode checks the size)
      expect(tensors['0.weight']!.data.every((v) => v === first)).toBe(true);
      expected.add(String(first));
      for (const f of readdirSync(dir).filter((n) => n.startsWith('.killed.safetensors.') && n.endsWith('.tmp'))) rmSync(join(dir, f));
    }
    expect(existsSync(path)).toBe(true);
  }, 60_000);
});
