/**
 * Numbers that summarise loss curves: what `spikegrad compare` prints in its table and writes to
 * curves.json. Pure functions of plain arrays (no tensors), so they are tested on hand-made curves.
 */

export interface CurveSummary {
  first: number;
  last: number;
  /** The lowest finite loss (NaN when there is none). */
  min: number;
  /** 1-based epoch at which the loss first came within 5% of its total drop (first − last); null if it never dropped. */
  epochsTo95: number | null;
}

/**
 * Summarises one curve. "Total drop" is first − last: the epoch reported is the first whose loss is at
 * or below first − 0.95·(first − last), i.e. how long training took to get 95% of the way to where it ended.
 */
export function summarizeCurve(losses: readonly number[]): CurveSummary {
  if (losses.length === 0) return { first: NaN, last: NaN, min: NaN, epochsTo95: null };
  const first = losses[0]!, last = losses.at(-1)!;
  // A run stopped on NaN or Inf ends with that value: the minimum is over the finite losses before it.
  const finite = losses.filter(Number.isFinite);
  const min = finite.length ? Math.min(...finite) : NaN;
  let epochsTo95: number | null = null;
  if (last < first) {
    const target = first - 0.95 * (first - last);
    const i = losses.findIndex((l) => l <= target);
    epochsTo95 = i >= 0 ? i + 1 : null;
  }
  return { first, last, min, epochsTo95 };
}

export interface Band {
  mean: number[];
  /** Pointwise minimum and maximum over the runs (the band drawn around the mean). */
  lo: number[];
  hi: number[];
  /** How many runs contributed at each epoch (a run stopped early contributes to fewer). */
  count: number[];
}

/** Pointwise mean and min–max band of curves that may have different lengths (runs stopped early). */
export function meanBand(curves: readonly (readonly number[])[]): Band {
  const n = Math.max(0, ...curves.map((c) => c.length));
  const band: Band = { mean: [], lo: [], hi: [], count: [] };
  for (let e = 0; e < n; e++) {
    const vals = curves.filter((c) => e < c.length).map((c) => c[e]!);
    band.mean.push(vals.reduce((a, b) => a + b, 0) / vals.length);
    band.lo.push(Math.min(...vals));
    band.hi.push(Math.max(...vals));
    band.count.push(vals.length);
  }
  return band;
}
