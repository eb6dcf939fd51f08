/**
 * The playground's training worker: trains the tutorial network (train/tutorial.ts, exactly what
 * `spikegrad compare` trains) once per chosen surrogate, one epoch of each in turn so that every loss curve
 * grows together, on WebGPU when the browser has it (else the CPU backend), and classifies the drawing
 * pad's digits with the network trained in Node (digits.safetensors). All work happens here, so the page
 * stays responsive while it trains.
 */
import { environ, io, nn, random, setBackend, spikegen, tensor, tidy, noGrad, softmax, type Backend } from '../../../index.js';
import { CLASSES } from '../../../surrogate/catalog.js';
import { resolveConfig, type Trainer } from '../../../train/compare.js';
import { DigitsSNN } from '../../../train/digits.js';
import { tutorialTrainer } from '../../../train/tutorial.js';
import * as u from '../../../units/index.js';
import type { ClassifyRequest, FromWorker, ToWorker, TrainRequest } from './protocol.js';

const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);
let stopRequested = false;
let backend: Backend | null = null;
let backendChoice = '';

async function useBackend(choice: TrainRequest['backend']): Promise<void> {
  if (backend && backendChoice === choice) return;
  backend = await setBackend(choice, { verbose: false });
  backendChoice = choice;
  post({ type: 'backend', name: backend.name, description: backend.description });
}

async function train(req: TrainRequest): Promise<void> {
  stopRequested = false;
  await useBackend(req.backend);
  const config = resolveConfig({ epochs: req.epochs, seed: req.seed, nRec: req.nRec, batch: req.batch, steps: req.steps, lr: req.lr });
  const t0 = performance.now();
  await environ.context({ dt: u.ms(config.dt) }, async () => {
    // Each run from the same seed, as compare's first seed: the same weights and data as in Node.
    const runs: { trainer: Trainer; t: number }[] = req.surrogates.map((s) => {
      const cls = (CLASSES as Record<string, new (p: Record<string, number>) => unknown>)[s.name];
      if (!cls) throw new Error(`unknown surrogate '${s.name}'`);
      random.seed(config.seed);
      return { trainer: tutorialTrainer(new cls(s.params), config), t: 0 };
    });
    const snapshot = async (epoch: number) => {
      for (const [index, r] of runs.entries()) {
        const h = await r.trainer.hidden!();
        post({ type: 'snapshot', index, epoch, spikes: h.spikes, membrane: h.membrane });
      }
    };
    try {
      await snapshot(0);
      for (let e = 1; e <= config.epochs && !stopRequested; e++) {
        for (const [index, r] of runs.entries()) {
          const t = performance.now();
          const l = r.trainer.step();
          const loss = await l.item();
          l.dispose();
          r.t += performance.now() - t;
          post({ type: 'epoch', index, epoch: e, loss });
        }
        if (e % req.snapshotEvery === 0 || e === config.epochs) await snapshot(e);
        // Let a 'stop' message in between epochs.
        await new Promise((res) => setTimeout(res, 0));
      }
      for (const [index, r] of runs.entries()) {
        const a = r.trainer.accuracy();
        post({ type: 'done', index, accuracy: await a.item(), epochs: config.epochs, ms: r.t });
        a.dispose();
      }
    } finally {
      for (const r of runs) r.trainer.dispose();
    }
  });
  post({ type: 'finished', stopped: stopRequested, ms: performance.now() - t0 });
}

let digits: { net: DigitsSNN; steps: number; hidden: number; testAccuracy: number | null } | null = null;

async function classify(req: ClassifyRequest): Promise<void> {
  if (!backend) await useBackend('auto');
  if (!digits) {
    const response = await fetch(req.weightsUrl);
    if (!response.ok) throw new Error(`${req.weightsUrl}: ${response.status} ${response.statusText}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const { metadata } = await io.read(bytes, { name: req.weightsUrl });
    const c = JSON.parse(metadata['digits.config'] ?? '{}') as { hidden: number; steps: number; beta: number };
    random.seed(0);
    const net = new DigitsSNN(784, c.hidden, 10, { beta: c.beta, readout: true });
    await io.load(net, bytes, { name: req.weightsUrl });
    digits = { net, steps: c.steps, hidden: c.hidden, testAccuracy: metadata['digits.testAccuracy'] ? Number(metadata['digits.testAccuracy']) : null };
  }
  const { net, steps } = digits;
  await environ.context({ dt: u.ms(1) }, async () => {
    const rec = nn.record(net, { lif1: {} });
    const probs = tidy(() => noGrad(() => {
      nn.initAllStates(net, { batchSize: 1 });
      const x = spikegen.rate(tensor(req.pixels, [1, 784]), { numSteps: steps });
      return softmax(net.run(x).mean(0), -1);
    }));
    const p = Array.from(await probs.data());
    probs.dispose();
    const tr = (await rec.read()).lif1!;
    rec.dispose();
    const predicted = p.indexOf(Math.max(...p));
    post({ type: 'classified', probabilities: p, predicted, spikes: { data: Array.from(tr.data), shape: [...tr.shape] as [number, number, number] }, testAccuracy: digits!.testAccuracy, hidden: digits!.hidden });
  });
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === 'stop') { stopRequested = true; return; }
  const job = m.type === 'train' ? train(m) : classify(m);
  job.catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? `${e.message}` : String(e) }));
};
