/**
 * The convolutional SNN of `spikegrad train digits --model csnn` and examples/csnn.ts: snnTorch's tutorial 7
 * network, 12C5-MP2-64C5-MP2-FC10, on the 28×28 digits:
 *   [T, B, 784] → 1×28×28 → Conv 5×5 (c1) → MaxPool 2 → LIF → Conv 5×5 (c2) → MaxPool 2 → LIF
 *   → Linear (c2·4·4 → 10) → LIF (count losses), or a leaky readout of the c2·4·4 spikes (membrane losses).
 * Every layer runs in sequence mode: a convolution over all T·B images at once (time folded into the batch),
 * a fused LIF kernel over the whole sequence. The channel counts c1, c2 default to snnTorch's 12 and 64.
 */
import { reshape } from '../engine/api.js';
import type { Tensor } from '../engine/tensor.js';
import * as nn from '../nn/index.js';
import { atan } from '../surrogate/aliases.js';
import * as u from '../units/index.js';

export interface CsnnOptions {
  /** snnTorch's β of the LIF layers (τ = −dt/ln β, R = 1/(1 − β)). */
  beta: number;
  /** A leaky readout (membrane losses) instead of a Linear + LIF output layer (count losses). */
  readout: boolean;
  /** Channels of the two convolutions (default [12, 64], snnTorch's tutorial 7). */
  channels?: readonly [number, number];
}

export class DigitsCSNN extends nn.Module {
  readonly net: nn.Sequential;
  readonly side: number;

  /** `side`: the image is side×side pixels, one channel (28 for the digits). */
  constructor(side: number, classes: number, opts: CsnnOptions) {
    super();
    const [c1, c2] = opts.channels ?? [12, 64];
    const tau = -1 / Math.log(opts.beta); // ms, at dt = 1 ms
    const lif = (n: number) => new nn.LIF(n, { tau: u.ms(tau), R: u.ohm(1 / (1 - opts.beta)), VTh: u.mV(1), VReset: u.mV(0), spkFun: atan(), detachReset: true });
    const s1 = Math.floor((side - 4) / 2), s2 = Math.floor((s1 - 4) / 2);
    const flat = c2 * s2 * s2;
    this.side = side;
    this.net = new nn.Sequential(
      new nn.Conv2d(1, c1, 5), new nn.MaxPool2d(2), new nn.Flatten(), lif(c1 * s1 * s1), new nn.Unflatten([c1, s1, s1]),
      new nn.Conv2d(c1, c2, 5), new nn.MaxPool2d(2), new nn.Flatten(), lif(flat),
      ...(opts.readout
        ? [new nn.LeakyRateReadout(flat, classes, { tau: u.ms(tau) })]
        : [new nn.Linear(flat, classes), lif(classes)]),
    );
  }

  /** x [B, side·side] → this step's output [B, classes]. */
  update(x: Tensor): Tensor {
    return this.net.update(reshape(x, [x.shape[0]!, 1, this.side, this.side]));
  }

  /** xs [T, B, side·side] → output sequence [T, B, classes] (spikes, or the readout's membrane). */
  override run(xs: Tensor): Tensor {
    return this.net.run(reshape(xs, [xs.shape[0]!, xs.shape[1]!, 1, this.side, this.side]));
  }
}
