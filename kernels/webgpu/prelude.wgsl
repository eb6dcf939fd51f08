// Included in every program after the bindings (kernels/webgpu/program.ts).

// The flat workgroup index of a dispatch split over x and y (counts above 65535 per dimension).
fn workgroupIndex(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// Entry d of a 'dims' param (a shape or strides, up to 8 entries).
fn dim(v: array<vec4<u32>, 2>, d: u32) -> u32 {
  return v[d >> 2u][d & 3u];
}

// NaN and infinities: WGSL rejects them in constant expressions, so they are built at run time from bits
// (a `var` is never constant-folded by the front end).
fn f32FromBits(bits: u32) -> f32 {
  var b = bits;
  return bitcast<f32>(b);
}
fn nanf() -> f32 { return f32FromBits(0x7fc00000u); }
fn inff() -> f32 { return f32FromBits(0x7f800000u); }
