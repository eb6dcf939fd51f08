// C = A·B over 64×64 output tiles: 256 invocations each own a 4×4 register tile, and the workgroup stages
// 16-deep slices of A and B in workgroup memory. Transposes and batch broadcasting are strides (uniforms),
// so one pipeline serves every layout. Out-of-range tile elements load as 0 and are not stored.
// Helpers from matmul/webgpu.ts: batchOffsets(b) -> vec2(A offset, B offset).

const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;
const TX: u32 = 16u; // invocations along N; 16 along M

var<workgroup> As: array<f32, 1024>; // [TK][TM]
var<workgroup> Bs: array<f32, 1024>; // [TK][TN]

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = workgroupIndex(wid, nwg);
  let tilesN = (params.N + TN - 1u) / TN;
  let perBatch = ((params.M + TM - 1u) / TM) * tilesN;
  if (g >= perBatch * params.batch) { return; } // uniform per workgroup
  let b = g / perBatch;
  let m0 = ((g % perBatch) / tilesN) * TM;
  let n0 = ((g % perBatch) % tilesN) * TN;
  let offs = batchOffsets(b);
  let tx = lid % TX;
  let ty = lid / TX;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < params.K; k0 = k0 + TK) {
    for (var e = 0u; e < 4u; e = e + 1u) {
      let idx = lid + e * 256u;
      let kk = idx / TM;
      let mm = idx % TM;
      let gk = k0 + kk;
      var av = 0.0;
      if (m0 + mm < params.M && gk < params.K) { av = A[offs.x + (m0 + mm) * params.sAm + gk * params.sAk]; }
      As[idx] = av;
      var bv = 0.0;
      if (n0 + mm < params.N && gk < params.K) { bv = B[offs.y + gk * params.sBk + (n0 + mm) * params.sBn]; }
      Bs[idx] = bv;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk = kk + 1u) {
      let a = vec4<f32>(As[kk * TM + ty * 4u], As[kk * TM + ty * 4u + 1u], As[kk * TM + ty * 4u + 2u], As[kk * TM + ty * 4u + 3u]);
      let bq = vec4<f32>(Bs[kk * TN + tx * 4u], Bs[kk * TN + tx * 4u + 1u], Bs[kk * TN + tx * 4u + 2u], Bs[kk * TN + tx * 4u + 3u]);
      c0 = c0 + a.x * bq;
      c1 = c1 + a.y * bq;
      c2 = c2 + a.z * bq;
      c3 = c3 + a.w * bq;
    }
    workgroupBarrier();
  }
  let base = b * params.M * params.N;
  let rows = array<vec4<f32>, 4>(c0, c1, c2, c3);
  for (var i = 0u; i < 4u; i = i + 1u) {
    let m = m0 + ty * 4u + i;
    if (m >= params.M) { break; }
    for (var j = 0u; j < 4u; j = j + 1u) {
      let n = n0 + tx * 4u + j;
      if (n < params.N) { C[base + m * params.N + n] = rows[i][j]; }
    }
  }
}
