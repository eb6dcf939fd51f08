/**
 * The CPU backend's WebAssembly arena as an allocator (kernels/cpu/wasmArena.ts): arrays that no tensor owns
 * do not use it up, training steps give back every byte they take, released blocks are merged and reused for
 * other lengths once the arena is full, and shutdown starts it over.
 */
import { describe, expect, it } from 'vitest';
import * as sg from '../../index.js';
import { addressOf, arenaFreeBytes, arenaMemory, arenaRelease, arenaReset, arenaStats, arenaTake } from '../../kernels/cpu/wasmArena.js';

describe.runIf(arenaMemory() !== null)('the WebAssembly arena of the CPU backend', () => {
  // First, before any tensor exists: the allocator alone, from an empty arena.
  it('reuses exact sizes; once full, merges free neighbours, splits the best fit, moves the bump pointer back', () => {
    arenaReset();
    const a = arenaTake(1000, false)!, b = arenaTake(1000, false)!, c = arenaTake(1000, false)!;
    expect([addressOf(b) - addressOf(a), addressOf(c) - addressOf(a)]).toEqual([4000, 8000]);
    arenaRelease(b);
    expect(arenaStats()).toMatchObject({ usedBytes: 12000, freeBytes: 4000 });
    const b2 = arenaTake(1000, false)!; // the same size: b's block
    expect(addressOf(b2)).toBe(addressOf(b));
    // Use up the rest of the arena (untouched pages: address space only).
    const size = arenaStats().size;
    const fill = arenaTake((size - 16 * 1024 * 1024 - 12000) / 4, false)!;
    expect(arenaTake(4, false)).toBeUndefined(); // full, and nothing free
    arenaRelease(a);
    arenaRelease(b2);
    arenaRelease(c);
    const d = arenaTake(2500, true)!; // a, b and c merge into 12 000 bytes; the best fit is split
    expect(addressOf(d)).toBe(addressOf(a));
    expect(d.every((v) => v === 0)).toBe(true); // memory handed out before is zeroed when asked
    expect(arenaFreeBytes()).toBe(2000);
    arenaRelease(fill);
    arenaRelease(d);
    expect(arenaTake(1 << 20, false)).toBeDefined(); // exact fit none, bump free again: no compaction needed
    arenaReset();
    expect(arenaStats()).toMatchObject({ usedBytes: 0, freeBytes: 0 });
    // The full arena again, with everything free: compaction gives the bump pointer all of it back.
    const all = arenaTake((size - 16 * 1024 * 1024) / 4, false)!;
    arenaRelease(all);
    expect(arenaTake((size - 16 * 1024 * 1024) / 4 - 4, false)).toBeDefined();
    arenaReset();
  });

  it('uploads, random draws and arange use no arena space beyond the tensors they make', async () => {
    await sg.setBackend('cpu');
    const step = () => {
      sg.tensor(new Float32Array(1 << 18)).dispose();
      sg.tensor(Array.from({ length: 5000 }, (_, i) => i)).dispose();
      sg.random.rand([1 << 18]).dispose();
      sg.random.randn([300, 700]).dispose();
      sg.arange(4096, 'float32').dispose();
    };
    step();
    const used = arenaStats().usedBytes;
    for (let i = 0; i < 30; i++) step();
    expect(arenaStats().usedBytes).toBe(used);
  });

  it('tensors over changing sequence lengths stay in the arena after it fills up', async () => {
    await sg.setBackend('cpu');
    const storage = (t: sg.Tensor) => (t.dataId as { data: Float32Array }).data;
    let outside = 0;
    for (let T = 50; T < 200; T += 1) { // ~6–26 MB per step, ~2.4 GB in all: the 1 GiB arena fills within the loop
      const x = sg.random.rand([T, 64, 128]);
      const y = sg.tidy(() => x.mul(2).add(1).exp());
      if (addressOf(storage(y)) < 0) outside++;
      sg.dispose([x, y]);
    }
    expect(outside).toBe(0);
  });

  it('a training step, in both modes, gives back every arena byte it took', async () => {
    await sg.setBackend('cpu');
    const live = () => arenaStats().usedBytes - arenaStats().freeBytes;
    const net = new sg.nn.Sequential(new sg.nn.Linear(100, 8), new sg.nn.Expon(8, { tau: 5 }),
      new sg.nn.LIF(8, { tau: 20, spkFun: new sg.surrogate.Arctan() }), new sg.nn.Linear(8, 2), new sg.nn.Expon(2, { tau: 10 }));
    const opt = new sg.optim.Adam({ lr: 3e-3 });
    opt.registerTrainableWeights(net.states(sg.ParamState));
    const x = sg.random.rand([50, 32, 100]).lt(0.05).astype('float32');
    const y = sg.random.rand([32]).lt(0.5).astype('int32');
    const step = (mode: 'run' | 'step') => sg.tidy(() => {
      sg.nn.initAllStates(net, { batchSize: 32 });
      const [g, loss] = sg.grad(() => sg.metric.softmaxCrossEntropyWithIntegerLabels(
        (mode === 'run' ? net.run(x) : sg.transform.forLoop(net.update, x)).mean(0), y).mean(), net.states(sg.ParamState), { returnValue: true })();
      opt.update(g);
      return loss;
    });
    step('run').dispose();
    step('step').dispose();
    const before = live();
    for (const mode of ['run', 'step', 'run'] as const) step(mode).dispose();
    expect(live()).toBe(before);
  });

  it('shutdown starts the arena over, and a new CPU backend reports nothing allocated', async () => {
    await sg.setBackend('cpu');
    sg.random.rand([1000, 100]).mul(2).dispose();
    await sg.shutdown();
    expect(arenaStats()).toMatchObject({ usedBytes: 0, freeBytes: 0 });
    const be = await sg.setBackend('cpu');
    expect(be.memory()).toMatchObject({ bytesInUse: 0, bytesAllocated: 0 });
    const t = sg.random.rand([1000, 100]);
    expect(arenaStats().usedBytes).toBeGreaterThan(0);
    t.dispose();
  });
});
