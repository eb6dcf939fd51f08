/**
 * The large dense matrix product on the CPU in JavaScript (float64 operands, and float32 where WebAssembly
 * is unavailable: gemmWasm.ts is its twin): B packed in KC×NC panels (which stay in L2), A in strips of 4
 * rows, and a 4×4 register tile. Each output of `c` (zero on entry) becomes the serial float64 sum in
 * ascending k.
 */
// Block sizes of the packed kernel: a KC×NC panel of B (~256 KB of float64) stays in L2.
const KC = 256;
const NC = 128;

/**
 * C[M,N] = A[M,K] · B[K,N] (C zero on entry) with A and B row-major (offsets aOff/bOff): packed panels, 4×4 register tile.
 */
export function gemmPacked(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, c: Float64Array, M: number, K: number, N: number): void {
  const ap = new Float64Array(KC * 4);
  const bp = new Float64Array(KC * NC);
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = Math.min(NC, N - j0);
    const strips = Math.ceil(nc / 4);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = Math.min(KC, K - k0);
      // Pack B[k0:k0+kc, j0:j0+nc] as strips of 4 columns: bp[(s*kc + k)*4 + q]
      for (let s = 0; s < strips; s++) {
        for (let k = 0; k < kc; k++) {
          const row = bOff + (k0 + k) * N + j0 + s * 4;
          const dst = (s * kc + k) * 4;
          for (let q = 0; q < 4; q++) bp[dst + q] = s * 4 + q < nc ? b[row + q]! : 0;
        }
      }
      for (let i0 = 0; i0 < M; i0 += 4) {
        const mr = Math.min(4, M - i0);
        for (let k = 0; k < kc; k++) {
          for (let q = 0; q < 4; q++) ap[k * 4 + q] = q < mr ? a[aOff + (i0 + q) * K + k0 + k]! : 0;
        }
        for (let s = 0; s < strips; s++) {
          // The sums so far (0 before the first panel): each output stays one serial sum in ascending k
          // across panels, as on every other path (cpu.ts), not a sum of per-panel sums.
          const jb = j0 + s * 4;
          const ncol = Math.min(4, N - jb);
          const full = mr === 4 && ncol === 4;
          const at = (r: number, q: number): number => (r < mr && q < ncol ? c[(i0 + r) * N + jb + q]! : 0);
          let c00 = at(0, 0), c01 = at(0, 1), c02 = at(0, 2), c03 = at(0, 3), c10 = at(1, 0), c11 = at(1, 1), c12 = at(1, 2), c13 = at(1, 3);
          let c20 = at(2, 0), c21 = at(2, 1), c22 = at(2, 2), c23 = at(2, 3), c30 = at(3, 0), c31 = at(3, 1), c32 = at(3, 2), c33 = at(3, 3);
          let pb = s * kc * 4;
          for (let k = 0, pa = 0; k < kc; k++, pa += 4, pb += 4) {
            const a0 = ap[pa]!, a1 = ap[pa + 1]!, a2 = ap[pa + 2]!, a3 = ap[pa + 3]!;
            const b0 = bp[pb]!, b1 = bp[pb + 1]!, b2 = bp[pb + 2]!, b3 = bp[pb + 3]!;
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
          }
          if (full) {
            let o = i0 * N + jb;
            c[o] = c00; c[o + 1] = c01; c[o + 2] = c02; c[o + 3] = c03; o += N;
            c[o] = c10; c[o + 1] = c11; c[o + 2] = c12; c[o + 3] = c13; o += N;
            c[o] = c20; c[o + 1] = c21; c[o + 2] = c22; c[o + 3] = c23; o += N;
            c[o] = c30; c[o + 1] = c31; c[o + 2] = c32; c[o + 3] = c33;
          } else {
            const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
            for (let r = 0; r < mr; r++) for (let q = 0; q < ncol; q++) c[(i0 + r) * N + jb + q] = tile[r * 4 + q]!;
          }
        }
      }
    }
  }
}

/** The packed kernel pays off once every dimension fills a few register tiles. */
export function useBlocked(M: number, K: number, N: number): boolean {
  return M >= 16 && N >= 16 && K >= 16 && M * N * K >= 65536;
}
