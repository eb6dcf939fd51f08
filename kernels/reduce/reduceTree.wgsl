// Workgroup tree reduction: workgroup g reduces slice (g % split) of output element (g / split). Each
// invocation folds a strided share of the slice, then the workgroup halves its partials log2(WG) times.
// The generated helpers define T, identity(), combine(a, b), outBase(o) and redOffset(r) (reduce/webgpu.ts).

var<workgroup> partial: array<T, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = workgroupIndex(wid, nwg);
  if (g >= params.n) { return; } // uniform per workgroup: barriers below stay in uniform control flow
  let o = g / params.split;
  let begin = (g % params.split) * params.chunk;
  let end = min(begin + params.chunk, params.r);
  let base = outBase(o);
  var acc = identity();
  for (var r = begin + lid; r < end; r = r + WG) {
    acc = combine(acc, x[base + redOffset(r)]);
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      partial[lid] = combine(partial[lid], partial[lid + stride]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    y[g] = partial[0];
  }
}
