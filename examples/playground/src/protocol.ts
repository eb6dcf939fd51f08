/** Messages between the playground page (main.ts) and its training worker (worker.ts). */

export interface SurrogateChoice {
  /** Class name in the catalog ('Sigmoid'). */
  name: string;
  params: Record<string, number>;
  /** Shown in the legend ('Sigmoid(alpha=8)'). */
  label: string;
}

export interface TrainRequest {
  type: 'train';
  surrogates: SurrogateChoice[];
  backend: 'auto' | 'cpu' | 'webgpu';
  nRec: number;
  batch: number;
  steps: number;
  lr: number;
  epochs: number;
  seed: number;
  /** A raster and membrane snapshot every this many epochs (and before training). */
  snapshotEvery: number;
}

export interface ClassifyRequest {
  type: 'classify';
  /** 28 × 28 pixels in [0, 1], row-major. */
  pixels: Float32Array;
  /** The weights file, relative to the page. */
  weightsUrl: string;
}

export type ToWorker = TrainRequest | ClassifyRequest | { type: 'stop' };

export interface PlainTrace { data: number[]; shape: [number, number, number] }

export type FromWorker =
  | { type: 'backend'; name: string; description: string }
  | { type: 'epoch'; index: number; epoch: number; loss: number }
  | { type: 'snapshot'; index: number; epoch: number; spikes: PlainTrace; membrane: PlainTrace }
  | { type: 'done'; index: number; accuracy: number | null; epochs: number; ms: number }
  | { type: 'finished'; stopped: boolean; ms: number }
  | { type: 'classified'; probabilities: number[]; predicted: number; spikes: PlainTrace; testAccuracy: number | null; hidden: number }
  | { type: 'error'; message: string };
