/**
 * WGSL for the element offsets of one output batch index in each of a product's two operands, shared by the
 * matmul kernels (webgpu.ts, subgroupTile.ts). Batch axes broadcast: an operand's stride along an axis it
 * does not have is 0 (the host fills `params.<left>`/`params.<right>` so; the shape is `params.bshape`).
 */
export function batchOffsetsWgsl(left: string, right: string): string {
  return `
fn batchOffsets(b: u32) -> vec2<u32> {
  var rem = b;
  var off = vec2<u32>(0u, 0u);
  for (var d = i32(params.brank) - 1; d >= 0; d = d - 1) {
    let q = rem % dim(params.bshape, u32(d));
    rem = rem / dim(params.bshape, u32(d));
    off = off + q * vec2<u32>(dim(params.${left}, u32(d)), dim(params.${right}, u32(d)));
  }
  return off;
}`;
}
