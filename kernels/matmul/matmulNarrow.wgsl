// Matmul for outputs with a narrow side (SNN layers: [51200,100]·[100,4], and the weight gradient
// [100,51200]·[51200,4]) and for small outputs with long K. Invocation i owns TB outputs along the narrow
// side for one index of the wide side, over one slice of K: thread = ((b·S + s)·NB + block)·W + w.
// With S > 1 slices, C holds partial sums [S][batch·M·N] that matmul/webgpu.ts adds up in a second pass.
// Helpers from matmul/webgpu.ts: TB, NARROW_N (true: the narrow side is N), batchOffsets(b).
// The sums over a slice of K (up to 51,200 terms in the seed's weight gradient) are compensated (Neumaier): the
// rounding error of each addition is kept exactly and added up apart, so the error no longer grows with the
// slice's length (7.2e-7 → 4e-8 relative on [100, 51200]·[51200, 4], docs/numerics.md §0; bench/RESULTS.md
// has what it costs).

// acc + p, its rounding error added to err (the two-sum identity; exact whichever of the two is larger).
fn addCompensated(acc: ptr<function, f32>, err: ptr<function, f32>, p: f32) {
  let a = *acc;
  let t = a + p;
  *err = *err + select((p - t) + a, (a - t) + p, abs(a) >= abs(p));
  *acc = t;
}

fn matmulNarrow(i: u32) {
  let w = i % params.W;
  let t = i / params.W;
  let block = t % params.NB;
  let t2 = t / params.NB;
  let s = t2 % params.S;
  let b = t2 / params.S;
  let offs = batchOffsets(b);
  let kBegin = s * params.chunk;
  let kEnd = min(kBegin + params.chunk, params.K);
  let t0 = block * TB;
  var acc: array<f32, TB>;
  var err: array<f32, TB>;
  for (var j = 0u; j < TB; j = j + 1u) { acc[j] = 0.0; err[j] = 0.0; }
  if (NARROW_N) {
    // Row w of A times TB columns of B (clamped: columns past N repeat the last one and are not stored).
    let aRow = offs.x + w * params.sAm;
    for (var k = kBegin; k < kEnd; k = k + 1u) {
      let av = A[aRow + k * params.sAk];
      let bRow = offs.y + k * params.sBk;
      for (var j = 0u; j < TB; j = j + 1u) {
        addCompensated(&acc[j], &err[j], av * B[bRow + min(t0 + j, params.N - 1u) * params.sBn]);
      }
    }
  } else {
    let bCol = offs.y + w * params.sBn;
    for (var k = kBegin; k < kEnd; k = k + 1u) {
      let bv = B[bCol + k * params.sBk];
      let aCol = offs.x + k * params.sAk;
      for (var j = 0u; j < TB; j = j + 1u) {
        addCompensated(&acc[j], &err[j], A[aCol + min(t0 + j, params.M - 1u) * params.sAm] * bv);
      }
    }
  }
  let base = s * params.batch * params.M * params.N + b * params.M * params.N;
  for (var j = 0u; j < TB; j = j + 1u) {
    let nj = t0 + j;
    // ±Infinity or NaN in the sum makes the error term NaN (∞ − ∞): then the plain sum is the answer.
    let sum = select(acc[j] + err[j], acc[j], (bitcast<u32>(acc[j]) & 0x7fffffffu) >= 0x7f800000u);
    if (NARROW_N && nj < params.N) { C[base + w * params.N + nj] = sum; }
    if (!NARROW_N && nj < params.M) { C[base + nj * params.N + w] = sum; }
  }
}
