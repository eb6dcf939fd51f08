/**
 * Matmul kernel designs tried on lavapipe. Each variant turns a parameter set into WGSL plus a grid.
 * C[M,N] = A[M,K] · B[K,N], row-major, float32; bindings: 0 dims uniform {M,N,K,batch}, 1 A, 2 B, 3 C.
 *
 * lavapipe runs one workgroup on one CPU thread and executes its invocations in SIMD chunks of 8 lanes (256-bit);
 * a load whose address is the same on every lane (depends only on workgroup_id and uniforms) becomes one scalar
 * load + broadcast, a lane-varying address becomes a gather. The designs differ in which operand is uniform.
 */

export interface Problem {
  M: number;
  N: number;
  K: number;
}

export interface Kernel {
  name: string;
  wgsl: string;
  grid(p: Problem): [number, number, number];
  features?: GPUFeatureName[];
}

type Params = Record<string, number>;

const header = `struct Dims { M: u32, N: u32, K: u32, batch: u32 }
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
`;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * "rb" (row broadcast): a 1-D workgroup of W lanes along N; every lane holds TM rows × TN columns.
 * Rows come from workgroup_id (uniform → A loads are broadcasts); lane l's columns are col0 + l + j·W, so the
 * lanes of one SIMD chunk read consecutive B addresses. Out-of-range rows/columns are clamped for loads (no
 * divergent branches in the K loop) and masked on store. K unrolled by U.
 */
function rowBroadcast(p: Params): Kernel {
  const W = p.W ?? 64, TM = p.TM ?? 8, TN = p.TN ?? 4, U = p.U ?? 1;
  // FAKEB=1: B addresses made lane-uniform (wrong result): the speed if no load were a gather.
  // NOLOAD=1: no loads in the K loop at all (wrong result): the FMA ceiling of the loop.
  const lane = p.FAKEB ? '0u' : 'lid.x';
  const L: string[] = [header];
  L.push(`@compute @workgroup_size(${W})`);
  L.push(`fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {`);
  L.push(`  let M = dims.M; let N = dims.N; let K = dims.K;`);
  L.push(`  let row0 = wg.y * ${TM}u; let col0 = wg.x * ${W * TN}u + ${lane};`);
  for (const i of range(TM)) L.push(`  let ab${i} = min(row0 + ${i}u, M - 1u) * K;`);
  for (const j of range(TN)) L.push(`  let cb${j} = min(col0 + ${j * W}u, N - 1u);`);
  for (const i of range(TM)) L.push('  ' + range(TN).map((j) => `var c${i}_${j} = 0.0;`).join(' '));
  const body = (u: string) => {
    const o: string[] = [];
    if (p.NOLOAD) {
      for (const i of range(TM)) o.push(`    let a${i} = f32(k${u} + ${i}u);`);
      for (const j of range(TN)) o.push(`    let b${j} = f32(cb${j});`);
    } else {
      for (const i of range(TM)) o.push(`    let a${i} = A[ab${i} + k${u}];`);
      o.push(`    let bk = (k${u}) * N;`);
      for (const j of range(TN)) o.push(`    let b${j} = B[bk + cb${j}];`);
    }
    for (const i of range(TM)) o.push('    ' + range(TN).map((j) => `c${i}_${j} = fma(a${i}, b${j}, c${i}_${j});`).join(' '));
    return o;
  };
  L.push(`  var k = 0u;`);
  if (U > 1) {
    L.push(`  for (; k + ${U - 1}u < K; k += ${U}u) {`);
    for (const u of range(U)) L.push(`   {`, ...body(` + ${u}u`), `   }`);
    L.push(`  }`);
  }
  L.push(`  for (; k < K; k++) {`, ...body(''), `  }`);
  for (const i of range(TM)) {
    L.push(`  if (row0 + ${i}u < M) {`);
    for (const j of range(TN)) L.push(`    if (col0 + ${j * W}u < N) { C[(row0 + ${i}u) * N + col0 + ${j * W}u] = c${i}_${j}; }`);
    L.push(`  }`);
  }
  L.push(`}`);
  return {
    name: `rb W=${W} TM=${TM} TN=${TN} U=${U}${p.FAKEB ? ' FAKEB' : ''}${p.NOLOAD ? ' NOLOAD' : ''}`,
    wgsl: L.join('\n'),
    grid: ({ M, N }) => [Math.ceil(N / (W * TN)), Math.ceil(M / TM), 1],
  };
}

