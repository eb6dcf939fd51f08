// C = A·B for outputs that are not narrow. Invocation (row block, column quad) owns an R×4 register tile:
// per step of k it loads one quad of B's row k and R elements of A's column k (the same for the whole
// workgroup, whose invocations run along N), and does R vec4 FMAs. Software rasterisers vectorise across
// invocations, and this layout keeps their loads of B contiguous. Transposes and batch broadcasting are
// strides (uniforms). Generated helpers (matmul/webgpu.ts): R, batchOffsets(b), loadB4(base, k, quad),
// storeC4(batch, row, quad, value).

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = workgroupIndex(wid, nwg);
  let quads = (params.N + 3u) / 4u;
  let colTiles = (quads + WG - 1u) / WG;
  let perBatch = ((params.M + R - 1u) / R) * colTiles;
  if (g >= perBatch * params.batch) { return; }
  let b = g / perBatch;
  let m0 = ((g % perBatch) / colTiles) * R;
  let quad = ((g % perBatch) % colTiles) * WG + lid;
  let q = min(quad, quads - 1u); // lanes past the edge compute a copy of the last quad and store nothing
  let offs = batchOffsets(b);
  var acc: array<vec4<f32>, R>;
  for (var r = 0u; r < R; r = r + 1u) { acc[r] = vec4<f32>(0.0); }
  for (var k = 0u; k < params.K; k = k + 1u) {
    let bq = loadB4(offs.y, k, q);
    let aCol = offs.x + k * params.sAk;
    for (var r = 0u; r < R; r = r + 1u) {
      acc[r] = fma(vec4<f32>(A[aCol + min(m0 + r, params.M - 1u) * params.sAm]), bq, acc[r]);
    }
  }
  if (quad < quads) {
    for (var r = 0u; r < R; r = r + 1u) {
      if (m0 + r < params.M) { storeC4(b, m0 + r, quad, acc[r]); }
    }
  }
}
