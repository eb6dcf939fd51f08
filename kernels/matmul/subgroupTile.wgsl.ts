/**
 * WGSL of the lane-tiled matmul for software adapters (plan and dispatch: subgroupTile.ts).
 *
 * It computes O[r, c] = Σ_k P[r, k] · Q[k, c] (C = A·B, or Cᵀ = Bᵀ·Aᵀ with the sides swapped), one subgroup of
 * SG lanes per workgroup. Why this shape, measured on lavapipe (bench/experiments/matmulLab, bench/RESULTS.md):
 * - lavapipe runs the SG invocations of a subgroup as the lanes of one SIMD register and does every storage
 *   load lane by lane, with a bounds check per loaded component, whether or not the address is the same on
 *   every lane. Loads, not FMAs, bound a matmul there, so the kernel loads each element once per subgroup:
 * - P (the "broadcast" side, TM rows per subgroup) is loaded cooperatively, each lane a different quad, and
 *   handed to every lane with subgroupBroadcast (a register permute);
 * - Q (the "lane" side) is read in vec4s, each lane its own columns, and every Q value feeds TM FMAs.
 * - No workgroup memory: a barrier turns a lavapipe shader into coroutines (2× slower, seconds to compile).
 *
 * Operand layouts (elements; offsets into the batch's matrix):
 *   P 'k': P[r,k] at r·sPr + k, read as quads along k   (A row-major; Bᵀ with B stored transposed)
 *   P 'r': P[r,k] at r + k·sPk, read as quads along r   (A stored transposed; Bᵀ with B row-major)
 *   P 's': P[r,k] at r·sPr + k·sPk, scalar loads        (any layout: the broadcast side is cheap anyway)
 *   Q 'c': Q[k,c] at k·sQk + c, quads along c           (B row-major; Aᵀ with A stored transposed)
 *   Q 'k': Q[k,c] at c·sQc + k, quads along k           (B stored transposed; Aᵀ with A row-major)
 * Quad layouts need 16-byte alignment (matmul/subgroupTile.ts checks it, or copies Q into a padded layout).
 */

export type PLayout = 'k' | 'r' | 's';
export type QLayout = 'c' | 'k';