/**
 * "sg" (subgroup broadcast): every access in lavapipe costs about the same per lane-element, uniform or not, so
 * each A element should be loaded by one lane only. The 8 lanes of a chunk load 8 rows × 4 k of A as one vec4 each
 * and hand the values around with subgroupBroadcast (a register permute); B is read as vec4s, lane l holding the
 * columns col0 + q·32 + 4l .. +3. A chunk owns TM rows × TC·8 columns; a workgroup stacks W/8 chunks along M.
 * Needs K % 4 == 0 and N % 4 == 0 (vec4 rows); U = k4 steps per loop iteration.
 */
function subgroupTile(p: Params): Kernel {
  const SG = p.SG ?? 8, W = p.W ?? SG, TM = p.TM ?? 8, TC = p.TC ?? 4, U = p.U ?? 1;
  const Q = TC / 4, G = TM / SG, chunks = W / SG;
  const L: string[] = ['enable subgroups;', header.replace(/array<f32>/g, 'array<vec4f>')];
  L.push(`@compute @workgroup_size(${W})`);
  L.push(`fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {`);
  L.push(`  let M = dims.M; let N4 = dims.N / 4u; let K4 = dims.K / 4u;`);
  L.push(`  let l = li % ${SG}u; let chunk = li / ${SG}u;`);
  L.push(`  let row0 = (wg.y * ${chunks}u + chunk) * ${TM}u; let colv0 = wg.x * ${Q * SG}u + l;`);
  for (const g of range(G)) L.push(`  let ab${g} = min(row0 + ${g * SG}u + l, M - 1u) * K4;`);
  for (const q of range(Q)) L.push(`  let cb${q} = min(colv0 + ${q * SG}u, N4 - 1u);`);
  for (const r of range(TM)) L.push('  ' + range(Q).map((q) => `var c${r}_${q} = vec4f(0.0);`).join(' '));
  const step = (k4: string) => {
    const o: string[] = [];
    // Ablations (wrong results, for timing only): NOA=1 / NOB=1 replace A / B loads by register values.
    for (const g of range(G)) o.push(p.NOA ? `    let av${g} = vec4f(f32(${k4} + ${g}u));` : `    let av${g} = A[ab${g} + ${k4}];`);
    for (const kk of range(4)) {
      o.push(`    {`, `    let bk = (${k4} * 4u + ${kk}u) * N4;`);
      for (const q of range(Q)) o.push(p.NOB ? `    let b${q} = vec4f(f32(bk + cb${q}));` : `    let b${q} = B[bk + cb${q}];`);
      for (const r of range(TM)) {
        o.push(`    { let a = vec4f(subgroupBroadcast(av${Math.floor(r / SG)}[${kk}], ${r % SG}u)); ` +
          range(Q).map((q) => `c${r}_${q} = fma(a, b${q}, c${r}_${q});`).join(' ') + ' }');
      }
      o.push(`    }`);
    }
    return o;
  };
  L.push(`  var k4 = 0u;`);
  if (U > 1) {
    L.push(`  for (; k4 + ${U - 1}u < K4; k4 += ${U}u) {`);
    for (const u of range(U)) L.push(`   {`, ...step(`(k4 + ${u}u)`), `   }`);
    L.push(`  }`);
  }
  L.push(`  for (; k4 < K4; k4++) {`, ...step('k4'), `  }`);
  for (const r of range(TM)) {
    L.push(`  if (row0 + ${r}u < M) {`);
    for (const q of range(Q)) L.push(`    if (colv0 + ${q * SG}u < N4) { C[(row0 + ${r}u) * N4 + colv0 + ${q * SG}u] = c${r}_${q}; }`);
    L.push(`  }`);
  }
  L.push(`}`);
  return {
    name: `sg W=${W} TM=${TM} TC=${TC} U=${U}${p.NOA ? ' NOA' : ''}${p.NOB ? ' NOB' : ''}`,
    wgsl: L.join('\n'),
    grid: ({ M, N }) => [Math.ceil(N / (SG * TC)), Math.ceil(M / (TM * chunks)), 1],
    features: ['subgroups'],
  };
}

