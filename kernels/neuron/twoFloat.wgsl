// Two-float arithmetic for the running adjoints of the backward sweeps (the generated neuron sweeps of
// sequenceWebgpu.ts, the generated linear synapse sweeps of kernels/synapse/sequenceWebgpu.ts): a value carried as hi + lo, lo the rounding error that float32 would
// drop, so that the carry through T steps is as accurate as the CPU twins' float64 carry (kernels/neuron/sequenceCpu.ts,
// kernels/synapse/sequenceCpu.ts round only what they store, docs/numerics.md §1). Only the stored outputs are rounded
// to float32 (hi after renormalisation is hi + lo rounded to nearest). Needs COMPENSATED (bool const, from
// webgpu.ts: false gives the plain float32 chain, lo ≡ 0, for the accuracy A/B benchmark) and V (f32 or vec4<f32>).
// The identities are exact in round-to-nearest float32 whatever the magnitudes (Knuth's two-sum, Dekker's
// fast two-sum on a renormalised pair, Dekker's product), but a shader compiler may simplify them
// algebraically ((a + b) − a → b: Mesa's NIR did, and lo came out 0 on lavapipe). opaque() hides the
// intermediate sums from such rewrites: a product by params.one (a uniform, 1.0) is exact, and its value is not
// known when the shader is compiled.
struct TwoF { hi: V, lo: V }

fn opaque(x: V) -> V { return x * params.one; }

fn twoF(hi: V, lo: V) -> TwoF { return TwoF(hi, lo); }

// a + b exactly as hi + lo (Knuth's two-sum: no ordering of |a|, |b| needed).
fn twoSum(a: V, b: V) -> TwoF {
  let s = opaque(a + b);
  let bb = opaque(s - a);
  return TwoF(s, (a - (s - bb)) + (b - bb));
}

// hi + lo renormalised when |hi| ≥ |lo| (Dekker's fast two-sum).
fn fastTwoSum(a: V, b: V) -> TwoF {
  let s = opaque(a + b);
  return TwoF(s, b - (s - a));
}

// r, or the plain float32 result where magnitudes leave the range the identities need (the split's 4097·a
// overflows above ~2¹¹⁵, and ∞ − ∞ would turn an infinite carry into NaN): ±∞ stays ±∞, as in the plain chain.
fn inRange(r: TwoF, plain: V, m: V) -> TwoF {
  let big = m > V(1e30);
  return TwoF(select(r.hi, plain, big), select(r.lo, V(0.0), big));
}

// x + b for a float32 b.
fn addF(x: TwoF, b: V) -> TwoF {
  if (!COMPENSATED) { return TwoF(x.hi + b, V(0.0)); }
  let s = twoSum(x.hi, b);
  return inRange(fastTwoSum(s.hi, s.lo + x.lo), x.hi + b, max(abs(x.hi), abs(b)));
}

// a split into 12 + 12 significant bits, a = hi + lo exactly (Veltkamp: 4097 = 2¹² + 1).
fn splitF(a: V) -> TwoF {
  let c = opaque(V(4097.0) * a);
  let hi = opaque(c - (c - a));
  return TwoF(hi, a - hi);
}

// x · y, both two-floats (y.lo may be 0). The rounding error of x.hi·y.hi by Dekker's product, not by
// fma(x.hi, y.hi, −p): WGSL allows fma to round twice, and lavapipe's does (the error came out 0). The cross
// terms in float32 (their own roundings are second order, ~2⁻⁴⁸ relative).
fn mulF(x: TwoF, y: TwoF) -> TwoF {
  if (!COMPENSATED) { return TwoF(x.hi * y.hi, V(0.0)); }
  let p = opaque(x.hi * y.hi);
  let a = splitF(x.hi);
  let b = splitF(y.hi);
  let err = (((a.hi * b.hi - p) + a.hi * b.lo) + a.lo * b.hi) + a.lo * b.lo;
  return inRange(fastTwoSum(p, err + (x.hi * y.lo + x.lo * y.hi)), p, max(max(abs(x.hi), abs(y.hi)), abs(p)));
}

// a + b as a two-float (the plain chain: rounded, lo ≡ 0).
fn twoSumOrPlain(a: V, b: V) -> TwoF {
  if (!COMPENSATED) { return TwoF(a + b, V(0.0)); }
  return twoSum(a, b);
}

// For the generated neuron sweeps (kernels/neuron/sequenceWebgpu.ts), whose adjoint flows through the
// model's vector-Jacobian product: sums, negation, division by a float32 and a select of two-floats.

// x + y, both two-floats.
fn addFF(x: TwoF, y: TwoF) -> TwoF {
  if (!COMPENSATED) { return TwoF(x.hi + y.hi, V(0.0)); }
  let s = twoSum(x.hi, y.hi);
  return inRange(fastTwoSum(s.hi, s.lo + (x.lo + y.lo)), x.hi + y.hi, max(abs(x.hi), abs(y.hi)));
}

fn negF(x: TwoF) -> TwoF { return TwoF(-x.hi, -x.lo); }

// x / c for a float32 c: q = x.hi / c, then the remainder x − q·c (exact by Dekker's product) divided once more.
fn divF(x: TwoF, c: V) -> TwoF {
  if (!COMPENSATED) { return TwoF(x.hi / c, V(0.0)); }
  let q = opaque(x.hi / c);
  let p = mulF(TwoF(q, V(0.0)), TwoF(c, V(0.0)));
  let r = ((x.hi - p.hi) - p.lo) + x.lo;
  return inRange(fastTwoSum(q, r / c), q, max(abs(x.hi), abs(q)));
}

// cond ? a : b, lane by lane.
fn selectF(b: TwoF, a: TwoF, cond: bool) -> TwoF { return TwoF(select(b.hi, a.hi, cond), select(b.lo, a.lo, cond)); }