export interface TileShape {
  /** Subgroup width: lanes per workgroup. */
  sg: number;
  /** Rows of O per workgroup (the broadcast side); a multiple of 4 for P 'r'. */
  tm: number;
  /** Columns of O per lane; a multiple of 4 for Q 'c'. */
  tc: number;
  p: PLayout;
  q: QLayout;
  /** K is not a multiple of 4 (P 's' or 'r' with Q 'c' only): the last quad of k is masked. */
  ragged: boolean;
  /** O is bound as quads and each lane stores its Q 'c' quads whole (O rows contiguous along c, Cn % 4 = 0). */
  quadStore: boolean;
  /** A bias added in the epilogue (the `linear` op), indexed by O's column or by O's row (when O = Cᵀ). */
  bias: 'none' | 'col' | 'row';
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Which load (j), lane and component hold P[r0 + r, k + kk] after the cooperative load. */
function pSource(t: TileShape, r: number, kk: number): { j: number; lane: number; comp: number | null } {
  const { sg, tm } = t;
  if (t.p === 'k') return { j: Math.floor(r / sg), lane: r % sg, comp: kk };
  if (t.p === 'r') {
    const v = kk * (tm / 4) + Math.floor(r / 4);
    return { j: Math.floor(v / sg), lane: v % sg, comp: r % 4 };
  }
  const v = r * 4 + kk;
  return { j: Math.floor(v / sg), lane: v % sg, comp: null };
}

/** The `main` of the program (the runtime prepends params, bindings P, Q, O, and the helpers). */
export function subgroupTileMain(t: TileShape): string {
  const { sg: SG, tm: TM, tc: TC } = t;
  const loadsP = t.p === 's' ? Math.ceil((4 * TM) / SG) : Math.ceil(TM / SG);
  const quadsQ = t.q === 'c' ? TC / 4 : TC;
  const L: string[] = [];
  const add = (...s: string[]) => L.push(...s);
  add('@compute @workgroup_size(WG)');
  add('fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,');
  add('        @builtin(subgroup_invocation_id) l: u32) {');
  // Each workgroup runs params.perGroup consecutive tiles (lavapipe pays per workgroup: small-K products).
  add('  let perSlice = params.tilesR * params.tilesC;');
  add('  let tiles = perSlice * params.S * params.batch;');
  add('  let g0 = workgroupIndex(wid, nwg) * params.perGroup;');
  add('  for (var g = g0; g < min(g0 + params.perGroup, tiles); g = g + 1u) {');
  add('  let b = g / (perSlice * params.S);');
  add('  let s = (g / perSlice) % params.S;');
  // Tile order: groups of params.groupRows row tiles; within a group, column tile by column tile, so that
  // consecutive workgroups share a Q panel (cache-resident) and a group's P rows stay resident across columns.
  add('  let t = g % perSlice;');
  add('  let span = params.groupRows * params.tilesC;');
  add('  let first = (t / span) * params.groupRows;');
  add('  let rows = min(params.groupRows, params.tilesR - first);');
  add('  let r0 = (first + (t % span) % rows) * TM;');
  add('  let c0 = ((t % span) / rows) * (SG * TC);');
  add('  let offs = batchOffsets(b);');
  add('  let kBegin = s * params.kChunk;');
  add('  let kEnd = min(kBegin + params.kChunk, params.K);');
  // Per-lane element offsets of the P values this lane loads (k added in the loop). Lanes past the tile's
  // needs reload its last value; rows past R read row R-1 (never stored).
  for (const j of range(loadsP)) {
    if (t.p === 'k') {
      add(`  let p${j} = offs.x + min(r0 + min(${j * SG}u + l, TM - 1u), params.R - 1u) * params.sPr;`);
    } else if (t.p === 'r') {
      // Quad v: rows r0 + 4·(v % (TM/4)) .. +3 at k + v / (TM/4); R % 4 == 0, so a quad never straddles k.
      add(`  let v${j} = min(${j * SG}u + l, TM - 1u);`);
      add(`  let pk${j} = v${j} / ${TM / 4}u;`);
      add(`  let p${j} = offs.x + min(r0 + 4u * (v${j} % ${TM / 4}u), params.R - 4u);`);
    } else {
      add(`  let v${j} = min(${j * SG}u + l, ${4 * TM - 1}u);`);
      add(`  let pk${j} = v${j} % 4u;`);
      add(`  let p${j} = offs.x + min(r0 + v${j} / 4u, params.R - 1u) * params.sPr;`);
    }
  }
  // Per-lane element offsets of the Q quads. Q 'c': lane l holds columns c0 + 4·(q·SG + l) + 0..3, clamped to
  // the last whole quad of the row; Q 'k': lane l holds columns c0 + l + SG·j.
  for (const q of range(quadsQ)) {
    if (t.q === 'c') add(`  let q${q} = offs.y + min(c0 + ${4 * q * SG}u + 4u * l, params.qLastQuad);`);
    else add(`  let q${q} = offs.y + min(c0 + ${q * SG}u + l, params.Cn - 1u) * params.sQc;`);
  }
  for (const r of range(TM)) {
    add('  ' + range(quadsQ).map((q) => (t.q === 'c' ? `var a${r}_${q} = vec4<f32>(0.0);` : `var a${r}_${q} = 0.0;`)).join(' '));
  }
  add('  for (var k = kBegin; k < kEnd; k = k + 4u) {');
  for (const j of range(loadsP)) {
    if (t.p !== 'k') {
      // Row k + pk of P ('s': one value, 'r': a quad of rows); in a ragged last quad, rows past K read as 0.
      const quad = t.p === 'r';
      const at = (kr: string) => (quad ? `P[(p${j} + ${kr} * params.sPk) / 4u]` : `P[p${j} + ${kr} * params.sPk]`);
      add(t.ragged
        ? `    let pv${j} = select(${quad ? 'vec4<f32>(0.0)' : '0.0'}, ${at(`min(k + pk${j}, params.K - 1u)`)}, k + pk${j} < kEnd);`
        : `    let pv${j} = ${at(`(k + pk${j})`)};`);
    } else {
      add(`    let pv${j} = P[(p${j} + k) / 4u];`);
    }
  }
  if (t.q === 'k') for (const q of range(quadsQ)) add(`    let qv${q} = Q[(q${q} + k) / 4u];`);
  for (const kk of range(4)) {
    add('    {');
    if (t.q === 'c') {
      for (const q of range(quadsQ)) {
        const load = `Q[(q${q} + min(k + ${kk}u, params.K - 1u) * params.sQk) / 4u]`;
        add(t.ragged && kk > 0 ? `    let qv${q} = select(vec4<f32>(0.0), ${load}, k + ${kk}u < kEnd);` : `    let qv${q} = Q[(q${q} + (k + ${kk}u) * params.sQk) / 4u];`);
      }
    }
    for (const r of range(TM)) {
      const src = pSource(t, r, kk);
      const value = src.comp === null ? `pv${src.j}` : `pv${src.j}[${src.comp}]`;
      const fmas = range(quadsQ).map((q) => (t.q === 'c'
        ? `a${r}_${q} = fma(vec4<f32>(x), qv${q}, a${r}_${q});`
        : `a${r}_${q} = fma(x, qv${q}[${kk}], a${r}_${q});`));
      add(`      { let x = subgroupBroadcast(${value}, ${src.lane}u); ${fmas.join(' ')} }`);
    }
    add('    }');
  }
  add('  }');
  // Stores (once per output): O[r, c] at base + r·sOr + c·sOc, plus the bias of column c or of row r.
  add('  let base = s * params.sliceStride + b * params.R * params.Cn;');
  // A column bias is loaded once per tile (clamped: a column past Cn is never stored), a row bias per row.
  if (t.bias === 'col') {
    for (const q of range(quadsQ)) {
      if (t.quadStore) add(`  let bias${q} = bias[min(c0 + ${4 * q * SG}u + 4u * l, params.Cn - 4u) / 4u];`);
      else if (t.q === 'c') for (const e of range(4)) add(`  let bias${q}_${e} = bias[min(c0 + ${4 * q * SG + e}u + 4u * l, params.Cn - 1u)];`);
      else add(`  let bias${q} = bias[min(c0 + ${q * SG}u + l, params.Cn - 1u)];`);
    }
  }
  const plus = (q: number, e?: number) => (t.bias === 'col' ? ` + bias${q}${e === undefined ? '' : `_${e}`}` : t.bias === 'row' ? ' + rowBias' : '');
  for (const r of range(TM)) {
    add(`  if (r0 + ${r}u < params.R) {`);
    add(`    let row = base + (r0 + ${r}u) * params.sOr;`);
    if (t.bias === 'row') add(`    let rowBias = bias[r0 + ${r}u];`);
    for (const q of range(quadsQ)) {
      if (t.quadStore) {
        // Cn % 4 = 0: a quad is wholly inside or outside the row. Small K makes a product store-bound.
        add(`    { let c = c0 + ${4 * q * SG}u + 4u * l; if (c < params.Cn) { O[(row + c) / 4u] = a${r}_${q}${plus(q)}; } }`);
      } else if (t.q === 'c') {
        for (const e of range(4)) {
          add(`    { let c = c0 + ${4 * q * SG + e}u + 4u * l; if (c < params.Cn) { O[row + c * params.sOc] = a${r}_${q}[${e}]${plus(q, e)}; } }`);
        }
      } else {
        add(`    { let c = c0 + ${q * SG}u + l; if (c < params.Cn) { O[row + c * params.sOc] = a${r}_${q}${plus(q)}; } }`);
      }
    }
    add('  }');
  }
  add('  }'); // tiles of this workgroup
  add('}');
  return L.join('\n');
}