/**
 * "sgs": "sg" with the B tile staged in workgroup memory. B loads dominate "sg" (ablation: 2.5× faster without
 * them); workgroup-memory reads cost about half a storage read in lavapipe, and one staged tile serves CH chunks.
 * Per K tile of KT rows: barrier, the W lanes copy B[k0..k0+KT, tile columns] (vec4s), barrier, compute.
 */
function subgroupSharedTile(p: Params): Kernel {
  const SG = 8, CH = p.CH ?? 8, W = SG * CH, TM = p.TM ?? 16, TC = p.TC ?? 4, KT = p.KT ?? 32;
  const Q = TC / 4, G = TM / SG, V = Q * SG; // V: vec4s per B tile row
  const tileVec4 = KT * V, perLane = Math.ceil(tileVec4 / W);
  const L: string[] = ['enable subgroups;', header.replace(/array<f32>/g, 'array<vec4f>')];
  L.push(`var<workgroup> Bs: array<vec4f, ${tileVec4}>;`);
  L.push(`@compute @workgroup_size(${W})`);
  L.push(`fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {`);
  L.push(`  let M = dims.M; let N4 = dims.N / 4u; let K4 = dims.K / 4u;`);
  L.push(`  let l = li % ${SG}u; let chunk = li / ${SG}u;`);
  L.push(`  let row0 = (wg.y * ${CH}u + chunk) * ${TM}u; let tileV0 = wg.x * ${V}u; let colv0 = tileV0 + l;`);
  for (const g of range(G)) L.push(`  let ab${g} = min(row0 + ${g * SG}u + l, M - 1u) * K4;`);
  for (const r of range(TM)) L.push('  ' + range(Q).map((q) => `var c${r}_${q} = vec4f(0.0);`).join(' '));
  // Staging: lane li copies tile vec4s li, li + W, ...: row t / V, column t % V of the tile.
  for (const j of range(perLane)) {
    L.push(`  let st${j} = li + ${j * W}u; let sr${j} = st${j} / ${V}u; let sc${j} = min(tileV0 + st${j} % ${V}u, N4 - 1u);`);
  }
  L.push(`  for (var k0 = 0u; k0 < K4 * 4u; k0 += ${KT}u) {`);
  L.push(`    workgroupBarrier();`);
  for (const j of range(perLane)) {
    const guard = (j + 1) * W > tileVec4 ? `if (st${j} < ${tileVec4}u) ` : '';
    L.push(`    ${guard}{ Bs[st${j}] = B[min(k0 + sr${j}, K4 * 4u - 1u) * N4 + sc${j}]; }`);
  }
  L.push(`    workgroupBarrier();`);
  L.push(`    let kEnd = min(${KT / 4}u, K4 - k0 / 4u);`);
  L.push(`    for (var t4 = 0u; t4 < kEnd; t4++) {`);
  for (const g of range(G)) L.push(`      let av${g} = A[ab${g} + k0 / 4u + t4];`);
  for (const kk of range(4)) {
    L.push(`      {`);
    for (const q of range(Q)) L.push(`      let b${q} = Bs[(t4 * 4u + ${kk}u) * ${V}u + ${q * SG}u + l];`);
    for (const r of range(TM)) {
      L.push(`      { let a = vec4f(subgroupBroadcast(av${Math.floor(r / SG)}[${kk}], ${r % SG}u)); ` +
        range(Q).map((q) => `c${r}_${q} = fma(a, b${q}, c${r}_${q});`).join(' ') + ' }');
    }
    L.push(`      }`);
  }
  L.push(`    }`);
  L.push(`  }`);
  for (const r of range(TM)) {
    L.push(`  if (row0 + ${r}u < M) {`);
    for (const q of range(Q)) L.push(`    if (colv0 + ${q * SG}u < N4) { C[(row0 + ${r}u) * N4 + colv0 + ${q * SG}u] = c${r}_${q}; }`);
    L.push(`  }`);
  }
  L.push(`}`);
  return {
    name: `sgs CH=${CH} TM=${TM} TC=${TC} KT=${KT}`,
    wgsl: L.join('\n'),
    grid: ({ M, N }) => [Math.ceil(N / (SG * TC)), Math.ceil(M / (TM * CH)), 1],
    features: ['subgroups'],
  };
}

