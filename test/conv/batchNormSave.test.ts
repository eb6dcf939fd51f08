/**
 * nn.BatchNorm2d's running statistics travel with the parameters: in `stateDict()` and `loadStateDict`, in the
 * safetensors files of io.save / io.load (read back with the raw decoder), in checkpoints and through JSON; a
 * model saved while training and loaded into a fresh one gives, in evaluation mode, the same outputs bit for bit.
 * The failures these catch: running statistics left out of a file (a loaded model would normalise with 0 and 1),
 * or loaded into the wrong layer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { decodeSafetensors } from '../../io/safetensors.js';
import { rng, uniformArray } from '../support/helpers.js';

const { nn, io, ParamState } = sg;
const dir = mkdtempSync(join(tmpdir(), 'sg-bn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** conv → batch norm → max pool → conv (no bias) → batch norm without affine: two layers of running statistics. */
function makeNet(seed: number): sg.nn.Sequential {
  sg.random.seed(seed);
  return new nn.Sequential(
    new nn.Conv2d(2, 3, 3, { padding: 1 }), new nn.BatchNorm2d(3, { momentum: 0.3 }), new nn.MaxPool2d(2),
    new nn.Conv2d(3, 4, 2, { bInit: null }), new nn.BatchNorm2d(4, { affine: false }),
  );
}

const RUNNING = ['1.runningMean', '1.runningVar', '4.runningMean', '4.runningVar'];
const x = (seed: number) => sg.tensor(uniformArray(5 * 2 * 6 * 6, -1, 2, rng(seed)), [5, 2, 6, 6], 'float32');

/** A network whose running statistics have moved away from 0 and 1: three batches in training mode. */
function trained(): sg.nn.Sequential {
  const net = makeNet(1);
  for (const s of [11, 12, 13]) net.update(x(s));
  return net;
}

async function evalOutput(net: sg.nn.Sequential): Promise<Float32Array> {
  nn.setTraining(net, false);
  const y = (await net.update(x(99)).data()) as Float32Array;
  nn.setTraining(net, true);
  return y;
}

describe('nn.BatchNorm2d running statistics are saved and loaded', () => {
  it('stateDict holds them beside the parameters, with their values; loadStateDict writes them', async () => {
    const net = trained();
    const dict = await net.stateDict();
    expect(Object.keys(dict)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.runningMean', '1.runningVar', '3.weight', '4.runningMean', '4.runningVar']);
    const bn = net.modules()['1'] as sg.nn.BatchNorm2d;
    expect(Array.from(dict['1.runningVar']!.data)).toEqual(Array.from(bn.runningVar.value.dataSync()));
    expect(Array.from(dict['1.runningMean']!.data).some((v) => v !== 0)).toBe(true);
    // Through JSON into a fresh network: every value, running statistics included.
    const fresh = makeNet(2);
    fresh.loadStateDict(JSON.parse(JSON.stringify(dict)));
    expect(await evalOutput(fresh)).toEqual(await evalOutput(net));
    // The parameters alone, as before, on request.
    expect(Object.keys(await net.stateDict(ParamState))).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '3.weight']);
  });

  it('io.save writes them to the safetensors file; io.load into a fresh network gives the same evaluation outputs', async () => {
    const net = trained();
    const path = join(dir, 'bn.safetensors');
    await io.save(net, path);
    const { tensors } = decodeSafetensors(new Uint8Array(await readFile(path)), { where: 'test', source: path });
    for (const name of RUNNING) {
      const [layer, stat] = name.split('.') as [string, 'runningMean' | 'runningVar'];
      const want = (net.modules()[layer] as sg.nn.BatchNorm2d)[stat].value.dataSync();
      expect(tensors[name]?.dtype, name).toBe('F32');
      expect(Array.from(tensors[name]!.data), name).toEqual(Array.from(want));
    }
    const fresh = makeNet(2);
    const before = await evalOutput(fresh);
    const res = await io.load(fresh, path);
    expect(res.loaded).toEqual(expect.arrayContaining(RUNNING));
    const after = await evalOutput(fresh);
    const want = await evalOutput(net);
    expect(after).toEqual(want);
    expect(before).not.toEqual(want); // the fresh network's own statistics (0 and 1) would normalise differently
  });

  it('a file of the parameters alone is refused by default, naming the missing statistics; strict: false loads the rest', async () => {
    const net = trained();
    const bytes = await io.toBytes(net, { states: ParamState });
    const fresh = makeNet(2);
    await expect(io.load(fresh, bytes)).rejects.toThrow("the file has no tensor for '1.runningMean' (float32 [3])");
    const res = await io.load(fresh, bytes, { strict: false });
    expect(res.missing).toEqual(RUNNING);
    expect(Array.from((fresh.modules()['1'] as sg.nn.BatchNorm2d).runningVar.value.dataSync())).toEqual([1, 1, 1]);
  });

  it('a checkpoint holds them: a run resumed from it evaluates as the one that saved it', async () => {
    const net = trained();
    const path = join(dir, 'bn.ckpt.safetensors');
    await io.saveCheckpoint(path, { net, epoch: 3 });
    const fresh = makeNet(2);
    const { epoch } = await io.loadCheckpoint(path, { net: fresh });
    expect(epoch).toBe(3);
    expect(await evalOutput(fresh)).toEqual(await evalOutput(net));
  });
});