/**
 * "sgf": "sg" with scalar loads through strides (so transposes and any K, N work): lavapipe pays per loaded
 * component either way. Lane l owns columns c0 + l + 8j (j < TC). A's TM×KU block for KU k-steps is loaded by the
 * 8 lanes, TM·KU/8 scalar loads each, and handed out with subgroupBroadcast.
 */
function subgroupScalarTile(p: Params): Kernel {
  const SG = 8, W = p.W ?? SG, TM = p.TM ?? 16, TC = p.TC ?? 4, KU = p.KU ?? 4, chunks = W / SG;
  const LA = (TM * KU) / SG; // A loads per lane per KU block; value v = r·KU + kk lives in lane v % 8, load v / 8
  const L: string[] = ['enable subgroups;', header];
  L.push(`@compute @workgroup_size(${W})`);
  L.push(`fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) li: u32) {`);
  L.push(`  let M = dims.M; let N = dims.N; let K = dims.K;`);
  L.push(`  let l = li % ${SG}u; let chunk = li / ${SG}u;`);
  L.push(`  let row0 = (wg.y * ${chunks}u + chunk) * ${TM}u; let col0 = wg.x * ${SG * TC}u + l;`);
  // Lane l's A loads: value v = j·8 + l → row v / KU, k offset v % KU.
  for (const j of range(LA)) L.push(`  let ar${j} = min(row0 + (${j * SG}u + l) / ${KU}u, M - 1u) * K + (${j * SG}u + l) % ${KU}u;`);
  for (const q of range(TC)) L.push(`  let cb${q} = min(col0 + ${q * SG}u, N - 1u);`);
  for (const r of range(TM)) L.push('  ' + range(TC).map((q) => `var c${r}_${q} = 0.0;`).join(' '));
  L.push(`  var k = 0u;`);
  L.push(`  for (; k + ${KU - 1}u < K; k += ${KU}u) {`);
  for (const j of range(LA)) L.push(`    let av${j} = A[ar${j} + k];`);
  for (const kk of range(KU)) {
    L.push(`    {`, `    let bk = (k + ${kk}u) * N;`);
    for (const q of range(TC)) L.push(`    let b${q} = B[bk + cb${q}];`);
    for (const r of range(TM)) {
      const v = r * KU + kk;
      L.push(`    { let a = subgroupBroadcast(av${Math.floor(v / SG)}, ${v % SG}u); ` + range(TC).map((q) => `c${r}_${q} = fma(a, b${q}, c${r}_${q});`).join(' ') + ' }');
    }
    L.push(`    }`);
  }
  L.push(`  }`);
  // K tail: plain loads (each lane reads its own A values).
  L.push(`  for (; k < K; k++) {`, `    let bk = k * N;`);
  for (const q of range(TC)) L.push(`    let b${q} = B[bk + cb${q}];`);
  for (const r of range(TM)) L.push(`    { let a = A[min(row0 + ${r}u, M - 1u) * K + k]; ` + range(TC).map((q) => `c${r}_${q} = fma(a, b${q}, c${r}_${q});`).join(' ') + ' }');
  L.push(`  }`);
  for (const r of range(TM)) {
    L.push(`  if (row0 + ${r}u < M) {`);
    for (const q of range(TC)) L.push(`    if (col0 + ${q * SG}u < N) { C[(row0 + ${r}u) * N + col0 + ${q * SG}u] = c${r}_${q}; }`);
    L.push(`  }`);
  }
  L.push(`}`);
  return {
    name: `sgf W=${W} TM=${TM} TC=${TC} KU=${KU}`,
    wgsl: L.join('\n'),
    grid: ({ M, N }) => [Math.ceil(N / (SG * TC)), Math.ceil(M / (TM * chunks)), 1],
    features: ['subgroups'],
  };
}

export const VARIANTS: Record<string, (p: Params) => Kernel> = {
  sgf: subgroupScalarTile, rb: rowBroadcast, sg: subgroupTile, sgs: subgroupSharedTile };

/** "rb:W=64,TM=8" → kernel. */
export function parseVariant(spec: string): Kernel {
  const [kind, rest] = spec.split(':');
  const make = VARIANTS[kind!];
  if (!make) throw new Error(`unknown variant ${kind}; have ${Object.keys(VARIANTS).join(', ')}`);
  const params: Params = {};
  for (const kv of (rest ?? '').split(',').filter(Boolean)) {
    const [k, v] = kv.split('=');
    params[k!] = Number(v);
  }
  return make(params);
}
