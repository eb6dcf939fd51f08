var __defProp = Object.defineProperty;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __esm = (fn, res, err) => function __init() {
  if (err) throw err[0];
  try {
    return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;
  } catch (e) {
    throw err = [e], e;
  }
};
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};

// engine/errors.ts
function fmtShape(shape) {
  return `[${shape.join(", ")}]`;
}
function argError(fn, arg2, expected, actual) {
  return new SpikegradError(`${fn}: argument '${arg2}' expected ${expected}, got ${actual}`);
}
function describeValue(v) {
  if (v === null) return "null";
  if (v === void 0) return "undefined";
  if (typeof v === "number") return `number ${v}`;
  if (typeof v === "string") return `string '${v}'`;
  if (Array.isArray(v)) return `array of length ${v.length}`;
  if (typeof v === "object") {
    const o = v;
    if (Array.isArray(o.shape) && typeof o.dtype === "string") return `${o.dtype} tensor ${fmtShape(o.shape)}`;
    return o.constructor?.name ?? "object";
  }
  return typeof v;
}
var SpikegradError;
var init_errors = __esm({
  "engine/errors.ts"() {
    "use strict";
    SpikegradError = class extends Error {
      name = "SpikegradError";
    };
  }
});

// engine/backends.ts
function registerBackend(name, factory, createSync) {
  factories.set(name, factory);
  if (name === "cpu" && createSync) createCpuSync = createSync;
}
async function getBackendInstance(name) {
  const have = instances.get(name);
  if (have) return have;
  const inFlight = pending.get(name);
  if (inFlight) return inFlight;
  const f = factories.get(name);
  if (!f) throw new SpikegradError(`setBackend: argument 'name' expected one of ${[...factories.keys()].map((k) => `'${k}'`).join(", ")} or 'auto', got '${name}'`);
  const p = f.create().then((b) => {
    instances.set(name, b);
    pending.delete(name);
    return b;
  }, (e) => {
    pending.delete(name);
    throw e;
  });
  pending.set(name, p);
  return p;
}
async function decideAuto() {
  const gpu = factories.get("webgpu");
  if (!gpu?.probe) return { backend: "cpu", reason: "no WebGPU backend is registered" };
  const r = await gpu.probe();
  if ("unavailable" in r) return { backend: "cpu", reason: `no WebGPU adapter (${r.unavailable})` };
  if (r.hardware) return { backend: "webgpu", reason: `hardware adapter: ${r.description}` };
  return {
    backend: "cpu",
    reason: `only a software adapter (${r.description}); the CPU backend is faster than it (bench/RESULTS.md)`
  };
}
async function setBackend(name, opts = {}) {
  if (name !== "auto" && name !== "cpu" && name !== "webgpu") {
    throw new SpikegradError(`setBackend: argument 'name' expected 'auto', 'cpu' or 'webgpu', got ${JSON.stringify(name)}`);
  }
  let chosen = name === "auto" ? "cpu" : name;
  if (name === "auto") {
    const d = await decideAuto();
    chosen = d.backend;
    if ((opts.verbose ?? true) && !autoMessageShown) {
      autoMessageShown = true;
      console.error(`spikegrad: backend 'auto' chose '${d.backend}': ${d.reason}`);
    }
  }
  current = await getBackendInstance(chosen);
  return current;
}
function getBackend() {
  if (current) return current;
  const cpu = instances.get("cpu");
  if (cpu) return current = cpu;
  if (!createCpuSync) throw new SpikegradError("getBackend: no CPU backend is registered (import spikegrad from its entry point)");
  const b = createCpuSync();
  instances.set("cpu", b);
  return current = b;
}
function withBackend(backend, fn) {
  const prev = current;
  current = backend;
  try {
    return fn();
  } finally {
    current = prev;
  }
}
async function shutdown() {
  const all = [...instances.values()];
  instances.clear();
  current = null;
  for (const b of all) await b.shutdown();
}
var factories, instances, pending, current, createCpuSync, autoMessageShown;
var init_backends = __esm({
  "engine/backends.ts"() {
    "use strict";
    init_errors();
    factories = /* @__PURE__ */ new Map();
    instances = /* @__PURE__ */ new Map();
    pending = /* @__PURE__ */ new Map();
    current = null;
    createCpuSync = null;
    autoMessageShown = false;
  }
});

// engine/dtype.ts
function isFloat(dtype) {
  return dtype === "float32" || dtype === "float64";
}
function setArraySource(take) {
  const prev = recycled;
  recycled = take;
  return prev;
}
function fresh(dtype, n) {
  switch (dtype) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int32":
      return new Int32Array(n);
    case "bool":
      return new Uint8Array(n);
  }
}
function allocArray(dtype, n) {
  return recycled?.(dtype, n, true) ?? fresh(dtype, n);
}
function allocOutput(dtype, n) {
  return recycled?.(dtype, n, false) ?? fresh(dtype, n);
}
function toTypedArray(values, dtype) {
  const out = allocArray(dtype, values.length);
  if (dtype === "bool") {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  } else if (dtype === "int32") {
    for (let i = 0; i < values.length; i++) out[i] = Math.trunc(Number(values[i]));
  } else {
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  }
  return out;
}
function dtypeOfArray(a) {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  return "bool";
}
var recycled;
var init_dtype = __esm({
  "engine/dtype.ts"() {
    "use strict";
    recycled = null;
  }
});

// surrogate/special.ts
function erf(x2) {
  if (Number.isNaN(x2)) return x2;
  const a = Math.abs(x2);
  let r;
  if (a < 3) {
    const x22 = a * a;
    let term = a, sum3 = a;
    for (let n = 1; n < 200 && term > 1e-17 * sum3; n++) {
      term *= 2 * x22 / (2 * n + 1);
      sum3 += term;
    }
    r = TWO_OVER_SQRT_PI * Math.exp(-x22) * sum3;
  } else {
    let f = a;
    for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  }
  return x2 < 0 ? -r : r;
}
var TWO_OVER_SQRT_PI;
var init_special = __esm({
  "surrogate/special.ts"() {
    "use strict";
    TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
  }
});

// surrogate/expr.ts
function num(value) {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new SpikegradError(`surrogate expression: expected a number, got ${String(value)}`);
  }
  return Object.freeze({ kind: "num", value, type: "f", key: Object.is(value, -0) ? "n:-0" : `n:${value}` });
}
function lift(e) {
  return typeof e === "number" ? num(e) : e;
}
function op(name, ...rawArgs) {
  const info = EXPR_OPS[name];
  if (!info) throw new SpikegradError(`surrogate expression: unknown operation '${String(name)}'`);
  if (rawArgs.length !== info.args.length) {
    throw new SpikegradError(`surrogate expression: '${name}' expected ${info.args.length} argument(s), got ${rawArgs.length}`);
  }
  const args = rawArgs.map(lift);
  args.forEach((a2, i) => {
    if (a2.type !== info.args[i]) {
      const want = info.args[i] === "b" ? "a condition (a comparison)" : "a number";
      throw new SpikegradError(`surrogate expression: argument ${i + 1} of '${name}' expected ${want}, got ${a2.type === "b" ? "a condition" : "a number"}`);
    }
  });
  if (args.every((a2) => a2.kind === "num") && info.type === "f") {
    const v = info.eval(...args.map((a2) => a2.value));
    if (!Number.isNaN(v)) return num(v);
  }
  const [a, b] = args;
  switch (name) {
    case "mul":
      if (isNum(a, 1)) return b;
      if (isNum(b, 1)) return a;
      break;
    case "add":
      if (isNum(a, 0)) return b;
      if (isNum(b, 0)) return a;
      break;
    case "sub":
      if (isNum(b, 0)) return a;
      break;
    case "div":
      if (isNum(b, 1)) return a;
      break;
    case "neg":
      if (a.kind === "op" && a.op === "neg") return a.args[0];
      break;
    case "abs":
      if (a.kind === "op" && (a.op === "neg" || a.op === "abs")) return op("abs", a.args[0]);
      if (a.kind === "op" && a.op === "mul" && a.args[0].kind === "num") return op("mul", Math.abs(a.args[0].value), op("abs", a.args[1]));
      break;
    case "pow":
      if (b.kind === "num") return powConst(a, b.value);
      break;
    case "select": {
      const c = args[0];
      if (c.kind === "op" && c.op === "not") return op("select", c.args[0], args[2], args[1]);
      break;
    }
  }
  if (name === "select") {
    const c = args[0];
    if (c.kind === "op" && c.args.every((e) => e.kind === "num")) {
      return EXPR_OPS[c.op].eval(...c.args.map((e) => e.value)) ? args[1] : args[2];
    }
    if (args[1].key === args[2].key) return args[1];
  }
  const type = info.type;
  return Object.freeze({ kind: "op", op: name, args: Object.freeze(args), type, key: `${name}(${args.map((e) => e.key).join(",")})` });
}
function powConst(a, n) {
  if (n === 0) return num(1);
  if (n === 1) return a;
  if (Number.isInteger(n) && Math.abs(n) <= 4) {
    const m = Math.abs(n);
    const sq = op("mul", a, a);
    const pos = m === 1 ? a : m === 2 ? sq : m === 3 ? op("mul", sq, a) : op("mul", sq, sq);
    return n > 0 ? pos : op("div", 1, pos);
  }
  if (n === 0.5) return op("sqrt", a);
  return Object.freeze({ kind: "op", op: "pow", args: Object.freeze([a, num(n)]), type: "f", key: `pow(${a.key},n:${n})` });
}
function sigmoid(z) {
  const e = op("exp", op("neg", op("abs", z)));
  const d = op("add", 1, e);
  return op("select", op("ge", z, 0), op("div", 1, d), op("div", e, d));
}
function dsigmoid(z) {
  const e = op("exp", op("neg", op("abs", z)));
  const d = op("add", 1, e);
  return op("div", e, op("mul", d, d));
}
function add(...xs) {
  return xs.length === 0 ? num(0) : xs.map(lift).reduce((p, c) => op("add", p, c));
}
function mul(...xs) {
  return xs.length === 0 ? num(1) : xs.map(lift).reduce((p, c) => op("mul", p, c));
}
function sum(lo, hi, term) {
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) {
    throw new SpikegradError(`surrogate expression: sum bounds must be integers, got ${lo}..${hi}`);
  }
  if (hi - lo + 1 > MAX_SUM_TERMS) {
    throw new SpikegradError(`surrogate expression: sum over ${lo}..${hi} has ${hi - lo + 1} terms, at most ${MAX_SUM_TERMS} are unrolled`);
  }
  const terms = [];
  for (let i = lo; i <= hi; i++) terms.push(lift(term(i)));
  return add(...terms);
}
function schedule(...roots) {
  const seen = /* @__PURE__ */ new Set();
  const order = [];
  const visit2 = (e) => {
    if (e.kind !== "op" || seen.has(e.key)) return;
    seen.add(e.key);
    for (const a of e.args) visit2(a);
    order.push(e);
  };
  roots.forEach(visit2);
  return order;
}
function show(e) {
  if (e.kind === "num") return e.value < 0 || Object.is(e.value, -0) ? `(${e.value})` : String(e.value);
  if (e.kind === "x") return "x";
  const INFIX = {
    add: "+",
    sub: "-",
    mul: "*",
    div: "/",
    pow: "^",
    lt: "<",
    le: "<=",
    gt: ">",
    ge: ">=",
    eq: "==",
    ne: "!=",
    and: "&&",
    or: "||"
  };
  const s2 = e.args.map(show);
  if (INFIX[e.op]) return `(${s2[0]} ${INFIX[e.op]} ${s2[1]})`;
  if (e.op === "neg") return `(-${s2[0]})`;
  if (e.op === "not") return `(!${s2[0]})`;
  if (e.op === "select") return `(${s2[0]} ? ${s2[1]} : ${s2[2]})`;
  return `${e.op}(${s2.join(", ")})`;
}
var F1, F2, EXPR_OPS, EXPR_OP_NAMES, x, isNum, un, bi, neg, abs, sign, exp, log, log1p, sqrt, sin, cos, atan, tanh, erfOf, floor, fract, min, max, pow, lt, le, gt, ge, eq, ne, and, or, not, sub, div, square, select, clamp, MAX_SUM_TERMS;
var init_expr = __esm({
  "surrogate/expr.ts"() {
    "use strict";
    init_errors();
    init_special();
    F1 = ["f"];
    F2 = ["f", "f"];
    EXPR_OPS = {
      neg: { args: F1, type: "f", eval: (a) => -a },
      abs: { args: F1, type: "f", eval: Math.abs },
      sign: { args: F1, type: "f", eval: (a) => a > 0 ? 1 : a < 0 ? -1 : a },
      exp: { args: F1, type: "f", eval: Math.exp },
      log: { args: F1, type: "f", eval: Math.log },
      log1p: { args: F1, type: "f", eval: Math.log1p },
      sqrt: { args: F1, type: "f", eval: Math.sqrt },
      sin: { args: F1, type: "f", eval: Math.sin },
      cos: { args: F1, type: "f", eval: Math.cos },
      atan: { args: F1, type: "f", eval: Math.atan },
      tanh: { args: F1, type: "f", eval: Math.tanh },
      erf: { args: F1, type: "f", eval: erf },
      floor: { args: F1, type: "f", eval: Math.floor },
      /** a − floor(a), in [0, 1): the phase of periodic surrogates, so they never evaluate sin/cos of a huge argument. */
      fract: { args: F1, type: "f", eval: (a) => a - Math.floor(a) },
      add: { args: F2, type: "f", eval: (a, b) => a + b },
      sub: { args: F2, type: "f", eval: (a, b) => a - b },
      mul: { args: F2, type: "f", eval: (a, b) => a * b },
      div: { args: F2, type: "f", eval: (a, b) => a / b },
      /** aᵇ for a ≥ 0 (WGSL's pow is undefined for a < 0); small integer constant exponents become products. */
      pow: { args: F2, type: "f", eval: Math.pow },
      min: { args: F2, type: "f", eval: Math.min },
      max: { args: F2, type: "f", eval: Math.max },
      lt: { args: F2, type: "b", eval: (a, b) => +(a < b) },
      le: { args: F2, type: "b", eval: (a, b) => +(a <= b) },
      gt: { args: F2, type: "b", eval: (a, b) => +(a > b) },
      ge: { args: F2, type: "b", eval: (a, b) => +(a >= b) },
      eq: { args: F2, type: "b", eval: (a, b) => +(a === b) },
      ne: { args: F2, type: "b", eval: (a, b) => +(a !== b) },
      and: { args: ["b", "b"], type: "b", eval: (a, b) => +(a !== 0 && b !== 0) },
      or: { args: ["b", "b"], type: "b", eval: (a, b) => +(a !== 0 || b !== 0) },
      not: { args: ["b"], type: "b", eval: (a) => +(a === 0) },
      /** select(c, a, b) = c ? a : b. Both sides are evaluated (as WGSL's select does), so both must stay finite-safe. */
      select: { args: ["b", "f", "f"], type: "f", eval: (c, a, b) => c !== 0 ? a : b }
    };
    EXPR_OP_NAMES = Object.keys(EXPR_OPS);
    x = Object.freeze({ kind: "x", type: "f", key: "x" });
    isNum = (e, v) => e.kind === "num" && (v === void 0 || e.value === v);
    un = (name) => (a) => op(name, a);
    bi = (name) => (a, b) => op(name, a, b);
    neg = un("neg");
    abs = un("abs");
    sign = un("sign");
    exp = un("exp");
    log = un("log");
    log1p = un("log1p");
    sqrt = un("sqrt");
    sin = un("sin");
    cos = un("cos");
    atan = un("atan");
    tanh = un("tanh");
    erfOf = un("erf");
    floor = un("floor");
    fract = un("fract");
    min = bi("min");
    max = bi("max");
    pow = bi("pow");
    lt = bi("lt");
    le = bi("le");
    gt = bi("gt");
    ge = bi("ge");
    eq = bi("eq");
    ne = bi("ne");
    and = bi("and");
    or = bi("or");
    not = un("not");
    sub = bi("sub");
    div = bi("div");
    square = (a) => op("pow", a, 2);
    select = (cond, a, b) => op("select", cond, a, b);
    clamp = (a, lo, hi) => op("min", op("max", a, lo), hi);
    MAX_SUM_TERMS = 1e3;
  }
});

// surrogate/compileJs.ts
function jsNumber(v) {
  if (Object.is(v, -0)) return "(-0)";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "(-Infinity)";
  return v < 0 ? `(${v})` : String(v);
}
function straightLine(root, prefix) {
  const names = /* @__PURE__ */ new Map();
  const atom = (e) => e.kind === "num" ? jsNumber(e.value) : e.kind === "x" ? "x" : names.get(e.key);
  const lines = [];
  for (const node of schedule(root)) {
    const name = `${prefix}${names.size}`;
    lines.push(`const ${name} = ${JS_EMIT[node.op](node.args.map(atom))};`);
    names.set(node.key, name);
  }
  return { body: lines.join(" "), result: atom(root) };
}
function build(src) {
  try {
    return new Function(...Object.keys(HELPERS), src)(...Object.values(HELPERS));
  } catch {
    return null;
  }
}
function compileScalar(e, target = {}) {
  const { body, result } = straightLine(e, "t");
  const fn = build(`return function surrogate(x) { ${CLAMP_X} ${body} return ${saturated(result, target.saturate)}; };`);
  return fn ?? interpretScalar(e, target);
}
function compileLoop(e, target = {}) {
  const { body, result } = straightLine(e, "t");
  const fn = build(`return function surrogateLoop(X, OUT) {
    for (let i = 0, n = OUT.length; i < n; i++) { let x = X[i]; ${CLAMP_X} ${body} OUT[i] = ${saturated(result, target.saturate)}; }
  };`);
  if (fn) return fn;
  const f = interpretScalar(e, target);
  return (X, OUT) => {
    for (let i = 0; i < OUT.length; i++) OUT[i] = f(X[i]);
  };
}
function inlineJs(e, prefix) {
  const { body, result } = straightLine(e, prefix);
  return { code: `${CLAMP_X} ${body}`, result };
}
function buildJs(src) {
  return codegen.enabled ? build(src) : null;
}
function compileScaledLoop(e) {
  const { body, result } = straightLine(e, "t");
  const fn = build(`return function surrogateVjpLoop(X, DY, OUT) {
    for (let i = 0, n = OUT.length; i < n; i++) { let x = X[i]; ${CLAMP_X} ${body} OUT[i] = DY[i] * (${result}); }
  };`);
  if (fn) return fn;
  const f = interpretScalar(e);
  return (X, DY, OUT) => {
    for (let i = 0; i < OUT.length; i++) OUT[i] = DY[i] * f(X[i]);
  };
}
function interpretScalar(e, target = {}, round = (v) => v) {
  const compile = (n) => {
    if (n.kind === "num") {
      const v = round(n.value);
      return () => v;
    }
    if (n.kind === "x") return (x2) => x2;
    const f = EXPR_OPS[n.op].eval;
    const args = n.args.map(compile);
    if (args.length === 1) {
      const [a2] = args;
      return (x2) => round(f(a2(x2)));
    }
    if (args.length === 2) {
      const [a2, b2] = args;
      return (x2) => round(f(a2(x2), b2(x2)));
    }
    const [c, a, b] = args;
    return (x2) => round(f(c(x2), a(x2), b(x2)));
  };
  const body = compile(e);
  const sat = target.saturate;
  return (x2) => {
    const xc = round(x2 < -F32_MAX ? -F32_MAX : x2 > F32_MAX ? F32_MAX : x2);
    const r = body(xc);
    return sat ? Math.min(Math.max(r, -F32_MAX), F32_MAX) : r;
  };
}
var F32_MAX, HELPERS, JS_EMIT, CLAMP_X, saturated, codegen;
var init_compileJs = __esm({
  "surrogate/compileJs.ts"() {
    "use strict";
    init_expr();
    init_special();
    F32_MAX = 34028234663852886e22;
    HELPERS = { erf, fract: (a) => a - Math.floor(a) };
    JS_EMIT = {
      neg: ([a]) => `-${a}`,
      abs: ([a]) => `Math.abs(${a})`,
      sign: ([a]) => `(${a} > 0 ? 1 : ${a} < 0 ? -1 : ${a})`,
      exp: ([a]) => `Math.exp(${a})`,
      log: ([a]) => `Math.log(${a})`,
      log1p: ([a]) => `Math.log1p(${a})`,
      sqrt: ([a]) => `Math.sqrt(${a})`,
      sin: ([a]) => `Math.sin(${a})`,
      cos: ([a]) => `Math.cos(${a})`,
      atan: ([a]) => `Math.atan(${a})`,
      tanh: ([a]) => `Math.tanh(${a})`,
      erf: ([a]) => `erf(${a})`,
      floor: ([a]) => `Math.floor(${a})`,
      fract: ([a]) => `fract(${a})`,
      add: ([a, b]) => `${a} + ${b}`,
      sub: ([a, b]) => `${a} - ${b}`,
      mul: ([a, b]) => `${a} * ${b}`,
      div: ([a, b]) => `${a} / ${b}`,
      pow: ([a, b]) => `Math.pow(${a}, ${b})`,
      min: ([a, b]) => `Math.min(${a}, ${b})`,
      max: ([a, b]) => `Math.max(${a}, ${b})`,
      lt: ([a, b]) => `${a} < ${b}`,
      le: ([a, b]) => `${a} <= ${b}`,
      gt: ([a, b]) => `${a} > ${b}`,
      ge: ([a, b]) => `${a} >= ${b}`,
      eq: ([a, b]) => `${a} === ${b}`,
      ne: ([a, b]) => `${a} !== ${b}`,
      and: ([a, b]) => `${a} && ${b}`,
      or: ([a, b]) => `${a} || ${b}`,
      not: ([a]) => `!${a}`,
      select: ([c, a, b]) => `${c} ? ${a} : ${b}`
    };
    CLAMP_X = `x = x < -${F32_MAX} ? -${F32_MAX} : x > ${F32_MAX} ? ${F32_MAX} : x;`;
    saturated = (r, on) => on ? `Math.min(Math.max(${r}, -${F32_MAX}), ${F32_MAX})` : r;
    codegen = { enabled: true };
  }
});

// engine/shape.ts
function sizeOf(shape) {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
function stridesOf(shape) {
  const s2 = new Array(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s2[i] = acc;
    acc *= shape[i];
  }
  return s2;
}
function sameShape(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
function checkShape(fn, arg2, shape) {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new SpikegradError(`${fn}: argument '${arg2}' expected a shape (array of non-negative integers), got ${JSON.stringify(shape)}`);
  }
  return shape.slice();
}
function broadcastShapes(op2, ...shapes) {
  const rank = Math.max(...shapes.map((s2) => s2.length));
  const out = new Array(rank).fill(1);
  for (let i = 0; i < rank; i++) {
    for (const s2 of shapes) {
      const d = s2[s2.length - rank + i] ?? 1;
      const o = out[i];
      if (d === o || d === 1) continue;
      if (o === 1) out[i] = d;
      else {
        throw new SpikegradError(
          `${op2}: shapes ${shapes.map(fmtShape).join(" and ")} cannot be broadcast together (axis ${i - rank} has ${o} vs ${d})`
        );
      }
    }
  }
  return out;
}
function broadcastStrides(shape, outShape) {
  const st = stridesOf(shape);
  const r = outShape.length;
  const res = new Array(r).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const oi = r - shape.length + i;
    res[oi] = shape[i] === 1 && outShape[oi] !== 1 ? 0 : st[i];
  }
  return res;
}
function normalizeAxis(op2, axis, rank) {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new SpikegradError(`${op2}: argument 'axis' expected an integer in [${-rank}, ${rank - 1}] for a rank-${rank} tensor, got ${axis}`);
  }
  return axis < 0 ? axis + rank : axis;
}
function normalizeAxes(op2, axes, rank) {
  if (axes === void 0) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  const out = [...new Set(list.map((a) => normalizeAxis(op2, a, rank)))];
  return out.sort((a, b) => a - b);
}
function reducedShape(shape, axes, keepDims) {
  const out = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}
function broadcastReductionAxes(inShape, outShape) {
  const axes = [];
  const lead = outShape.length - inShape.length;
  for (let i = 0; i < outShape.length; i++) {
    if (i < lead) axes.push(i);
    else if (inShape[i - lead] === 1 && outShape[i] !== 1) axes.push(i);
  }
  return axes;
}
var init_shape = __esm({
  "engine/shape.ts"() {
    "use strict";
    init_errors();
  }
});

// engine/intRange.ts
function noteIntRange(t, range3) {
  if (t.dtype === "int32") ranges.set(t, range3);
}
function noteIntValues(t, values) {
  if (t.dtype !== "int32" || values.length === 0) return;
  let min3 = Infinity, max3 = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min3) min3 = v;
    if (v > max3) max3 = v;
  }
  ranges.set(t, { min: min3, max: max3 });
}
function inheritIntRange(from, to) {
  const r = ranges.get(from);
  if (r) noteIntRange(to, r);
}
function knownIntRange(t) {
  return ranges.get(t);
}
var ranges;
var init_intRange = __esm({
  "engine/intRange.ts"() {
    "use strict";
    ranges = /* @__PURE__ */ new WeakMap();
  }
});

// engine/tape.ts
function isRecording() {
  return activeTapes.length > 0 && pauseDepth === 0;
}
function withTape(tape, fn) {
  activeTapes.push(tape);
  try {
    return fn();
  } finally {
    activeTapes.splice(activeTapes.lastIndexOf(tape), 1);
  }
}
function noGrad(fn) {
  pauseDepth++;
  try {
    return fn();
  } finally {
    pauseDepth--;
  }
}
function recordOp(op2, inputs, outputs, attrs) {
  if (!isRecording()) return;
  const def = OPS[op2];
  for (const tape of activeTapes) {
    const inTracked = inputs.map((t) => tape.tracked.has(t.id));
    if (!inTracked.some(Boolean)) continue;
    if (!def.vjp) continue;
    const save = def.save ?? {};
    const saved = {
      inputs: inputs.map((t, i) => save.inputs?.includes(i) ? t.share() : void 0),
      outputs: outputs.map((t, i) => save.outputs?.includes(i) ? t.share() : void 0),
      inMeta: inputs.map((t) => ({ shape: t.shape, dtype: t.dtype }))
    };
    for (const t of saved.inputs) if (t) t.kept = true;
    for (const t of saved.outputs) if (t) t.kept = true;
    tape.nodes.push({ op: op2, attrs, inIds: inputs.map((t) => t.id), inTracked, outIds: outputs.map((t) => t.id), saved });
    for (const t of outputs) if (isFloat(t.dtype)) tape.tracked.add(t.id);
  }
}
function unbroadcast(op2, g, meta, inputIndex) {
  if (sameShape(g.shape, meta.shape)) return g;
  const axes = broadcastReductionAxes(meta.shape, g.shape);
  const ok = g.shape.length >= meta.shape.length && meta.shape.every((d, i) => d === 1 || d === g.shape[g.shape.length - meta.shape.length + i]);
  if (!ok) {
    throw new SpikegradError(`${op2}: gradient rule returned shape ${fmtShape(g.shape)} for input ${inputIndex} of shape ${fmtShape(meta.shape)}`);
  }
  return reshape(sum2(g, axes, false), [...meta.shape]);
}
function backward(tape, y, seed2, wrtIds) {
  return noGrad(() => {
    const grads = /* @__PURE__ */ new Map();
    if (!tape.tracked.has(y.id)) return grads;
    grads.set(y.id, seed2);
    for (let n = tape.nodes.length - 1; n >= 0; n--) {
      const node = tape.nodes[n];
      const dys = node.outIds.map((id) => grads.get(id) ?? null);
      if (dys.every((d) => d === null)) continue;
      const def = OPS[node.op];
      const gin = def.vjp(dys, node.saved, node.attrs, node.inTracked);
      if (gin.length !== node.inIds.length) {
        throw new SpikegradError(`${node.op}: gradient rule returned ${gin.length} gradients for ${node.inIds.length} inputs`);
      }
      for (let i = 0; i < gin.length; i++) {
        const raw = gin[i];
        if (!node.inTracked[i] || !raw) continue;
        const meta = node.saved.inMeta[i];
        let g = unbroadcast(node.op, raw, meta, i);
        if (g.dtype !== meta.dtype) {
          throw new SpikegradError(`${node.op}: gradient for input ${i} has dtype ${g.dtype}, the input has ${meta.dtype}`);
        }
        if (dys.includes(g)) g = g.share();
        const id = node.inIds[i];
        const prev = grads.get(id);
        if (prev) {
          grads.set(id, add2(prev, g));
          prev.dispose();
          g.dispose();
        } else grads.set(id, g);
      }
      for (const id of node.outIds) {
        if (wrtIds.has(id)) continue;
        const g = grads.get(id);
        if (g && g !== seed2) g.dispose();
        grads.delete(id);
      }
    }
    return grads;
  });
}
var Tape, activeTapes, pauseDepth;
var init_tape = __esm({
  "engine/tape.ts"() {
    "use strict";
    init_dtype();
    init_errors();
    init_ops();
    init_shape();
    init_api();
    Tape = class {
      nodes = [];
      /** Ids of tensors that depend on a watched tensor. */
      tracked = /* @__PURE__ */ new Set();
      watch(t) {
        if (!isFloat(t.dtype)) {
          throw new SpikegradError(`grad: cannot differentiate with respect to a ${t.dtype} tensor ${fmtShape(t.shape)}; gradients need float32 or float64`);
        }
        this.tracked.add(t.id);
      }
      /** Releases the tensors the nodes saved for backward. */
      release() {
        for (const n of this.nodes) {
          for (const t of n.saved.inputs) t?.dispose();
          for (const t of n.saved.outputs) t?.dispose();
        }
        this.nodes.length = 0;
      }
    };
    activeTapes = [];
    pauseDepth = 0;
  }
});

// engine/scope.ts
function trackTensor(t) {
  scopes[scopes.length - 1]?.add(t);
}
function adoptIntoScope(t) {
  const s2 = scopes[scopes.length - 1];
  if (!s2) return false;
  s2.add(t);
  return true;
}
function collect(x2, out, isTensor, depth = 0) {
  if (depth > 8 || x2 === null || typeof x2 !== "object") return;
  if (isTensor(x2)) {
    out.add(x2);
    return;
  }
  if (Array.isArray(x2)) for (const v of x2) collect(v, out, isTensor, depth + 1);
  else if (Object.getPrototypeOf(x2) === Object.prototype) for (const v of Object.values(x2)) collect(v, out, isTensor, depth + 1);
}
function setTensorCheck(fn) {
  isTensorFn = fn;
}
function tidy(fn) {
  const scope = /* @__PURE__ */ new Set();
  scopes.push(scope);
  let result;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) if (!t.kept) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new SpikegradError("tidy: argument 'fn' expected a synchronous function, got one that returned a Promise");
  }
  const keepSet = /* @__PURE__ */ new Set();
  collect(result, keepSet, isTensorFn);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (keepSet.has(t)) parent?.add(t);
    else if (!t.kept) t.dispose();
  }
  return result;
}
function keep(t) {
  t.kept = true;
  return t;
}
function dispose(x2) {
  const set2 = /* @__PURE__ */ new Set();
  collect(x2, set2, isTensorFn);
  for (const t of set2) t.dispose();
}
var scopes, isTensorFn;
var init_scope = __esm({
  "engine/scope.ts"() {
    "use strict";
    init_errors();
    scopes = [];
    isTensorFn = (_v) => false;
  }
});

// engine/tensor.ts
var nextTensorId, finalizer, Tensor;
var init_tensor = __esm({
  "engine/tensor.ts"() {
    "use strict";
    init_errors();
    init_scope();
    init_shape();
    init_api();
    nextTensorId = 1;
    finalizer = new FinalizationRegistry((h) => h.backend.release(h.dataId));
    Tensor = class _Tensor {
      id = nextTensorId++;
      shape;
      dtype;
      size;
      backend;
      /** Set by `keep()` and by the State that owns this tensor: no `tidy` disposes it. */
      kept = false;
      #dataId;
      constructor(backend, dataId, shape, dtype) {
        this.backend = backend;
        this.#dataId = dataId;
        this.shape = Object.freeze(shape.slice());
        this.dtype = dtype;
        this.size = sizeOf(shape);
        finalizer.register(this, { backend, dataId }, this);
        trackTensor(this);
      }
      get dataId() {
        if (this.#dataId === null) {
          throw new SpikegradError(`Tensor ${fmtShape(this.shape)} ${this.dtype} was used after dispose()`);
        }
        return this.#dataId;
      }
      get isDisposed() {
        return this.#dataId === null;
      }
      get rank() {
        return this.shape.length;
      }
      dispose() {
        if (this.#dataId === null) return;
        finalizer.unregister(this);
        this.backend.release(this.#dataId);
        this.#dataId = null;
      }
      /** A second handle on the same storage (no copy); disposing one leaves the other valid. */
      share() {
        this.backend.incRef(this.dataId);
        return new _Tensor(this.backend, this.dataId, this.shape, this.dtype);
      }
      // --- reading ---------------------------------------------------------------------------------------
      /** The values as a typed array (bool as Uint8Array). Flushes pending GPU work first. */
      async data() {
        return this.backend.read(this.dataId, this.dtype, this.size);
      }
      /** Synchronous read; only on backends whose memory is host memory (the CPU backend). */
      dataSync() {
        if (!this.backend.readSync) {
          throw new SpikegradError(`dataSync: the ${this.backend.name} backend reads asynchronously; use 'await tensor.data()'`);
        }
        return this.backend.readSync(this.dataId, this.dtype, this.size);
      }
      /** The single value of a size-1 tensor. */
      async item() {
        if (this.size !== 1) throw new SpikegradError(`item: expected a tensor with one element, got ${fmtShape(this.shape)}`);
        return (await this.data())[0];
      }
      /** Nested JS arrays in the tensor's shape. */
      async array() {
        const d = await this.data();
        const build2 = (axis, offset) => {
          if (axis === this.shape.length) return d[offset];
          const stride = sizeOf(this.shape.slice(axis + 1));
          return Array.from({ length: this.shape[axis] }, (_, i) => build2(axis + 1, offset + i * stride));
        };
        return build2(0, 0);
      }
      toString() {
        return `Tensor(${this.dtype} ${fmtShape(this.shape)}, ${this.backend.name}${this.isDisposed ? ", disposed" : ""})`;
      }
      // --- arithmetic (see api.ts for the documentation of each op) --------------------------------------
      add(b) {
        return add2(this, b);
      }
      sub(b) {
        return sub2(this, b);
      }
      mul(b) {
        return mul2(this, b);
      }
      div(b) {
        return div2(this, b);
      }
      pow(b) {
        return pow2(this, b);
      }
      maximum(b) {
        return maximum(this, b);
      }
      minimum(b) {
        return minimum(this, b);
      }
      neg() {
        return neg2(this);
      }
      abs() {
        return abs2(this);
      }
      sign() {
        return sign2(this);
      }
      exp() {
        return exp2(this);
      }
      expm1() {
        return expm1(this);
      }
      log() {
        return log2(this);
      }
      log1p() {
        return log1p2(this);
      }
      sqrt() {
        return sqrt2(this);
      }
      square() {
        return square2(this);
      }
      sigmoid() {
        return sigmoid2(this);
      }
      tanh() {
        return tanh2(this);
      }
      relu() {
        return relu(this);
      }
      floor() {
        return floor2(this);
      }
      // --- comparisons and logic (bool results, no gradient) -----------------------------------------------
      lt(b) {
        return lt2(this, b);
      }
      le(b) {
        return le2(this, b);
      }
      gt(b) {
        return gt2(this, b);
      }
      ge(b) {
        return ge2(this, b);
      }
      eq(b) {
        return eq2(this, b);
      }
      ne(b) {
        return ne2(this, b);
      }
      logicalAnd(b) {
        return logicalAnd(this, b);
      }
      logicalOr(b) {
        return logicalOr(this, b);
      }
      logicalNot() {
        return logicalNot(this);
      }
      // --- reductions --------------------------------------------------------------------------------------
      sum(axes, keepDims = false) {
        return sum2(this, axes, keepDims);
      }
      mean(axes, keepDims = false) {
        return mean(this, axes, keepDims);
      }
      max(axes, keepDims = false) {
        return max2(this, axes, keepDims);
      }
      min(axes, keepDims = false) {
        return min2(this, axes, keepDims);
      }
      argmax(axis = -1) {
        return argmax(this, axis);
      }
      logsumexp(axes, keepDims = false) {
        return logsumexp(this, axes, keepDims);
      }
      softmax(axis = -1) {
        return softmax(this, axis);
      }
      // --- shape -------------------------------------------------------------------------------------------
      reshape(shape) {
        return reshape(this, shape);
      }
      flatten() {
        return reshape(this, [this.size]);
      }
      transpose(perm) {
        return transpose(this, perm);
      }
      permute(perm) {
        return permute(this, perm);
      }
      broadcastTo(shape) {
        return broadcastTo(this, shape);
      }
      expandDims(axis) {
        return expandDims(this, axis);
      }
      squeeze(axes) {
        return squeeze(this, axes);
      }
      slice(begin, size) {
        return slice(this, begin, size);
      }
      index(i, axis = 0) {
        return index(this, i, axis);
      }
      gather(indices, axis = 0) {
        return gather(this, indices, axis);
      }
      matmul(b, opts) {
        return matmul(this, b, opts);
      }
      astype(dtype) {
        return cast(this, dtype);
      }
      /** Moves (copies) the tensor to another backend: 'cpu' or 'webgpu'. */
      to(backend) {
        return toBackend(this, backend);
      }
    };
    setTensorCheck((v) => v instanceof Tensor);
  }
});

// engine/dispatch.ts
function runOp(op2, inputs, attrs, backend) {
  const def = OPS[op2];
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (!(t instanceof Tensor)) throw new SpikegradError(`${op2}: input ${i} expected a Tensor, got ${describeValue(t)}`);
    if (t.isDisposed) throw new SpikegradError(`${op2}: input ${i} (${t.dtype}) was used after dispose()`);
  }
  const be2 = inputs[0]?.backend ?? backend ?? getBackend();
  for (let i = 1; i < inputs.length; i++) {
    if (inputs[i].backend !== be2) {
      throw new SpikegradError(`${op2}: inputs live on different backends (${be2.name} and ${inputs[i].backend.name}); move one with 'await t.to(...)'`);
    }
  }
  const outs = def.infer(inputs, attrs);
  if (!be2.supportsFloat64) {
    for (const o of outs) if (o.dtype === "float64") throw new SpikegradError(`${op2}: the ${be2.name} backend has no float64; use float32 or the CPU backend`);
  }
  be2.counters.ops++;
  const ids = op2 === "reshape" ? (be2.incRef(inputs[0].dataId), [inputs[0].dataId]) : be2.run(op2, inputs, attrs, outs);
  const results = new Array(outs.length);
  for (let i = 0; i < outs.length; i++) results[i] = new Tensor(be2, ids[i], outs[i].shape, outs[i].dtype);
  recordOp(op2, inputs, results, attrs);
  return results;
}
function run1(op2, inputs, attrs, backend) {
  return runOp(op2, inputs, attrs, backend)[0];
}
var init_dispatch = __esm({
  "engine/dispatch.ts"() {
    "use strict";
    init_backends();
    init_errors();
    init_ops();
    init_tape();
    init_tensor();
  }
});

// engine/api.ts
function flattenNested(v, out, shape, depth) {
  if (Array.isArray(v)) {
    if (shape.length === depth) shape.push(v.length);
    else if (shape[depth] !== v.length) throw new SpikegradError(`tensor: ragged nested array (axis ${depth} has lengths ${shape[depth]} and ${v.length})`);
    for (const e of v) flattenNested(e, out, shape, depth + 1);
  } else {
    if (depth !== shape.length) throw new SpikegradError(`tensor: ragged nested array (a number at depth ${depth}, expected depth ${shape.length})`);
    out.push(typeof v === "boolean" ? Number(v) : v);
  }
}
function tensor(values, shape, dtype, backend) {
  let flat;
  let inferred;
  if (ArrayBuffer.isView(values)) {
    flat = values;
    inferred = [values.length];
  } else if (typeof values === "number" || typeof values === "boolean") {
    flat = [Number(values)];
    inferred = [];
  } else {
    const out = [];
    inferred = [];
    flattenNested(values, out, inferred, 0);
    flat = out;
  }
  const sh = shape ? checkShape("tensor", "shape", shape) : inferred;
  if (sizeOf(sh) !== flat.length) {
    throw new SpikegradError(`tensor: argument 'shape' ${fmtShape(sh)} needs ${sizeOf(sh)} values, got ${flat.length}`);
  }
  const dt = dtype ?? (values instanceof Float64Array ? "float64" : values instanceof Int32Array ? "int32" : values instanceof Uint8Array ? "bool" : "float32");
  const be2 = backend ?? getBackend();
  if (dt === "float64" && !be2.supportsFloat64) throw new SpikegradError(`tensor: the ${be2.name} backend has no float64`);
  const data = toTypedArray(flat, dt);
  const t = new Tensor(be2, be2.upload(data, dt), sh, dt);
  noteIntValues(t, data);
  return t;
}
function scalar(value, dtype = "float32", backend) {
  return tensor(value, [], dtype, backend);
}
function full(shape, value, dtype = "float32", backend) {
  return run1("fill", [], { shape: checkShape("full", "shape", shape), dtype, value }, backend);
}
function zerosLike(x2) {
  return full([...x2.shape], 0, x2.dtype, x2.backend);
}
function onesLike(x2) {
  return full([...x2.shape], 1, x2.dtype, x2.backend);
}
async function toBackend(x2, name) {
  const be2 = await getBackendInstance(name);
  if (be2 === x2.backend) return x2.share();
  const data = await x2.data();
  return new Tensor(be2, be2.upload(data, x2.dtype), x2.shape, x2.dtype);
}
function scalarValue(op2, v) {
  if (typeof v === "number") return v;
  if (v && typeof v.toNumber === "function") return v.toNumber();
  throw new SpikegradError(`${op2}: expected a Tensor, a number or a dimensionless quantity, got ${describeValue(v)}`);
}
function pair(op2, a, b) {
  const aT = a instanceof Tensor, bT = b instanceof Tensor;
  if (aT && bT) return [a, b];
  if (aT) return [a, scalar(scalarValue(op2, b), a.dtype, a.backend)];
  if (bT) return [scalar(scalarValue(op2, a), b.dtype, b.backend), b];
  throw new SpikegradError(`${op2}: at least one operand must be a Tensor, got ${describeValue(a)} and ${describeValue(b)}`);
}
function asTensor(op2, x2, arg2 = "x") {
  if (x2 instanceof Tensor) return x2;
  throw new SpikegradError(`${op2}: argument '${arg2}' expected a Tensor, got ${describeValue(x2)}`);
}
function powScalar(x2, exponent) {
  if (!Number.isFinite(exponent)) throw new SpikegradError(`powScalar: argument 'exponent' expected a finite number, got ${exponent}`);
  return run1("powScalar", [asTensor("powScalar", x2)], { exponent });
}
function cast(x2, dtype) {
  if (x2.dtype === dtype) return reshape(x2, x2.shape);
  const y = run1("cast", [asTensor("cast", x2)], { dtype });
  if (x2.dtype === "bool") noteIntRange(y, { min: 0, max: 1 });
  return y;
}
function where(condition, a, b) {
  const [x2, y] = pair("where", a, b);
  return run1("where", [asTensor("where", condition, "condition"), x2, y], {});
}
function stopGradient(x2) {
  return noGrad(() => x2.share());
}
function sum2(x2, axes, keepDims = false) {
  x2 = asTensor("sum", x2);
  return run1("sum", [x2], { axes: normalizeAxes("sum", axes, x2.rank), keepDims });
}
function max2(x2, axes, keepDims = false) {
  x2 = asTensor("max", x2);
  return run1("max", [x2], { axes: normalizeAxes("max", axes, x2.rank), keepDims });
}
function min2(x2, axes, keepDims = false) {
  x2 = asTensor("min", x2);
  return run1("min", [x2], { axes: normalizeAxes("min", axes, x2.rank), keepDims });
}
function mean(x2, axes, keepDims = false) {
  x2 = asTensor("mean", x2);
  if (!isFloat(x2.dtype)) throw new SpikegradError(`mean: argument 'x' expected a float tensor, got ${x2.dtype} ${fmtShape(x2.shape)}`);
  const ax = normalizeAxes("mean", axes, x2.rank);
  const n = ax.reduce((p, a) => p * x2.shape[a], 1);
  return mul2(sum2(x2, ax, keepDims), 1 / n);
}
function argmax(x2, axis = -1) {
  x2 = asTensor("argmax", x2);
  return run1("argmax", [x2], { axis: normalizeAxis("argmax", axis, x2.rank) });
}
function logsumexp(x2, axes, keepDims = false) {
  const ax = normalizeAxes("logsumexp", axes, x2.rank);
  const m = stopGradient(max2(x2, ax, true));
  const lse = add2(log2(sum2(exp2(sub2(x2, m)), ax, true)), m);
  return keepDims ? lse : squeeze(lse, ax);
}
function softmax(x2, axis = -1) {
  const ax = normalizeAxis("softmax", axis, x2.rank);
  const e = exp2(sub2(x2, stopGradient(max2(x2, ax, true))));
  return div2(e, sum2(e, ax, true));
}
function reshape(x2, shape) {
  x2 = asTensor("reshape", x2);
  const sh = [...shape];
  const neg1 = sh.indexOf(-1);
  if (neg1 >= 0) {
    const rest = sh.reduce((p, d, i) => i === neg1 ? p : p * d, 1);
    if (rest === 0 || x2.size % rest !== 0) throw new SpikegradError(`reshape: cannot infer the -1 in ${fmtShape(sh)} for ${x2.size} elements`);
    sh[neg1] = x2.size / rest;
  }
  checkShape("reshape", "shape", sh);
  const y = run1("reshape", [x2], { shape: sh });
  inheritIntRange(x2, y);
  return y;
}
function permute(x2, perm) {
  x2 = asTensor("permute", x2);
  return run1("permute", [x2], { perm: perm.map((p) => normalizeAxis("permute", p, x2.rank)) });
}
function transpose(x2, perm) {
  return permute(x2, perm ?? Array.from({ length: x2.rank }, (_, i) => x2.rank - 1 - i));
}
function broadcastTo(x2, shape) {
  x2 = asTensor("broadcastTo", x2);
  return run1("broadcastTo", [x2], { shape: checkShape("broadcastTo", "shape", [...shape]) });
}
function expandDims(x2, axis) {
  const ax = normalizeAxis("expandDims", axis, x2.rank + 1);
  const sh = [...x2.shape];
  sh.splice(ax, 0, 1);
  return reshape(x2, sh);
}
function squeeze(x2, axes) {
  const ax = axes === void 0 ? x2.shape.flatMap((d, i) => d === 1 ? [i] : []) : normalizeAxes("squeeze", axes, x2.rank);
  for (const a of ax) if (x2.shape[a] !== 1) throw new SpikegradError(`squeeze: axis ${a} of ${fmtShape(x2.shape)} has size ${x2.shape[a]}, not 1`);
  return reshape(x2, x2.shape.filter((_, i) => !ax.includes(i)));
}
function slice(x2, begin, size) {
  x2 = asTensor("slice", x2);
  const sz = size.map((s2, i) => s2 === -1 ? x2.shape[i] - (begin[i] ?? 0) : s2);
  const y = run1("slice", [x2], { begin: [...begin], size: sz });
  inheritIntRange(x2, y);
  return y;
}
function pad(x2, before, after) {
  return run1("pad", [asTensor("pad", x2)], { before: [...before], after: [...after] });
}
function index(x2, i, axis = 0) {
  x2 = asTensor("index", x2);
  const ax = normalizeAxis("index", axis, x2.rank);
  const n = x2.shape[ax];
  if (!Number.isInteger(i) || i < -n || i >= n) throw new SpikegradError(`index: argument 'i' expected an integer in [${-n}, ${n - 1}] for axis ${ax} of ${fmtShape(x2.shape)}, got ${i}`);
  const ii = i < 0 ? i + n : i;
  const begin = x2.shape.map((_, k) => k === ax ? ii : 0);
  const size = x2.shape.map((d, k) => k === ax ? 1 : d);
  return reshape(slice(x2, begin, size), x2.shape.filter((_, k) => k !== ax));
}
function concat(xs, axis = 0) {
  if (!Array.isArray(xs) || xs.length === 0) throw new SpikegradError(`concat: argument 'xs' expected a non-empty array of tensors, got ${describeValue(xs)}`);
  if (xs.length === 1) return reshape(xs[0], xs[0].shape);
  return run1("concat", xs, { axis });
}
function stack(xs, axis = 0) {
  if (!Array.isArray(xs) || xs.length === 0) throw new SpikegradError(`stack: argument 'xs' expected a non-empty array of tensors, got ${describeValue(xs)}`);
  const ax = normalizeAxis("stack", axis, xs[0].rank + 1);
  return concat(xs.map((x2) => expandDims(x2, ax)), ax);
}
function gather(x2, indices, axis = 0) {
  return run1("gather", [asTensor("gather", x2), asTensor("gather", indices, "indices")], { axis });
}
function oneHot(indices, depth, dtype = "float32") {
  const oh = run1("oneHot", [asTensor("oneHot", indices, "indices")], { depth });
  return dtype === "float32" ? oh : cast(oh, dtype);
}
function matmul(a, b, opts = {}) {
  return run1("matmul", [asTensor("matmul", a, "a"), asTensor("matmul", b, "b")], {
    transposeA: opts.transposeA ?? false,
    transposeB: opts.transposeB ?? false
  });
}
function linear(x2, w, b) {
  return run1("linear", [asTensor("linear", x2, "x"), asTensor("linear", w, "W"), asTensor("linear", b, "b")], {});
}
function softmaxCrossEntropy(logits, labels) {
  return run1("softmaxCrossEntropy", [asTensor("softmaxCrossEntropy", logits, "logits"), asTensor("softmaxCrossEntropy", labels, "labels")], {});
}
function softmaxCrossEntropyGrad(logits, labels, dy) {
  return run1("softmaxCrossEntropyGrad", [logits, labels, dy], {});
}
var un2, bin, neg2, abs2, sign2, exp2, expm1, log2, log1p2, sqrt2, sigmoid2, tanh2, sin2, cos2, floor2, logicalNot, add2, sub2, mul2, div2, maximum, minimum, pow2, lt2, le2, gt2, ge2, eq2, ne2, logicalAnd, logicalOr, square2, relu;
var init_api = __esm({
  "engine/api.ts"() {
    "use strict";
    init_backends();
    init_dtype();
    init_errors();
    init_intRange();
    init_shape();
    init_dispatch();
    init_tape();
    init_tensor();
    un2 = (op2) => (x2) => run1(op2, [asTensor(op2, x2)], {});
    bin = (op2) => (a, b) => run1(op2, pair(op2, a, b), {});
    neg2 = un2("neg");
    abs2 = un2("abs");
    sign2 = un2("sign");
    exp2 = un2("exp");
    expm1 = un2("expm1");
    log2 = un2("log");
    log1p2 = un2("log1p");
    sqrt2 = un2("sqrt");
    sigmoid2 = un2("sigmoid");
    tanh2 = un2("tanh");
    sin2 = un2("sin");
    cos2 = un2("cos");
    floor2 = un2("floor");
    logicalNot = un2("logicalNot");
    add2 = bin("add");
    sub2 = bin("sub");
    mul2 = bin("mul");
    div2 = bin("div");
    maximum = bin("maximum");
    minimum = bin("minimum");
    pow2 = (a, b) => {
      if (a instanceof Tensor && !(b instanceof Tensor)) return powScalar(a, scalarValue("pow", b));
      return run1("pow", pair("pow", a, b), {});
    };
    lt2 = bin("lt");
    le2 = bin("le");
    gt2 = bin("gt");
    ge2 = bin("ge");
    eq2 = bin("eq");
    ne2 = bin("ne");
    logicalAnd = (a, b) => run1("logicalAnd", [a, b], {});
    logicalOr = (a, b) => run1("logicalOr", [a, b], {});
    square2 = (x2) => mul2(x2, x2);
    relu = (x2) => maximum(x2, 0);
  }
});

// engine/opsSpike.ts
function floatInput(op2, ins, n) {
  if (ins.length !== n) throw new SpikegradError(`${op2}: expected ${n} input(s), got ${ins.length}`);
  const x2 = ins[0];
  if (!isFloat(x2.dtype)) {
    throw new SpikegradError(`${op2}: argument 'x' expected a float32 or float64 tensor, got ${x2.dtype} ${fmtShape(x2.shape)}`);
  }
  return x2;
}
function checkSurrogate(op2, a) {
  const s2 = a?.surrogate;
  if (!s2 || typeof s2.key !== "string" || typeof s2.gradScalar !== "function" || typeof s2.gradExpr !== "object") {
    throw new SpikegradError(`${op2}: attribute 'surrogate' expected a Surrogate (e.g. new surrogate.Sigmoid()), got ${describeValue(s2)}`);
  }
}
var sameAsX, spikeVjp, SPIKE_OPS;
var init_opsSpike = __esm({
  "engine/opsSpike.ts"() {
    "use strict";
    init_errors();
    init_dtype();
    init_dispatch();
    sameAsX = (op2) => (ins, a) => {
      checkSurrogate(op2, a);
      const x2 = floatInput(op2, ins, 1);
      return [{ shape: [...x2.shape], dtype: x2.dtype }];
    };
    spikeVjp = ([dy], s2, a) => [run1("spikeGrad", [s2.inputs[0], dy], { surrogate: a.surrogate })];
    SPIKE_OPS = {
      spike: { infer: sameAsX("spike"), save: { inputs: [0] }, vjp: spikeVjp },
      spikeGrad: {
        infer(ins, a) {
          checkSurrogate("spikeGrad", a);
          const x2 = floatInput("spikeGrad", ins, 2);
          const dy = ins[1];
          if (dy.dtype !== x2.dtype || dy.shape.length !== x2.shape.length || dy.shape.some((d, i) => d !== x2.shape[i])) {
            throw new SpikegradError(`spikeGrad: argument 'dy' expected ${x2.dtype} ${fmtShape(x2.shape)} like 'x', got ${dy.dtype} ${fmtShape(dy.shape)}`);
          }
          return [{ shape: [...x2.shape], dtype: x2.dtype }];
        }
      },
      surrogateGrad: { infer: sameAsX("surrogateGrad") },
      surrogateFun: {
        infer(ins, a) {
          const out = sameAsX("surrogateFun")(ins, a);
          if (!a.surrogate.funExpr) throw new SpikegradError(`surrogateFun: ${a.surrogate.toString()} has no smooth function (it is a gradient-only surrogate)`);
          return out;
        },
        save: { inputs: [0] },
        vjp: spikeVjp
      }
    };
  }
});

// engine/opsNeuron.ts
function requireFloatSeq(op2, x2) {
  if (!isFloat(x2.dtype)) throw new SpikegradError(`${op2}: argument 'x' expected a float32 or float64 tensor, got ${x2.dtype} ${fmtShape(x2.shape)}`);
  if (x2.shape.length < 1 || x2.shape[0] < 1) {
    throw new SpikegradError(`${op2}: argument 'x' expected a sequence [T, ...] with T >= 1, got ${fmtShape(x2.shape)}`);
  }
}
function requireState(op2, name, x2, s2) {
  const want = x2.shape.slice(1);
  if (!sameShape(s2.shape, want) || s2.dtype !== x2.dtype) {
    throw new SpikegradError(`${op2}: argument '${name}' expected ${x2.dtype} ${fmtShape(want)} (x's shape without its time axis), got ${s2.dtype} ${fmtShape(s2.shape)}`);
  }
}
function requireArity(op2, ins, n) {
  if (ins.length !== n) throw new SpikegradError(`${op2}: expected ${n} inputs, got ${ins.length}`);
}
function seqOut(x2) {
  return { shape: [...x2.shape], dtype: x2.dtype };
}
function stateOut(x2) {
  return { shape: x2.shape.slice(1), dtype: x2.dtype };
}
function gradInputs(op2, ins, fixed, flags) {
  requireArity(op2, ins, fixed + flags.filter(Boolean).length);
  const seq = ins[fixed - 1];
  for (let i = fixed; i < ins.length; i++) {
    if (!sameShape(ins[i].shape, seq.shape) || ins[i].dtype !== seq.dtype) {
      throw new SpikegradError(`${op2}: cotangent ${i - fixed} expected ${seq.dtype} ${fmtShape(seq.shape)}, got ${ins[i].dtype} ${fmtShape(ins[i].shape)}`);
    }
  }
}
function present(...ts) {
  return ts.filter((t) => t !== null);
}
var NEURON_OPS;
var init_opsNeuron = __esm({
  "engine/opsNeuron.ts"() {
    "use strict";
    init_dtype();
    init_errors();
    init_shape();
    init_dispatch();
    NEURON_OPS = {
      /** [x (T,…), V0 (…)] → [spikes (T,…), V (T,…)]: the membrane after each step's integration. */
      lifRun: {
        infer(ins) {
          requireArity("lifRun", ins, 2);
          requireFloatSeq("lifRun", ins[0]);
          requireState("lifRun", "v0", ins[0], ins[1]);
          return [seqOut(ins[0]), seqOut(ins[0])];
        },
        save: { inputs: [1], outputs: [1] },
        vjp([dS, dV], s2, a, needs) {
          const [v0, vs] = [s2.inputs[1], s2.outputs[1]];
          const [dx, dv0] = runOp("lifRunGrad", [v0, vs, ...present(dS ?? null, dV ?? null)], { ...a, hasDS: !!dS, hasDV: !!dV });
          return [needs[0] ? dx : null, needs[1] ? dv0 : null];
        }
      },
      /** [V0, V (T,…), dSpikes?, dV?] → [dx (T,…), dV0]. */
      lifRunGrad: {
        infer(ins, a) {
          gradInputs("lifRunGrad", ins, 2, [a.hasDS, a.hasDV]);
          return [seqOut(ins[1]), stateOut(ins[1])];
        }
      },
      /** [x, V0, a0] → [spikes, V, a], all sequences but the initial states. */
      alifRun: {
        infer(ins) {
          requireArity("alifRun", ins, 3);
          requireFloatSeq("alifRun", ins[0]);
          requireState("alifRun", "v0", ins[0], ins[1]);
          requireState("alifRun", "a0", ins[0], ins[2]);
          return [seqOut(ins[0]), seqOut(ins[0]), seqOut(ins[0])];
        },
        save: { inputs: [1, 2], outputs: [1, 2] },
        vjp([dS, dV, dA], s2, a, needs) {
          const ins = [s2.inputs[1], s2.inputs[2], s2.outputs[1], s2.outputs[2], ...present(dS ?? null, dV ?? null, dA ?? null)];
          const [dx, dv0, da0] = runOp("alifRunGrad", ins, { ...a, hasDS: !!dS, hasDV: !!dV, hasDA: !!dA });
          return [needs[0] ? dx : null, needs[1] ? dv0 : null, needs[2] ? da0 : null];
        }
      },
      /** [V0, a0, V (T,…), a (T,…), dSpikes?, dV?, dA?] → [dx, dV0, dA0]. */
      alifRunGrad: {
        infer(ins, a) {
          gradInputs("alifRunGrad", ins, 4, [a.hasDS, a.hasDV, a.hasDA]);
          return [seqOut(ins[2]), stateOut(ins[2]), stateOut(ins[2])];
        }
      }
    };
  }
});

// engine/opsSynapse.ts
function checkSeqAndStates(op2, ins, names) {
  if (ins.length !== names.length + 1) throw new SpikegradError(`${op2}: expected ${names.length + 1} inputs, got ${ins.length}`);
  const x2 = ins[0];
  if (!isFloat(x2.dtype)) throw new SpikegradError(`${op2}: argument 'x' expected a float32 or float64 tensor, got ${x2.dtype} ${fmtShape(x2.shape)}`);
  if (x2.shape.length < 1 || x2.shape[0] < 1) throw new SpikegradError(`${op2}: argument 'x' expected a sequence [T, ...] with T >= 1, got ${fmtShape(x2.shape)}`);
  const want = x2.shape.slice(1);
  names.forEach((name, i) => {
    const s2 = ins[i + 1];
    if (!sameShape(s2.shape, want) || s2.dtype !== x2.dtype) {
      throw new SpikegradError(`${op2}: argument '${name}' expected ${x2.dtype} ${fmtShape(want)} (x's shape without its time axis), got ${s2.dtype} ${fmtShape(s2.shape)}`);
    }
  });
}
function decayBackward(dG, decay, needs) {
  const [dx, dg0] = runOp("decayRunGrad", [dG], { decay });
  return [needs[0] ? dx : null, needs[1] ? dg0 : null];
}
var seqOut2, stateOut2, SYNAPSE_OPS;
var init_opsSynapse = __esm({
  "engine/opsSynapse.ts"() {
    "use strict";
    init_dtype();
    init_errors();
    init_shape();
    init_api();
    init_dispatch();
    seqOut2 = (x2) => ({ shape: [...x2.shape], dtype: x2.dtype });
    stateOut2 = (x2) => ({ shape: x2.shape.slice(1), dtype: x2.dtype });
    SYNAPSE_OPS = {
      /** [x (T,…), g0 (…)] → [g (T,…)]: the conductance after each step, which is also the output. */
      exponRun: {
        infer(ins) {
          checkSeqAndStates("exponRun", ins, ["g0"]);
          return [seqOut2(ins[0])];
        },
        // ∂g_t/∂g_{t−1} = 1 − coef/τ: the exact derivative of the exp-Euler step of a linear drift.
        vjp: ([dG], _s, a, needs) => decayBackward(dG, 1 - a.coef / a.tau, needs)
      },
      /** [x, r0] → [r]: r_t = decay·r_{t−1} + x_t. */
      leakyRun: {
        infer(ins) {
          checkSeqAndStates("leakyRun", ins, ["r0"]);
          return [seqOut2(ins[0])];
        },
        vjp: ([dG], _s, a, needs) => decayBackward(dG, a.decay, needs)
      },
      /** [dG (T,…)] → [dx (T,…), dg0 (…)]. */
      decayRunGrad: {
        infer(ins) {
          if (ins.length !== 1) throw new SpikegradError(`decayRunGrad: expected 1 input, got ${ins.length}`);
          return [seqOut2(ins[0]), stateOut2(ins[0])];
        }
      },
      /** [x, gRise0, gDecay0] → [out (T,…), gRise_T, gDecay_T]. */
      dualExponRun: {
        infer(ins) {
          checkSeqAndStates("dualExponRun", ins, ["gRise0", "gDecay0"]);
          return [seqOut2(ins[0]), stateOut2(ins[0]), stateOut2(ins[0])];
        },
        vjp([dOut, dRise, dDecay], s2, a, needs) {
          const x2 = s2.inMeta[0];
          const d = dOut ?? full([...x2.shape], 0, x2.dtype);
          const ins = [d, ...dRise ? [dRise] : [], ...dDecay ? [dDecay] : []];
          const [dx, dr0, dd0] = runOp("dualExponRunGrad", ins, { ...a, hasDRise: !!dRise, hasDDecay: !!dDecay });
          return [needs[0] ? dx : null, needs[1] ? dr0 : null, needs[2] ? dd0 : null];
        }
      },
      /** [dOut (T,…), dRise_T?, dDecay_T?] → [dx, dRise0, dDecay0]. */
      dualExponRunGrad: {
        infer(ins, a) {
          const n = 1 + Number(a.hasDRise) + Number(a.hasDDecay);
          if (ins.length !== n) throw new SpikegradError(`dualExponRunGrad: expected ${n} inputs, got ${ins.length}`);
          const d = ins[0];
          for (let i = 1; i < n; i++) {
            if (!sameShape(ins[i].shape, d.shape.slice(1))) {
              throw new SpikegradError(`dualExponRunGrad: input ${i} expected ${fmtShape(d.shape.slice(1))}, got ${fmtShape(ins[i].shape)}`);
            }
          }
          return [seqOut2(d), stateOut2(d), stateOut2(d)];
        }
      }
    };
  }
});

// engine/opsLinear.ts
var LINEAR_OPS;
var init_opsLinear = __esm({
  "engine/opsLinear.ts"() {
    "use strict";
    init_dtype();
    init_errors();
    init_api();
    LINEAR_OPS = {
      /** [x (M, K), W (K, N), b (N)] → [y (M, N)]. */
      linear: {
        infer(ins) {
          if (ins.length !== 3) throw new SpikegradError(`linear: expected 3 inputs (x, W, b), got ${ins.length}`);
          const [x2, w, b] = ins;
          if (!isFloat(x2.dtype) || x2.shape.length !== 2) {
            throw new SpikegradError(`linear: argument 'x' expected a float matrix [rows, in], got ${x2.dtype} ${fmtShape(x2.shape)}`);
          }
          const [M2, K] = x2.shape;
          if (w.shape.length !== 2 || w.shape[0] !== K || w.dtype !== x2.dtype) {
            throw new SpikegradError(`linear: argument 'W' expected ${x2.dtype} [${K}, out] (x is ${fmtShape(x2.shape)}), got ${w.dtype} ${fmtShape(w.shape)}`);
          }
          const N = w.shape[1];
          if (b.shape.length !== 1 || b.shape[0] !== N || b.dtype !== x2.dtype) {
            throw new SpikegradError(`linear: argument 'b' expected ${x2.dtype} [${N}] (W is ${fmtShape(w.shape)}), got ${b.dtype} ${fmtShape(b.shape)}`);
          }
          return [{ shape: [M2, N], dtype: x2.dtype }];
        },
        save: { inputs: [0, 1] },
        vjp([dy], s2, _a, needs) {
          const [x2, w] = [s2.inputs[0], s2.inputs[1]];
          return [
            needs[0] ? matmul(dy, w, { transposeB: true }) : null,
            needs[1] ? matmul(x2, dy, { transposeA: true }) : null,
            needs[2] ? sum2(dy, [0]) : null
          ];
        }
      }
    };
  }
});

// engine/ops.ts
function requireArity2(op2, ins, n) {
  if (ins.length !== n) throw new SpikegradError(`${op2}: expected ${n} input(s), got ${ins.length}`);
}
function requireFloat(op2, arg2, m) {
  if (!isFloat(m.dtype)) {
    throw new SpikegradError(`${op2}: argument '${arg2}' expected a float32 or float64 tensor, got ${m.dtype} ${fmtShape(m.shape)}`);
  }
}
function requireSameDtype(op2, a, b) {
  if (a.dtype !== b.dtype) {
    throw new SpikegradError(
      `${op2}: operands must have the same dtype, got ${a.dtype} ${fmtShape(a.shape)} and ${b.dtype} ${fmtShape(b.shape)} (use .astype())`
    );
  }
}
function unary(kind, d, save = { inputs: [0], outputs: [0] }) {
  return {
    infer(ins) {
      requireArity2("unary op", ins, 1);
      const m = ins[0];
      if (kind === "float") requireFloat("unary op", "x", m);
      if (kind === "numeric" && m.dtype === "bool") {
        throw new SpikegradError(`unary op: argument 'x' expected a numeric tensor, got bool ${fmtShape(m.shape)}`);
      }
      if (kind === "bool" && m.dtype !== "bool") {
        throw new SpikegradError(`logicalNot: argument 'x' expected a bool tensor, got ${m.dtype} ${fmtShape(m.shape)}`);
      }
      return [{ shape: [...m.shape], dtype: m.dtype }];
    },
    ...d ? { save, vjp: ([dy], s2) => [d(dy, s2.inputs[0], s2.outputs[0])] } : {}
  };
}
function withName(name, def) {
  return {
    ...def,
    infer(ins, attrs) {
      try {
        return def.infer(ins, attrs);
      } catch (e) {
        if (e instanceof SpikegradError) e.message = e.message.replace(/^(unary|binary) op:/, `${name}:`);
        throw e;
      }
    }
  };
}
function binary(kind, vjp, save) {
  return {
    infer(ins) {
      requireArity2("binary op", ins, 2);
      const [a, b] = ins;
      requireSameDtype("binary op", a, b);
      if (kind === "float") requireFloat("binary op", "a", a);
      if (kind === "arith" && a.dtype === "bool") {
        throw new SpikegradError(`binary op: expected numeric operands, got bool ${fmtShape(a.shape)} (use .astype())`);
      }
      if (kind === "bool" && a.dtype !== "bool") {
        throw new SpikegradError(`binary op: expected bool operands, got ${a.dtype} ${fmtShape(a.shape)}`);
      }
      const shape = broadcastShapes("binary op", a.shape, b.shape);
      return [{ shape, dtype: kind === "compare" || kind === "bool" ? "bool" : a.dtype }];
    },
    ...vjp ? { vjp, save: save ?? {} } : {}
  };
}
function reduceInfer(op2) {
  return (ins, a) => {
    requireArity2(op2, ins, 1);
    const m = ins[0];
    if (m.dtype === "bool") throw new SpikegradError(`${op2}: argument 'x' expected a numeric tensor, got bool ${fmtShape(m.shape)}`);
    for (const ax of a.axes) normalizeAxis(op2, ax, m.shape.length);
    if (op2 !== "sum") {
      for (const ax of a.axes) {
        if (m.shape[ax] === 0) throw new SpikegradError(`${op2}: cannot reduce over axis ${ax} of size 0 in ${fmtShape(m.shape)}`);
      }
    }
    return [{ shape: reducedShape(m.shape, a.axes, a.keepDims), dtype: m.dtype }];
  };
}
function extremeVjp(dys, s2, a) {
  const x2 = s2.inputs[0];
  const keepShape = reducedShape(x2.shape, a.axes, true);
  const y = reshape(s2.outputs[0], keepShape);
  const mask = cast(eq2(x2, y), x2.dtype);
  const count = sum2(mask, a.axes, true);
  return [div2(mul2(mask, reshape(dys[0], keepShape)), count)];
}
function inversePerm(perm) {
  const inv = new Array(perm.length);
  perm.forEach((p, i) => inv[p] = i);
  return inv;
}
function matmulShape(a, b, tA, tB) {
  if (a.length < 2 || b.length < 2) {
    throw new SpikegradError(`matmul: both operands need rank >= 2, got ${fmtShape(a)} and ${fmtShape(b)}`);
  }
  const [m, ka] = tA ? [a.at(-1), a.at(-2)] : [a.at(-2), a.at(-1)];
  const [kb, n] = tB ? [b.at(-1), b.at(-2)] : [b.at(-2), b.at(-1)];
  if (ka !== kb) {
    throw new SpikegradError(
      `matmul: inner dimensions differ: ${fmtShape(a)}${tA ? "\u1D40" : ""} @ ${fmtShape(b)}${tB ? "\u1D40" : ""} contracts ${ka} with ${kb}`
    );
  }
  const batch = broadcastShapes("matmul (batch dims)", a.slice(0, -2), b.slice(0, -2));
  return [...batch, m, n];
}
var UNARY_OPS, BINARY_OPS, OPS;
var init_ops = __esm({
  "engine/ops.ts"() {
    "use strict";
    init_dtype();
    init_errors();
    init_shape();
    init_api();
    init_opsSpike();
    init_opsNeuron();
    init_opsSynapse();
    init_opsLinear();
    UNARY_OPS = [
      "neg",
      "abs",
      "sign",
      "exp",
      "expm1",
      "log",
      "log1p",
      "sqrt",
      "sigmoid",
      "tanh",
      "sin",
      "cos",
      "floor",
      "logicalNot"
    ];
    BINARY_OPS = [
      "add",
      "sub",
      "mul",
      "div",
      "maximum",
      "minimum",
      "pow",
      "lt",
      "le",
      "gt",
      "ge",
      "eq",
      "ne",
      "logicalAnd",
      "logicalOr"
    ];
    OPS = {
      // Unary elementwise
      neg: withName("neg", unary("numeric", (dy) => neg2(dy), {})),
      abs: withName("abs", unary("numeric", (dy, x2) => mul2(dy, sign2(x2)), { inputs: [0] })),
      sign: withName("sign", unary("numeric")),
      exp: withName("exp", unary("float", (dy, _x, y) => mul2(dy, y), { outputs: [0] })),
      expm1: withName("expm1", unary("float", (dy, _x, y) => mul2(dy, add2(y, 1)), { outputs: [0] })),
      log: withName("log", unary("float", (dy, x2) => div2(dy, x2), { inputs: [0] })),
      log1p: withName("log1p", unary("float", (dy, x2) => div2(dy, add2(x2, 1)), { inputs: [0] })),
      sqrt: withName("sqrt", unary("float", (dy, _x, y) => div2(dy, mul2(y, 2)), { outputs: [0] })),
      sigmoid: withName("sigmoid", unary("float", (dy, _x, y) => mul2(dy, mul2(y, sub2(1, y))), { outputs: [0] })),
      tanh: withName("tanh", unary("float", (dy, _x, y) => mul2(dy, sub2(1, mul2(y, y))), { outputs: [0] })),
      sin: withName("sin", unary("float", (dy, x2) => mul2(dy, cos2(x2)), { inputs: [0] })),
      cos: withName("cos", unary("float", (dy, x2) => neg2(mul2(dy, sin2(x2))), { inputs: [0] })),
      floor: withName("floor", unary("float")),
      logicalNot: withName("logicalNot", unary("bool")),
      powScalar: {
        infer(ins) {
          requireArity2("powScalar", ins, 1);
          requireFloat("powScalar", "x", ins[0]);
          return [{ shape: [...ins[0].shape], dtype: ins[0].dtype }];
        },
        save: { inputs: [0] },
        vjp: ([dy], s2, a) => [mul2(dy, mul2(powScalar(s2.inputs[0], a.exponent - 1), a.exponent))]
      },
      cast: {
        infer(ins, a) {
          requireArity2("cast", ins, 1);
          return [{ shape: [...ins[0].shape], dtype: a.dtype }];
        },
        // Differentiable only float → float; the gradient is cast back to the input's precision.
        vjp: ([dy], s2, a) => [isFloat(a.dtype) && isFloat(s2.inMeta[0].dtype) ? cast(dy, s2.inMeta[0].dtype) : null]
      },
      // Binary elementwise (broadcasting)
      add: withName("add", binary("arith", ([dy]) => [dy, dy])),
      sub: withName("sub", binary("arith", ([dy], _s, _a, needs) => [dy, needs[1] ? neg2(dy) : null])),
      mul: withName("mul", binary("arith", ([dy], s2, _a, needs) => [
        needs[0] ? mul2(dy, s2.inputs[1]) : null,
        needs[1] ? mul2(dy, s2.inputs[0]) : null
      ], { inputs: [0, 1] })),
      div: withName("div", binary("float", ([dy], s2, _a, needs) => [
        needs[0] ? div2(dy, s2.inputs[1]) : null,
        needs[1] ? neg2(div2(mul2(dy, s2.outputs[0]), s2.inputs[1])) : null
      ], { inputs: [1], outputs: [0] })),
      maximum: withName("maximum", binary("arith", ([dy], s2, _a, needs) => {
        const aWins = ge2(s2.inputs[0], s2.inputs[1]);
        const zero = zerosLike(dy);
        return [needs[0] ? where(aWins, dy, zero) : null, needs[1] ? where(aWins, zero, dy) : null];
      }, { inputs: [0, 1] })),
      minimum: withName("minimum", binary("arith", ([dy], s2, _a, needs) => {
        const aWins = le2(s2.inputs[0], s2.inputs[1]);
        const zero = zerosLike(dy);
        return [needs[0] ? where(aWins, dy, zero) : null, needs[1] ? where(aWins, zero, dy) : null];
      }, { inputs: [0, 1] })),
      pow: withName("pow", binary("float", ([dy], s2, _a, needs) => {
        const [a, b] = [s2.inputs[0], s2.inputs[1]];
        const y = s2.outputs[0];
        return [
          needs[0] ? mul2(dy, mul2(b, pow2(a, sub2(b, 1)))) : null,
          // d/db a^b = a^b · ln a, taken as 0 where a = 0 (the limit used by JAX and PyTorch).
          needs[1] ? mul2(dy, where(eq2(a, 0), zerosLike(y), mul2(y, log2(abs2(a))))) : null
        ];
      }, { inputs: [0, 1], outputs: [0] })),
      lt: withName("lt", binary("compare")),
      le: withName("le", binary("compare")),
      gt: withName("gt", binary("compare")),
      ge: withName("ge", binary("compare")),
      eq: withName("eq", binary("compare")),
      ne: withName("ne", binary("compare")),
      logicalAnd: withName("logicalAnd", binary("bool")),
      logicalOr: withName("logicalOr", binary("bool")),
      where: {
        infer(ins) {
          requireArity2("where", ins, 3);
          const [c, a, b] = ins;
          if (c.dtype !== "bool") throw new SpikegradError(`where: argument 'condition' expected a bool tensor, got ${c.dtype} ${fmtShape(c.shape)}`);
          requireSameDtype("where", a, b);
          return [{ shape: broadcastShapes("where", c.shape, a.shape, b.shape), dtype: a.dtype }];
        },
        save: { inputs: [0] },
        vjp: ([dy], s2, _a, needs) => {
          const zero = zerosLike(dy);
          return [null, needs[1] ? where(s2.inputs[0], dy, zero) : null, needs[2] ? where(s2.inputs[0], zero, dy) : null];
        }
      },
      // Reductions
      sum: {
        infer: reduceInfer("sum"),
        vjp: ([dy], s2, a) => {
          const inShape = s2.inMeta[0].shape;
          return [broadcastTo(reshape(dy, reducedShape(inShape, a.axes, true)), [...inShape])];
        }
      },
      max: { infer: reduceInfer("max"), save: { inputs: [0], outputs: [0] }, vjp: extremeVjp },
      min: { infer: reduceInfer("min"), save: { inputs: [0], outputs: [0] }, vjp: extremeVjp },
      argmax: {
        infer(ins, a) {
          requireArity2("argmax", ins, 1);
          const m = ins[0];
          const ax = normalizeAxis("argmax", a.axis, m.shape.length);
          if (m.shape[ax] === 0) throw new SpikegradError(`argmax: cannot reduce over axis ${ax} of size 0`);
          return [{ shape: reducedShape(m.shape, [ax], false), dtype: "int32" }];
        }
      },
      // Movement
      reshape: {
        infer(ins, a) {
          requireArity2("reshape", ins, 1);
          const m = ins[0];
          if (sizeOf(a.shape) !== sizeOf(m.shape)) {
            throw new SpikegradError(`reshape: cannot reshape ${fmtShape(m.shape)} (${sizeOf(m.shape)} elements) to ${fmtShape(a.shape)} (${sizeOf(a.shape)} elements)`);
          }
          return [{ shape: [...a.shape], dtype: m.dtype }];
        },
        vjp: ([dy], s2) => [reshape(dy, [...s2.inMeta[0].shape])]
      },
      permute: {
        infer(ins, a) {
          requireArity2("permute", ins, 1);
          const m = ins[0];
          const r = m.shape.length;
          const ok = a.perm.length === r && [...a.perm].sort((x2, y) => x2 - y).every((p, i) => p === i);
          if (!ok) throw new SpikegradError(`permute: argument 'perm' expected a permutation of [0..${r - 1}], got [${a.perm.join(", ")}]`);
          return [{ shape: a.perm.map((p) => m.shape[p]), dtype: m.dtype }];
        },
        vjp: ([dy], _s, a) => [permute(dy, inversePerm(a.perm))]
      },
      broadcastTo: {
        infer(ins, a) {
          requireArity2("broadcastTo", ins, 1);
          const m = ins[0];
          const out = broadcastShapes("broadcastTo", m.shape, a.shape);
          if (!sameShape(out, a.shape)) {
            throw new SpikegradError(`broadcastTo: cannot broadcast ${fmtShape(m.shape)} to ${fmtShape(a.shape)}`);
          }
          return [{ shape: [...a.shape], dtype: m.dtype }];
        },
        vjp: ([dy]) => [dy]
        // the tape sums over the broadcast axes
      },
      slice: {
        infer(ins, a) {
          requireArity2("slice", ins, 1);
          const m = ins[0];
          const r = m.shape.length;
          if (a.begin.length !== r || a.size.length !== r) {
            throw new SpikegradError(`slice: 'begin' and 'size' need ${r} entries for ${fmtShape(m.shape)}, got [${a.begin}] and [${a.size}]`);
          }
          for (let i = 0; i < r; i++) {
            const b = a.begin[i], s2 = a.size[i];
            if (!Number.isInteger(b) || !Number.isInteger(s2) || b < 0 || s2 < 0 || b + s2 > m.shape[i]) {
              throw new SpikegradError(`slice: axis ${i} range [${b}, ${b + s2}) is outside [0, ${m.shape[i]}) of ${fmtShape(m.shape)}`);
            }
          }
          return [{ shape: [...a.size], dtype: m.dtype }];
        },
        vjp: ([dy], s2, a) => {
          const inShape = s2.inMeta[0].shape;
          return [pad(dy, a.begin, inShape.map((d, i) => d - a.begin[i] - a.size[i]))];
        }
      },
      pad: {
        infer(ins, a) {
          requireArity2("pad", ins, 1);
          const m = ins[0];
          const r = m.shape.length;
          if (a.before.length !== r || a.after.length !== r || [...a.before, ...a.after].some((p) => !Number.isInteger(p) || p < 0)) {
            throw new SpikegradError(`pad: 'before' and 'after' need ${r} non-negative integers for ${fmtShape(m.shape)}, got [${a.before}] and [${a.after}]`);
          }
          return [{ shape: m.shape.map((d, i) => d + a.before[i] + a.after[i]), dtype: m.dtype }];
        },
        vjp: ([dy], s2, a) => [slice(dy, a.before, [...s2.inMeta[0].shape])]
      },
      concat: {
        infer(ins, a) {
          if (ins.length === 0) throw new SpikegradError("concat: expected at least one tensor, got none");
          const first = ins[0];
          const ax = normalizeAxis("concat", a.axis, first.shape.length);
          let total = 0;
          ins.forEach((m, k) => {
            if (m.dtype !== first.dtype) throw new SpikegradError(`concat: tensor ${k} has dtype ${m.dtype}, tensor 0 has ${first.dtype}`);
            const ok = m.shape.length === first.shape.length && m.shape.every((d, i) => i === ax || d === first.shape[i]);
            if (!ok) throw new SpikegradError(`concat: tensor ${k} has shape ${fmtShape(m.shape)}, incompatible with ${fmtShape(first.shape)} along axis ${ax}`);
            total += m.shape[ax];
          });
          const shape = [...first.shape];
          shape[ax] = total;
          return [{ shape, dtype: first.dtype }];
        },
        vjp: ([dy], s2, a, needs) => {
          const ax = normalizeAxis("concat", a.axis, dy.shape.length);
          let offset = 0;
          return s2.inMeta.map((m, k) => {
            const begin = dy.shape.map((_, i) => i === ax ? offset : 0);
            offset += m.shape[ax];
            return needs[k] ? slice(dy, begin, [...m.shape]) : null;
          });
        }
      },
      gather: {
        infer(ins, a) {
          requireArity2("gather", ins, 2);
          const [x2, idx] = ins;
          if (idx.dtype !== "int32") throw new SpikegradError(`gather: argument 'indices' expected an int32 tensor, got ${idx.dtype} ${fmtShape(idx.shape)}`);
          const ax = normalizeAxis("gather", a.axis, x2.shape.length);
          return [{ shape: [...x2.shape.slice(0, ax), ...idx.shape, ...x2.shape.slice(ax + 1)], dtype: x2.dtype }];
        },
        save: { inputs: [1] },
        // dx = onehot(indices)ᵀ · dy with the gathered axis moved to the front: a matmul, no scatter kernel needed.
        vjp: ([dy], s2, a) => {
          const xShape = s2.inMeta[0].shape;
          const idx = s2.inputs[1];
          const ax = normalizeAxis("gather", a.axis, xShape.length);
          const pre = xShape.slice(0, ax), post = xShape.slice(ax + 1);
          const k = idx.shape.length;
          const permToFront = [
            ...Array.from({ length: k }, (_, i) => pre.length + i),
            ...pre.map((_, i) => i),
            ...post.map((_, i) => pre.length + k + i)
          ];
          const dyFront = reshape(permute(dy, permToFront), [idx.size, sizeOf(pre) * sizeOf(post)]);
          const oh = oneHot(reshape(idx, [idx.size]), xShape[ax], dy.dtype);
          const dxFront = reshape(matmul(oh, dyFront, { transposeA: true }), [xShape[ax], ...pre, ...post]);
          const back = [...pre.map((_, i) => 1 + i), 0, ...post.map((_, i) => 1 + pre.length + i)];
          return [permute(dxFront, back), null];
        }
      },
      oneHot: {
        infer(ins, a) {
          requireArity2("oneHot", ins, 1);
          const m = ins[0];
          if (m.dtype !== "int32") throw new SpikegradError(`oneHot: argument 'indices' expected an int32 tensor, got ${m.dtype} ${fmtShape(m.shape)}`);
          if (!Number.isInteger(a.depth) || a.depth < 1) throw new SpikegradError(`oneHot: argument 'depth' expected a positive integer, got ${a.depth}`);
          return [{ shape: [...m.shape, a.depth], dtype: "float32" }];
        }
      },
      matmul: {
        infer(ins, a) {
          requireArity2("matmul", ins, 2);
          const [x2, y] = ins;
          requireSameDtype("matmul", x2, y);
          requireFloat("matmul", "a", x2);
          return [{ shape: matmulShape(x2.shape, y.shape, a.transposeA, a.transposeB), dtype: x2.dtype }];
        },
        save: { inputs: [0, 1] },
        vjp: ([dy], s2, { transposeA: tA, transposeB: tB }, needs) => {
          const [a, b] = [s2.inputs[0], s2.inputs[1]];
          return [
            needs[0] ? tA ? matmul(b, dy, { transposeA: tB, transposeB: true }) : matmul(dy, b, { transposeB: !tB }) : null,
            needs[1] ? tB ? matmul(dy, a, { transposeA: true, transposeB: tA }) : matmul(a, dy, { transposeA: !tA }) : null
          ];
        }
      },
      fill: {
        infer(ins, a) {
          requireArity2("fill", ins, 0);
          return [{ shape: [...a.shape], dtype: a.dtype }];
        }
      },
      // Fused, numerically stable softmax cross-entropy with integer labels (SPEC §7): per-sample loss [B].
      softmaxCrossEntropy: {
        infer(ins) {
          requireArity2("softmaxCrossEntropy", ins, 2);
          const [logits, labels] = ins;
          requireFloat("softmaxCrossEntropy", "logits", logits);
          if (logits.shape.length !== 2) throw new SpikegradError(`softmaxCrossEntropy: argument 'logits' expected shape [batch, classes], got ${fmtShape(logits.shape)}`);
          if (labels.dtype !== "int32") throw new SpikegradError(`softmaxCrossEntropy: argument 'labels' expected an int32 tensor, got ${labels.dtype} ${fmtShape(labels.shape)}`);
          if (labels.shape.length !== 1 || labels.shape[0] !== logits.shape[0]) {
            throw new SpikegradError(`softmaxCrossEntropy: argument 'labels' expected shape [${logits.shape[0]}], got ${fmtShape(labels.shape)}`);
          }
          return [{ shape: [logits.shape[0]], dtype: logits.dtype }];
        },
        save: { inputs: [0, 1] },
        vjp: ([dy], s2) => [softmaxCrossEntropyGrad(s2.inputs[0], s2.inputs[1], dy), null]
      },
      softmaxCrossEntropyGrad: {
        infer(ins) {
          requireArity2("softmaxCrossEntropyGrad", ins, 3);
          return [{ shape: [...ins[0].shape], dtype: ins[0].dtype }];
        }
      },
      // The spike and its surrogate gradient (engine/opsSpike.ts).
      ...SPIKE_OPS,
      // Fused whole-sequence neuron and synapse layers (engine/opsNeuron.ts, engine/opsSynapse.ts).
      ...NEURON_OPS,
      ...SYNAPSE_OPS,
      // nn.Linear's x @ W + b (engine/opsLinear.ts).
      ...LINEAR_OPS
    };
  }
});

// engine/state.ts
var State, ParamState, HiddenState;
var init_state = __esm({
  "engine/state.ts"() {
    "use strict";
    init_errors();
    init_scope();
    init_tensor();
    State = class {
      #value = null;
      /** Optional human name (modules set the dotted path when asked for `states()`). */
      name;
      constructor(value, name) {
        if (value !== void 0) this.value = value;
        if (name !== void 0) this.name = name;
      }
      get initialized() {
        return this.#value !== null && !this.#value.isDisposed;
      }
      get value() {
        if (this.#value === null) {
          throw new SpikegradError(`${this.constructor.name}${this.name ? ` '${this.name}'` : ""} has no value yet (for hidden states, call nn.initAllStates(net, { batchSize }) first)`);
        }
        return this.#value;
      }
      set value(t) {
        if (!(t instanceof Tensor)) throw new SpikegradError(`${this.constructor.name}.value: expected a Tensor, got ${describeValue(t)}`);
        if (t === this.#value) return;
        const prev = this.#value;
        t.kept = true;
        this.#value = t;
        if (prev && !prev.isDisposed) {
          prev.kept = false;
          adoptIntoScope(prev);
        }
      }
      /** Frees the current value now. */
      dispose() {
        this.#value?.dispose();
        this.#value = null;
      }
      toString() {
        return `${this.constructor.name}(${this.#value ? `${this.#value.dtype} [${this.#value.shape.join(", ")}]` : "empty"})`;
      }
    };
    ParamState = class extends State {
    };
    HiddenState = class extends State {
    };
  }
});

// engine/grad.ts
function entriesOf(wrt) {
  const valueOf = (d, where2) => {
    if (d instanceof Tensor) return d;
    if (d instanceof State) return d.value;
    throw new SpikegradError(`grad: argument 'wrt'${where2} expected a Tensor or a State, got ${describeValue(d)}`);
  };
  if (wrt instanceof Tensor || wrt instanceof State) return [{ key: null, tensor: valueOf(wrt, "") }];
  if (Array.isArray(wrt)) return wrt.map((d, i) => ({ key: i, tensor: valueOf(d, `[${i}]`) }));
  if (wrt && typeof wrt === "object") return Object.entries(wrt).map(([k, d]) => ({ key: k, tensor: valueOf(d, `['${k}']`) }));
  throw new SpikegradError(`grad: argument 'wrt' expected a Tensor, a State, an array or a record of them, got ${describeValue(wrt)}`);
}
function grad(f, wrt, opts = {}) {
  if (typeof f !== "function") throw new SpikegradError(`grad: argument 'f' expected a function, got ${describeValue(f)}`);
  return (...args) => tidy(() => {
    const entries = entriesOf(wrt);
    const tape = new Tape();
    for (const e of entries) tape.watch(e.tensor);
    try {
      const y = withTape(tape, () => f(...args));
      if (!(y instanceof Tensor)) throw new SpikegradError(`grad: the function must return a Tensor, got ${describeValue(y)}`);
      if (y.size !== 1 || !isFloat(y.dtype)) {
        throw new SpikegradError(`grad: the function must return a float scalar (one element), got ${y.dtype} ${fmtShape(y.shape)}`);
      }
      const ids = new Set(entries.map((e) => e.tensor.id));
      const g = backward(tape, y, noGrad(() => onesLike(y)), ids);
      const seen = /* @__PURE__ */ new Set();
      const gradOf = (t) => {
        const v = g.get(t.id);
        if (!v) return noGrad(() => zerosLike(t));
        if (seen.has(v)) return v.share();
        seen.add(v);
        return v;
      };
      let out;
      if (wrt instanceof Tensor || wrt instanceof State) out = gradOf(entries[0].tensor);
      else if (Array.isArray(wrt)) out = entries.map((e) => gradOf(e.tensor));
      else out = Object.fromEntries(entries.map((e) => [e.key, gradOf(e.tensor)]));
      return opts.returnValue ? [out, y] : out;
    } finally {
      tape.release();
    }
  });
}
var init_grad = __esm({
  "engine/grad.ts"() {
    "use strict";
    init_dtype();
    init_errors();
    init_scope();
    init_state();
    init_tape();
    init_tensor();
    init_api();
  }
});

// engine/random.ts
var random_exports = {};
__export(random_exports, {
  Generator: () => Generator,
  bernoulli: () => bernoulli,
  defaultGenerator: () => defaultGenerator,
  normal: () => normal,
  poissonSpikes: () => poissonSpikes,
  rand: () => rand,
  randint: () => randint,
  randn: () => randn,
  seed: () => seed,
  uniform: () => uniform
});
function splitmix32(state) {
  state.s = state.s + 2654435769 | 0;
  let z = state.s;
  z = Math.imul(z ^ z >>> 16, 2246822507);
  z = Math.imul(z ^ z >>> 13, 3266489909);
  return (z ^ z >>> 16) >>> 0;
}
function rotl(x2, k) {
  return (x2 << k | x2 >>> 32 - k) >>> 0;
}
function floatDtype(fn, d) {
  const dt = d ?? "float32";
  if (dt !== "float32" && dt !== "float64") throw argError(fn, "dtype", "'float32' or 'float64'", `'${dt}'`);
  return dt;
}
function seed(n) {
  defaultGenerator.seed(n);
}
function rand(shape, opts = {}) {
  return uniform(shape, 0, 1, opts);
}
function uniform(shape, low = 0, high = 1, opts = {}) {
  const dt = floatDtype("random.uniform", opts.dtype);
  if (!(high >= low)) throw new SpikegradError(`random.uniform: argument 'high' expected >= low (${low}), got ${high}`);
  const g = opts.generator ?? defaultGenerator;
  const n = sizeOf(checkShape("random.uniform", "shape", shape));
  const a = allocArray(dt, n);
  const draw = dt === "float32" ? () => g.nextFloat32() : () => g.nextFloat64();
  if (low === 0 && high === 1) for (let i = 0; i < n; i++) a[i] = draw();
  else for (let i = 0; i < n; i++) a[i] = low + (high - low) * draw();
  return tensor(a, shape, dt, opts.backend);
}
function randn(shape, opts = {}) {
  return normal(shape, 0, 1, opts);
}
function normal(shape, mean2 = 0, std = 1, opts = {}) {
  const dt = floatDtype("random.normal", opts.dtype);
  if (!(std >= 0)) throw argError("random.normal", "std", "a non-negative number", String(std));
  const g = opts.generator ?? defaultGenerator;
  const n = sizeOf(checkShape("random.normal", "shape", shape));
  const a = allocArray(dt, n);
  for (let i = 0; i < n; i++) a[i] = mean2 + std * g.nextNormal();
  return tensor(a, shape, dt, opts.backend);
}
function bernoulli(p, shape, opts = {}) {
  if (!(p >= 0 && p <= 1)) throw argError("random.bernoulli", "p", "a probability in [0, 1]", String(p));
  const g = opts.generator ?? defaultGenerator;
  const n = sizeOf(checkShape("random.bernoulli", "shape", shape));
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = g.nextFloat32() < p ? 1 : 0;
  return tensor(a, shape, "bool", opts.backend);
}
function randint(low, high, shape, opts = {}) {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new SpikegradError(`random.randint: arguments 'low' and 'high' expected integers with low < high, got ${low} and ${high}`);
  }
  const g = opts.generator ?? defaultGenerator;
  const n = sizeOf(checkShape("random.randint", "shape", shape));
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = low + Math.floor(g.nextFloat64() * (high - low));
  return tensor(a, shape, "int32", opts.backend);
}
function poissonSpikes(probability, shape, opts = {}) {
  if (!(probability >= 0 && probability <= 1)) {
    throw argError("random.poissonSpikes", "probability", "rate\xB7dt in [0, 1] (a dimensionless number)", String(probability));
  }
  const dt = floatDtype("random.poissonSpikes", opts.dtype);
  const g = opts.generator ?? defaultGenerator;
  const n = sizeOf(checkShape("random.poissonSpikes", "shape", shape));
  const a = allocArray(dt, n);
  for (let i = 0; i < n; i++) a[i] = g.nextFloat32() < probability ? 1 : 0;
  return tensor(a, shape, dt, opts.backend);
}
var Generator, defaultGenerator;
var init_random = __esm({
  "engine/random.ts"() {
    "use strict";
    init_dtype();
    init_errors();
    init_shape();
    init_api();
    Generator = class {
      #s = new Uint32Array(4);
      constructor(seed2 = 0) {
        this.seed(seed2);
      }
      /** Restarts the stream from `seed` (any integer; non-integers are rejected). */
      seed(seed2) {
        if (!Number.isInteger(seed2)) throw argError("random.seed", "seed", "an integer", String(seed2));
        const st = { s: seed2 | 0 };
        st.s ^= Math.floor(seed2 / 4294967296) | 0;
        for (let i = 0; i < 4; i++) this.#s[i] = splitmix32(st);
        if (this.#s.every((v) => v === 0)) this.#s[0] = 1;
      }
      /** The generator's state, to save and restore a stream. */
      getState() {
        return [...this.#s];
      }
      setState(state) {
        if (state.length !== 4) throw argError("Generator.setState", "state", "4 uint32 words", `${state.length}`);
        this.#s.set(state);
      }
      nextUint32() {
        const s2 = this.#s;
        const r = Math.imul(rotl(Math.imul(s2[1], 5), 7), 9) >>> 0;
        const t = s2[1] << 9;
        s2[2] ^= s2[0];
        s2[3] ^= s2[1];
        s2[1] ^= s2[2];
        s2[0] ^= s2[3];
        s2[2] ^= t;
        s2[3] = rotl(s2[3], 11);
        return r;
      }
      /** Uniform in [0, 1) with 24 random bits: exactly a float32. */
      nextFloat32() {
        return (this.nextUint32() >>> 8) * 5960464477539063e-23;
      }
      /** Uniform in [0, 1) with 53 random bits. */
      nextFloat64() {
        const hi = this.nextUint32() >>> 5, lo = this.nextUint32() >>> 6;
        return (hi * 67108864 + lo) / 9007199254740992;
      }
      /** Standard normal (Box–Muller, cosine branch). */
      nextNormal() {
        let u = 0;
        while (u === 0) u = this.nextFloat64();
        const v = this.nextFloat64();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      }
    };
    defaultGenerator = new Generator(0);
  }
});

// engine/jit.ts
function delta(a, b) {
  return { ops: b.ops - a.ops, dispatches: b.dispatches - a.dispatches, submits: b.submits - a.submits, readbacks: b.readbacks - a.readbacks };
}
function jit(f) {
  if (typeof f !== "function") throw new SpikegradError(`jit: argument 'f' expected a function, got ${describeValue(f)}`);
  if (f.constructor?.name === "AsyncFunction") {
    throw new SpikegradError("jit: argument 'f' expected a synchronous function, got an async one (await the result of the jitted call instead: `await step().item()`)");
  }
  const key = {};
  const stats = { calls: 0, last: { ops: 0, dispatches: 0, submits: 0, readbacks: 0 }, retraces: 0, bytesInUseAfter: 0 };
  const call = (...args) => {
    const be2 = getBackend();
    const before = { ...be2.counters };
    const body = () => tidy(() => f(...args));
    const result = be2.jitScope ? be2.jitScope(key, body) : body();
    const d = delta(before, be2.counters);
    if (stats.calls === 0 || d.ops !== stats.last.ops) stats.retraces++;
    stats.calls++;
    stats.last = d;
    stats.bytesInUseAfter = be2.memory().bytesInUse;
    return result;
  };
  return Object.assign(call, { stats, fn: f });
}
var init_jit = __esm({
  "engine/jit.ts"() {
    "use strict";
    init_backends();
    init_errors();
    init_scope();
  }
});

// engine/transform.ts
function stackOutputs(outs) {
  const first = outs[0];
  if (first instanceof Tensor) return stack(outs, 0);
  if (Array.isArray(first)) return first.map((_, k) => stack(outs.map((o) => o[k]), 0));
  return Object.fromEntries(Object.keys(first).map((k) => [k, stack(outs.map((o) => o[k]), 0)]));
}
function forLoop(f, xs) {
  if (typeof f !== "function") throw new SpikegradError(`forLoop: argument 'f' expected a function, got ${describeValue(f)}`);
  const seqs = xs instanceof Tensor ? [xs] : xs;
  if (!Array.isArray(seqs) || seqs.length === 0 || !seqs.every((s2) => s2 instanceof Tensor)) {
    throw new SpikegradError(`forLoop: argument 'xs' expected a Tensor or a non-empty array of Tensors, got ${describeValue(xs)}`);
  }
  const T2 = seqs[0].shape[0];
  for (const [i, s2] of seqs.entries()) {
    if (s2.rank === 0 || s2.shape[0] !== T2) {
      throw new SpikegradError(`forLoop: argument 'xs[${i}]' expected a leading (time) axis of length ${T2}, got shape [${s2.shape.join(", ")}]`);
    }
  }
  if (!T2) throw new SpikegradError("forLoop: argument 'xs' has an empty leading axis (T = 0)");
  const outs = [];
  const step = f;
  for (let t = 0; t < T2; t++) outs.push(step(...seqs.map((s2) => index(s2, t, 0)), t));
  return stackOutputs(outs);
}
var init_transform = __esm({
  "engine/transform.ts"() {
    "use strict";
    init_errors();
    init_api();
    init_tensor();
    init_grad();
    init_jit();
  }
});

// units/index.ts
function dimEq(a, b) {
  for (let i = 0; i < 7; i++) if (a[i] !== b[i]) return false;
  return true;
}
function dimName(d) {
  const hit = DIM_NAMES.find(([k]) => dimEq(k, d));
  if (hit) return hit[1];
  return d.map((e, i) => e === 0 ? "" : e === 1 ? BASE_SYMBOLS[i] : `${BASE_SYMBOLS[i]}^${e}`).filter(Boolean).join("\xB7");
}
function scale10(x2, k) {
  return k >= 0 ? x2 * 10 ** k : x2 / 10 ** -k;
}
function makeUnit(symbol, dim, exp10, factor = 1) {
  const u = ((mantissa) => {
    if (typeof mantissa !== "number") throw new SpikegradError(`${symbol}(): expected a number, got ${describeValue(mantissa)}`);
    return new Quantity(mantissa, u);
  });
  const props = {
    symbol,
    dim,
    exp10,
    factor,
    mul: (o) => makeUnit(`${symbol}\xB7${o.symbol}`, dim.map((e, i) => e + o.dim[i]), exp10 + o.exp10, factor * o.factor),
    div: (o) => makeUnit(`${symbol}/${o.symbol}`, dim.map((e, i) => e - o.dim[i]), exp10 - o.exp10, factor / o.factor),
    pow: (n) => makeUnit(`${symbol}^${n}`, dim.map((e) => e * n), exp10 * n, factor ** n),
    toString: () => symbol
  };
  for (const [k, v] of Object.entries(props)) Object.defineProperty(u, k, { value: v, enumerable: k !== "toString" });
  return u;
}
function isUnit(x2) {
  return typeof x2 === "function" && typeof x2.symbol === "string" && Array.isArray(x2.dim);
}
function readQuantity(where2, name, value, unit) {
  if (typeof value === "number") {
    if (Number.isNaN(value)) throw new SpikegradError(`${where2}: argument '${name}' expected a number in ${unit.symbol}, got NaN`);
    return value;
  }
  if (value instanceof Quantity) {
    if (!dimEq(value.unit.dim, unit.dim)) {
      throw new SpikegradError(
        `${where2}: argument '${name}' expected a ${dimName(unit.dim)} (in ${unit.symbol}), got ${value} (a ${dimName(value.unit.dim)})`
      );
    }
    return value.to(unit);
  }
  if (isUnit(value)) {
    throw new SpikegradError(`${where2}: argument '${name}' expected a quantity such as ${unit.symbol}(1), got the unit ${value.symbol} itself`);
  }
  throw new SpikegradError(`${where2}: argument '${name}' expected a number (in ${unit.symbol}) or a quantity, got ${describeValue(value)}`);
}
var DIMLESS, BASE_SYMBOLS, DIM_NAMES, Quantity, T, F, VOLT, AMP, OHM, SIEMENS, FARAD, MOLAR, METER, UNITLESS, s, ms, us, minute, Hz, kHz, V, mV, uV, A, mA, uA, nA, pA, ohm, kohm, Mohm, S, mS, uS, nS, farad, uF, nF, pF, M, mM, meter, mm, um;
var init_units = __esm({
  "units/index.ts"() {
    "use strict";
    init_errors();
    DIMLESS = [0, 0, 0, 0, 0, 0, 0];
    BASE_SYMBOLS = ["m", "kg", "s", "A", "K", "mol", "cd"];
    DIM_NAMES = [
      [DIMLESS, "dimensionless"],
      [[0, 0, 1, 0, 0, 0, 0], "time"],
      [[0, 0, -1, 0, 0, 0, 0], "frequency"],
      [[2, 1, -3, -1, 0, 0, 0], "voltage"],
      [[0, 0, 0, 1, 0, 0, 0], "current"],
      [[2, 1, -3, -2, 0, 0, 0], "resistance"],
      [[-2, -1, 3, 2, 0, 0, 0], "conductance"],
      [[-2, -1, 4, 2, 0, 0, 0], "capacitance"],
      [[-3, 0, 0, 0, 0, 1, 0], "concentration"],
      [[0, 0, 1, 1, 0, 0, 0], "charge"],
      [[1, 0, 0, 0, 0, 0, 0], "length"]
    ];
    Quantity = class _Quantity {
      constructor(mantissa, unit) {
        this.mantissa = mantissa;
        this.unit = unit;
      }
      mantissa;
      unit;
      get dim() {
        return this.unit.dim;
      }
      /** The value expressed in `unit` (which must have the same dimension). */
      to(unit) {
        if (!dimEq(this.unit.dim, unit.dim)) {
          throw new SpikegradError(`Quantity.to: cannot express ${this} (a ${dimName(this.unit.dim)}) in ${unit.symbol} (a ${dimName(unit.dim)})`);
        }
        if (this.unit.exp10 === unit.exp10 && this.unit.factor === unit.factor) return this.mantissa;
        return scale10(this.mantissa * (this.unit.factor / unit.factor), this.unit.exp10 - unit.exp10);
      }
      /** The plain number of a dimensionless quantity (throws for any other dimension). */
      toNumber() {
        if (!dimEq(this.unit.dim, DIMLESS)) {
          throw new SpikegradError(`expected a dimensionless quantity, got ${this} (a ${dimName(this.unit.dim)})`);
        }
        return scale10(this.mantissa * this.unit.factor, this.unit.exp10);
      }
      get isDimensionless() {
        return dimEq(this.unit.dim, DIMLESS);
      }
      mul(other) {
        if (typeof other === "number") return new _Quantity(this.mantissa * other, this.unit);
        if (isUnit(other)) return new _Quantity(this.mantissa, this.unit.mul(other));
        return new _Quantity(this.mantissa * other.mantissa, this.unit.mul(other.unit));
      }
      div(other) {
        if (typeof other === "number") return new _Quantity(this.mantissa / other, this.unit);
        if (isUnit(other)) return new _Quantity(this.mantissa, this.unit.div(other));
        return new _Quantity(this.mantissa / other.mantissa, this.unit.div(other.unit));
      }
      add(other) {
        return new _Quantity(this.mantissa + other.to(this.unit), this.unit);
      }
      sub(other) {
        return new _Quantity(this.mantissa - other.to(this.unit), this.unit);
      }
      neg() {
        return new _Quantity(-this.mantissa, this.unit);
      }
      toString() {
        return this.unit.symbol === "1" ? `${this.mantissa}` : `${this.mantissa} ${this.unit.symbol}`;
      }
    };
    T = [0, 0, 1, 0, 0, 0, 0];
    F = [0, 0, -1, 0, 0, 0, 0];
    VOLT = [2, 1, -3, -1, 0, 0, 0];
    AMP = [0, 0, 0, 1, 0, 0, 0];
    OHM = [2, 1, -3, -2, 0, 0, 0];
    SIEMENS = [-2, -1, 3, 2, 0, 0, 0];
    FARAD = [-2, -1, 4, 2, 0, 0, 0];
    MOLAR = [-3, 0, 0, 0, 0, 1, 0];
    METER = [1, 0, 0, 0, 0, 0, 0];
    UNITLESS = makeUnit("1", DIMLESS, 0);
    s = makeUnit("s", T, 0);
    ms = makeUnit("ms", T, -3);
    us = makeUnit("\xB5s", T, -6);
    minute = makeUnit("min", T, 0, 60);
    Hz = makeUnit("Hz", F, 0);
    kHz = makeUnit("kHz", F, 3);
    V = makeUnit("V", VOLT, 0);
    mV = makeUnit("mV", VOLT, -3);
    uV = makeUnit("\xB5V", VOLT, -6);
    A = makeUnit("A", AMP, 0);
    mA = makeUnit("mA", AMP, -3);
    uA = makeUnit("\xB5A", AMP, -6);
    nA = makeUnit("nA", AMP, -9);
    pA = makeUnit("pA", AMP, -12);
    ohm = makeUnit("\u03A9", OHM, 0);
    kohm = makeUnit("k\u03A9", OHM, 3);
    Mohm = makeUnit("M\u03A9", OHM, 6);
    S = makeUnit("S", SIEMENS, 0);
    mS = makeUnit("mS", SIEMENS, -3);
    uS = makeUnit("\xB5S", SIEMENS, -6);
    nS = makeUnit("nS", SIEMENS, -9);
    farad = makeUnit("F", FARAD, 0);
    uF = makeUnit("\xB5F", FARAD, -6);
    nF = makeUnit("nF", FARAD, -9);
    pF = makeUnit("pF", FARAD, -12);
    M = makeUnit("M", MOLAR, 3);
    mM = makeUnit("mM", MOLAR, 0);
    meter = makeUnit("m", METER, 0);
    mm = makeUnit("mm", METER, -3);
    um = makeUnit("\xB5m", METER, -6);
  }
});

// engine/environ.ts
var environ_exports = {};
__export(environ_exports, {
  context: () => context,
  getDt: () => getDt,
  getDtMs: () => getDtMs,
  set: () => set
});
function makeStore() {
  const g = globalThis;
  if (g.process?.versions?.node) {
    try {
      const req = globalThis.process.getBuiltinModule;
      const hooks = req?.("node:async_hooks");
      if (hooks) return new hooks.AsyncLocalStorage();
    } catch {
    }
  }
  const stack2 = [];
  return {
    getStore: () => stack2[stack2.length - 1],
    run(store2, fn) {
      stack2.push(store2);
      let r;
      try {
        r = fn();
      } catch (e) {
        stack2.pop();
        throw e;
      }
      if (r instanceof Promise) return r.finally(() => stack2.pop());
      stack2.pop();
      return r;
    }
  };
}
function normalize(input, base) {
  if (input === null || typeof input !== "object") throw new SpikegradError(`environ: expected an object like { dt: u.ms(1) }, got ${describeValue(input)}`);
  const env = { ...base };
  if (input.dt !== void 0) {
    const v = readQuantity("environ", "dt", input.dt, ms);
    if (!(v > 0) || !Number.isFinite(v)) throw new SpikegradError(`environ: argument 'dt' expected a positive time, got ${input.dt}`);
    env.dt = typeof input.dt === "number" ? ms(input.dt) : input.dt;
  }
  return env;
}
function context(settings, fn) {
  if (typeof fn !== "function") throw new SpikegradError(`environ.context: argument 'fn' expected a function, got ${describeValue(fn)}`);
  return store.run(normalize(settings, current2()), fn);
}
function set(settings) {
  globalEnv = normalize(settings, globalEnv);
}
function current2() {
  return store.getStore() ?? globalEnv;
}
function getDt() {
  return current2().dt;
}
function getDtMs() {
  return current2().dt.to(ms);
}
var DEFAULT, store, globalEnv;
var init_environ = __esm({
  "engine/environ.ts"() {
    "use strict";
    init_errors();
    init_units();
    DEFAULT = { dt: ms(1) };
    store = makeStore();
    globalEnv = { ...DEFAULT };
  }
});

// surrogate/compileWgsl.ts
function wgslF32(v) {
  const r = Math.fround(v);
  if (!Number.isFinite(r)) {
    throw new SpikegradError(`surrogate: the constant ${v} is outside the float32 range (|v| <= ${F32_MAX}); choose smaller parameters`);
  }
  if (Math.abs(r) < F32_MIN_NORMAL) return "0.0f";
  let s2 = r.toPrecision(17);
  for (let p = 1; p <= 9; p++) {
    const c = r.toPrecision(p);
    if (Math.fround(Number(c)) === r && Math.abs(Number(c)) <= F32_MAX) {
      s2 = c;
      break;
    }
  }
  if (!/[.e]/.test(s2)) s2 += ".0";
  return r < 0 ? `(${s2}f)` : `${s2}f`;
}
function emitter(helper) {
  return {
    neg: ([a]) => `-${a}`,
    abs: ([a]) => `abs(${a})`,
    sign: ([a]) => `sign(${a})`,
    exp: ([a]) => `exp(${a})`,
    log: ([a]) => `log(${a})`,
    log1p: ([a]) => `${helper("log1p")}(${a})`,
    sqrt: ([a]) => `sqrt(${a})`,
    sin: ([a]) => `sin(${a})`,
    cos: ([a]) => `cos(${a})`,
    atan: ([a]) => `atan(${a})`,
    tanh: ([a]) => `tanh(${a})`,
    erf: ([a]) => `${helper("erf")}(${a})`,
    floor: ([a]) => `floor(${a})`,
    fract: ([a]) => `fract(${a})`,
    add: ([a, b]) => `${a} + ${b}`,
    sub: ([a, b]) => `${a} - ${b}`,
    mul: ([a, b]) => `${a} * ${b}`,
    div: ([a, b]) => `${a} / ${b}`,
    pow: ([a, b]) => `pow(${a}, ${b})`,
    min: ([a, b]) => `min(${a}, ${b})`,
    max: ([a, b]) => `max(${a}, ${b})`,
    lt: ([a, b]) => `${a} < ${b}`,
    le: ([a, b]) => `${a} <= ${b}`,
    gt: ([a, b]) => `${a} > ${b}`,
    ge: ([a, b]) => `${a} >= ${b}`,
    eq: ([a, b]) => `${a} == ${b}`,
    ne: ([a, b]) => `${a} != ${b}`,
    and: ([a, b]) => `${a} && ${b}`,
    or: ([a, b]) => `${a} || ${b}`,
    not: ([a]) => `!${a}`,
    select: ([c, a, b]) => `select(${b}, ${a}, ${c})`
  };
}
function wgslFunction(e, fnName, target = {}) {
  if (!IDENT2.test(fnName) || fnName.startsWith("__") || WGSL_RESERVED.test(fnName)) {
    throw new SpikegradError(`wgslGrad: argument 'fnName' expected a WGSL identifier, got '${fnName}'`);
  }
  const used = /* @__PURE__ */ new Set();
  const emit = emitter((h) => (used.add(h), `${fnName}_${h}`));
  const names = /* @__PURE__ */ new Map();
  const atom = (n) => n.kind === "num" ? wgslF32(n.value) : n.kind === "x" ? "x" : names.get(n.key);
  const lines = [];
  for (const node of schedule(e)) {
    const name = `t${names.size}`;
    lines.push(`  let ${name} = ${emit[node.op](node.args.map(atom))};`);
    names.set(node.key, name);
  }
  const max3 = wgslF32(F32_MAX);
  const result = e.kind === "num" ? wgslF32(e.value) : atom(e);
  const ret = target.saturate ? `clamp(${result}, -${max3}, ${max3})` : result;
  const helpers2 = [...used].sort().map((h) => HELPER_SRC[h](`${fnName}_${h}`));
  return [
    ...helpers2,
    `fn ${fnName}(x_in: f32) -> f32 {`,
    `  let x = clamp(x_in, -${max3}, ${max3});`,
    ...lines,
    `  return ${ret};`,
    "}"
  ].join("\n");
}
var F32_MIN_NORMAL, HELPER_SRC, IDENT2, WGSL_RESERVED;
var init_compileWgsl = __esm({
  "surrogate/compileWgsl.ts"() {
    "use strict";
    init_errors();
    init_expr();
    init_compileJs();
    F32_MIN_NORMAL = 11754943508222875e-54;
    HELPER_SRC = {
      // Abramowitz & Stegun 7.1.26, |error| <= 1.5e-7 (float32 resolution); odd symmetry makes erf(0) = 0 exactly.
      erf: (n) => `fn ${n}(z: f32) -> f32 {
  let a = abs(z);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(z) * (1.0 - poly * exp(-a * a));
}`,
      // log(1+z) without cancellation: log(u)·z/(u−1) with u = 1+z (Goldberg's trick); plain log(u) for large z.
      log1p: (n) => `fn ${n}(z: f32) -> f32 {
  let u = 1.0 + z;
  if (u == 1.0) { return z; }
  if (z > 1.0e6) { return log(u); }
  return log(u) * (z / (u - 1.0));
}`
    };
    IDENT2 = /^[A-Za-z_][A-Za-z0-9_]*$/;
    WGSL_RESERVED = /^(f16|f32|i32|u32|bool|vec[234][fhiu]?|mat[234]x[234][fh]?|array|atomic|ptr|sampler|texture\w*|fn|let|var|const|override|struct|alias|if|else|for|while|loop|return|switch|case|default|break|continue|discard|true|false|enable|requires|diagnostic)$/;
  }
});

// surrogate/parse.ts
function tokenize(src, fail) {
  const out = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) fail(pos + (src.slice(pos).length - src.slice(pos).trimStart().length), "unexpected character");
    const start = m.index + m[0].length - (m[1] ?? m[2] ?? m[3]).length;
    out.push({ kind: m[1] ? "num" : m[2] ? "name" : "punct", text: m[1] ?? m[2] ?? m[3], pos: start });
    pos = TOKEN.lastIndex;
  }
  out.push({ kind: "end", text: "end of input", pos: src.length });
  return out;
}
function parseExpr(src, params = {}, where2 = "surrogate expression") {
  if (typeof src !== "string") throw new SpikegradError(`${where2}: expected a string, got ${typeof src}`);
  const fail = (pos, msg) => {
    throw new SpikegradError(`${where2}: ${msg} at position ${pos} in '${src}'
  ${" ".repeat(pos + 1)}^`);
  };
  const toks = tokenize(src, fail);
  let k = 0;
  const scopes2 = [];
  const peek = () => toks[k];
  const next = () => toks[k++];
  const accept = (t) => peek().kind === "punct" && peek().text === t ? (k++, true) : false;
  const expect = (t) => {
    if (!accept(t)) fail(peek().pos, `expected '${t}', found '${peek().text}'`);
  };
  const knownNames = () => ["x", ...Object.keys(params), ...scopes2.flatMap((s2) => Object.keys(s2)), "pi", "e"].join(", ");
  const ternary = () => {
    const c = logicOr();
    if (!accept("?")) return c;
    const a = ternary();
    expect(":");
    return op("select", c, a, ternary());
  };
  const logicOr = () => {
    let a = logicAnd();
    while (accept("||")) a = op("or", a, logicAnd());
    return a;
  };
  const logicAnd = () => {
    let a = comparison();
    while (accept("&&")) a = op("and", a, comparison());
    return a;
  };
  const comparison = () => {
    const a = additive();
    const t = peek();
    if (t.kind === "punct" && COMPARE[t.text]) {
      next();
      return op(COMPARE[t.text], a, additive());
    }
    return a;
  };
  const additive = () => {
    let a = multiplicative();
    for (; ; ) {
      if (accept("+")) a = op("add", a, multiplicative());
      else if (accept("-")) a = op("sub", a, multiplicative());
      else return a;
    }
  };
  const multiplicative = () => {
    let a = unary2();
    for (; ; ) {
      if (accept("*")) a = op("mul", a, unary2());
      else if (accept("/")) a = op("div", a, unary2());
      else return a;
    }
  };
  const unary2 = () => {
    if (accept("-")) return op("neg", unary2());
    if (accept("+")) return unary2();
    if (accept("!")) return op("not", unary2());
    return power();
  };
  const power = () => {
    const base = primary();
    if (accept("^") || accept("**")) return op("pow", base, unary2());
    return base;
  };
  const args = (name, n, pos) => {
    const list = [];
    expect("(");
    if (!accept(")")) {
      do
        list.push(ternary());
      while (accept(","));
      expect(")");
    }
    if (list.length !== n) fail(pos, `${name}() takes ${n} argument(s), got ${list.length}`);
    return list;
  };
  const constantInt = (e2, pos, what) => {
    if (e2.kind !== "num" || !Number.isInteger(e2.value)) fail(pos, `${what} must be an integer known without x`);
    return e2.value;
  };
  const primary = () => {
    const t = next();
    if (t.kind === "num") return num(Number(t.text));
    if (t.kind === "punct" && t.text === "(") {
      const e2 = ternary();
      expect(")");
      return e2;
    }
    if (t.kind !== "name") return fail(t.pos, `unexpected '${t.text}'`);
    const name = t.text;
    const isCall = peek().kind === "punct" && peek().text === "(";
    if (!isCall) {
      if (name === "x") return x;
      for (let s2 = scopes2.length - 1; s2 >= 0; s2--) if (name in scopes2[s2]) return num(scopes2[s2][name]);
      if (Object.hasOwn(params, name)) return num(params[name]);
      if (Object.hasOwn(CONSTANTS, name)) return num(CONSTANTS[name]);
      return fail(t.pos, `unknown name '${name}' (known: ${knownNames()})`);
    }
    if (UNARY_FUNCS.includes(name)) return op(name, ...args(name, 1, t.pos));
    if (BINARY_FUNCS.includes(name)) return op(name, ...args(name, 2, t.pos));
    if (name === "clamp") {
      const [a, lo, hi] = args(name, 3, t.pos);
      return clamp(a, lo, hi);
    }
    if (name === "where") return op("select", ...args(name, 3, t.pos));
    if (name === "sigmoid") return sigmoid(args(name, 1, t.pos)[0]);
    if (name === "dsigmoid") return dsigmoid(args(name, 1, t.pos)[0]);
    if (name === "sum") return sumCall(t.pos);
    return fail(t.pos, `unknown function '${name}' (known: ${[...UNARY_FUNCS, "sigmoid", "dsigmoid", ...BINARY_FUNCS, "clamp", "where", "sum"].join(", ")})`);
  };
  const sumCall = (pos) => {
    expect("(");
    const v = next();
    if (v.kind !== "name" || v.text === "x") fail(v.pos, "sum() expected an index name such as 'i' first");
    expect(",");
    const lo = constantInt(ternary(), pos, "the lower bound of sum()");
    expect(",");
    const hi = constantInt(ternary(), pos, "the upper bound of sum()");
    expect(",");
    const bodyStart = k;
    let bodyEnd = k;
    const result = sum(lo, hi, (i) => {
      k = bodyStart;
      scopes2.push({ [v.text]: i });
      try {
        const term = ternary();
        bodyEnd = k;
        return term;
      } finally {
        scopes2.pop();
      }
    });
    if (hi < lo) {
      scopes2.push({ [v.text]: lo });
      ternary();
      scopes2.pop();
      bodyEnd = k;
    }
    k = bodyEnd;
    expect(")");
    return result;
  };
  const e = ternary();
  if (peek().kind !== "end") fail(peek().pos, `unexpected '${peek().text}'`);
  if (e.type !== "f") fail(0, "the expression is a condition; it must give a number (use c ? a : b)");
  return e;
}
var UNARY_FUNCS, BINARY_FUNCS, CONSTANTS, COMPARE, TOKEN;
var init_parse = __esm({
  "surrogate/parse.ts"() {
    "use strict";
    init_errors();
    init_expr();
    UNARY_FUNCS = ["abs", "sign", "exp", "log", "log1p", "sqrt", "sin", "cos", "atan", "tanh", "erf", "floor", "fract"];
    BINARY_FUNCS = ["min", "max", "pow"];
    CONSTANTS = { pi: Math.PI, e: Math.E };
    COMPARE = { "<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne" };
    TOKEN = /\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|<=|>=|==|!=|&&|\|\||[-+*/^()<>!?:,]))/y;
  }
});

// surrogate/base.ts
function satisfies(v, c) {
  if (!Number.isFinite(v) || Math.abs(v) > F32_MAX) return false;
  switch (c) {
    case "positive":
      return v > 0;
    case "nonNegative":
      return v >= 0;
    case "positiveInteger":
      return Number.isInteger(v) && v >= 1;
    case "finite":
      return true;
  }
}
function readOptions(cls, opts, spec) {
  if (opts !== void 0 && (opts === null || typeof opts !== "object" || Array.isArray(opts))) {
    throw new SpikegradError(`${cls}: expected an options object such as { ${Object.keys(spec)[0]}: ${spec[Object.keys(spec)[0]][0]} }, got ${describeValue(opts)}`);
  }
  const given = opts ?? {};
  for (const k of Object.keys(given)) {
    if (!Object.hasOwn(spec, k)) {
      throw new SpikegradError(`${cls}: unknown option '${k}' (options: ${Object.keys(spec).join(", ")})`);
    }
  }
  const out = {};
  for (const k of Object.keys(spec)) {
    const [dflt, constraint] = spec[k];
    const raw = given[k];
    let v = raw === void 0 ? dflt : raw;
    if (v !== null && typeof v === "object" && typeof v.toNumber === "function") v = v.toNumber();
    if (typeof v !== "number" || !satisfies(v, constraint)) {
      throw new SpikegradError(`${cls}: argument '${k}' expected ${CONSTRAINT_TEXT[constraint]}, got ${typeof v === "number" ? v : describeValue(raw)}`);
    }
    out[k] = v;
  }
  return out;
}
var PROBE_POINTS, fmt, Surrogate, CONSTRAINT_TEXT;
var init_base = __esm({
  "surrogate/base.ts"() {
    "use strict";
    init_dispatch();
    init_errors();
    init_tape();
    init_compileJs();
    init_compileWgsl();
    init_expr();
    init_parse();
    PROBE_POINTS = (() => {
      const mags = [0, 1e-45, 1e-38, 1e-30, 1e-7, 1e-3, 0.1, 0.25, 0.5, 1 - 1e-7, 1, 1 + 1e-7, 1.5, 2, 3, 4, 8, 10, 30, 100, 1e3, 1e4, 1e6, 1e10, 1e20, 1e30, 1e38, F32_MAX, Infinity];
      return mags.flatMap((m) => [m, -m]);
    })();
    fmt = (v) => String(v);
    Surrogate = class {
      /** The class name, 'Sigmoid'. */
      name;
      /** Hyperparameters by name, in print order. */
      params;
      /** The derivative as an expression of the surrogate language (what both backends are generated from). */
      gradExpr;
      /** The smooth function as an expression, where defined. */
      funExpr;
      /** σ'(x) at one point (float64), compiled from gradExpr. */
      gradScalar;
      /** σ(x) at one point, where defined. */
      funScalar;
      /** The smooth function on tensors (for plots), where braintools defines one; differentiable, with gradient σ'. */
      fun;
      constructor(def) {
        this.name = def.name;
        this.params = Object.freeze({ ...def.params });
        const where2 = `${def.name}`;
        const asExpr = (e, what) => typeof e === "string" ? parseExpr(e, def.params, `${where2} ${what}`) : e;
        this.gradExpr = asExpr(def.grad, "grad");
        this.funExpr = def.fun === void 0 ? void 0 : asExpr(def.fun, "fun");
        this.gradScalar = compileScalar(this.gradExpr);
        this.funScalar = this.funExpr && compileScalar(this.funExpr, { saturate: true });
        this.#probe();
        if (this.funExpr) this.fun = (x2) => run1("surrogateFun", [x2], { surrogate: this });
      }
      /**
       * Rejects a definition that gives NaN or ±Infinity anywhere, in float64 (the CPU) and in float32 with
       * every intermediate rounded (what a GPU computes), before any kernel is built.
       */
      #probe() {
        const checks = [["derivative", this.gradExpr, this.gradScalar, false]];
        if (this.funExpr) checks.push(["smooth function", this.funExpr, this.funScalar, true]);
        for (const [what, e, f64, saturate] of checks) {
          const f32 = interpretScalar(e, { saturate }, Math.fround);
          for (const p of PROBE_POINTS) {
            for (const [prec, v] of [["float64", f64(p)], ["float32", f32(p)]]) {
              if (!Number.isFinite(v)) {
                throw new SpikegradError(
                  `${this.toString()}: the ${what} is ${v} at x = ${Math.abs(p) >= 1e6 && p !== Infinity && p !== -Infinity ? p.toExponential() : p} in ${prec}; a surrogate must be finite for every x (rewrite the expression in a form that cannot overflow, see surrogate/README.md, or choose other parameters)`
                );
              }
            }
          }
        }
      }
      /** A stable cache and shader key: 'Sigmoid(alpha=4)'. Equal keys mean identical code. */
      get key() {
        return this.toString();
      }
      /** WGSL source of `fn <fnName>(x: f32) -> f32` computing σ'(x), with its private helpers. */
      wgslGrad(fnName) {
        return wgslFunction(this.gradExpr, fnName);
      }
      /** WGSL source of `fn <fnName>(x: f32) -> f32` computing σ(x); throws where no smooth function is defined. */
      wgslFun(fnName) {
        if (!this.funExpr) throw new SpikegradError(`${this.toString()}: no smooth function is defined (it is a gradient-only surrogate)`);
        return wgslFunction(this.funExpr, fnName, { saturate: true });
      }
      /** H(x): 1 where x >= 0 (x = 0 spikes), else 0, in x's float dtype; no gradient (see spike()). */
      forward(x2) {
        return noGrad(() => run1("spike", [x2], { surrogate: this }));
      }
      /** σ'(x) elementwise, on x's backend. */
      grad(x2) {
        return run1("surrogateGrad", [x2], { surrogate: this });
      }
      /** The differentiable spike: H(x) forward, dy·σ'(x) backward; one tape node, one kernel each way. */
      spike(x2) {
        return run1("spike", [x2], { surrogate: this });
      }
      toString() {
        return `${this.name}(${Object.entries(this.params).map(([k, v]) => `${k}=${fmt(v)}`).join(", ")})`;
      }
      /** The definition as text (for docs and custom-surrogate keys). */
      describe() {
        return { grad: show(this.gradExpr), ...this.funExpr ? { fun: show(this.funExpr) } : {} };
      }
    };
    CONSTRAINT_TEXT = {
      positive: "a finite number > 0",
      nonNegative: "a finite number >= 0",
      positiveInteger: "an integer >= 1",
      finite: "a finite number"
    };
  }
});

// surrogate/smooth.ts
var Sigmoid, PiecewiseQuadratic, PiecewiseExp, SoftSign, Arctan, NonzeroSignLog, ERF, PiecewiseLeakyRelu, SquarewaveFourierSeries, S2NN, QPseudoSpike, LeakyRelu, LogTailedRelu;
var init_smooth = __esm({
  "surrogate/smooth.ts"() {
    "use strict";
    init_base();
    Sigmoid = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("Sigmoid", opts, { alpha: [4, "positive"] });
        super({ name: "Sigmoid", params, grad: "alpha * dsigmoid(alpha*x)", fun: "sigmoid(alpha*x)" });
      }
    };
    PiecewiseQuadratic = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("PiecewiseQuadratic", opts, { alpha: [1, "positive"] });
        super({
          name: "PiecewiseQuadratic",
          params,
          grad: "abs(x) > 1/alpha ? 0 : alpha - alpha^2 * abs(x)",
          fun: "x < -1/alpha ? 0 : (x > 1/alpha ? 1 : (1 - alpha*abs(x)/2) * alpha*x + 0.5)"
        });
      }
    };
    PiecewiseExp = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("PiecewiseExp", opts, { alpha: [1, "positive"] });
        super({
          name: "PiecewiseExp",
          params,
          grad: "alpha/2 * exp(-alpha*abs(x))",
          fun: "x < 0 ? exp(-alpha*abs(x))/2 : 1 - exp(-alpha*abs(x))/2"
        });
      }
    };
    SoftSign = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("SoftSign", opts, { alpha: [1, "positive"] });
        super({ name: "SoftSign", params, grad: "alpha * 0.5 / (1 + abs(alpha*x))^2", fun: "0.5*x / (1/alpha + abs(x)) + 0.5" });
      }
    };
    Arctan = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("Arctan", opts, { alpha: [1, "positive"] });
        super({ name: "Arctan", params, grad: "alpha * 0.5 / (1 + (pi/2*alpha*x)^2)", fun: "atan(pi/2*alpha*x)/pi + 0.5" });
      }
    };
    NonzeroSignLog = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("NonzeroSignLog", opts, { alpha: [1, "positive"] });
        super({
          name: "NonzeroSignLog",
          params,
          grad: "1 / (1/alpha + abs(x))",
          fun: "sign(x) * (alpha*abs(x) < 1 ? log1p(alpha*abs(x)) : log(alpha) + log(1/alpha + abs(x)))"
        });
      }
    };
    ERF = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("ERF", opts, { alpha: [1, "positive"] });
        super({ name: "ERF", params, grad: "alpha / sqrt(pi) * exp(-(alpha*x)^2)", fun: "0.5 * (1 + erf(alpha*x))" });
      }
    };
    PiecewiseLeakyRelu = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("PiecewiseLeakyRelu", opts, { c: [0.01, "nonNegative"], w: [1, "positive"] });
        super({
          name: "PiecewiseLeakyRelu",
          params,
          grad: "abs(x) > w ? c : 1/(2*w)",
          fun: "x < -w ? c*(x + w) : (x > w ? c*(x - w) + 1 : 0.5*x/w + 0.5)"
        });
      }
    };
    SquarewaveFourierSeries = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("SquarewaveFourierSeries", opts, { n: [2, "positiveInteger"], tPeriod: [8, "positive"] });
        super({
          name: "SquarewaveFourierSeries",
          params,
          grad: "4/tPeriod * sum(i, 1, n, cos((2*i - 1) * 2*pi * fract(x/tPeriod)))",
          fun: "0.5 + 2/pi * sum(i, 1, n, sin((2*i - 1) * 2*pi * fract(x/tPeriod)) / (2*i - 1))"
        });
      }
    };
    S2NN = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("S2NN", opts, { alpha: [4, "positive"], beta: [1, "positive"], epsilon: [1e-8, "nonNegative"] });
        super({
          name: "S2NN",
          params,
          grad: "x < 0 ? alpha * dsigmoid(alpha*x) : beta / (max(x, 0) + 1)",
          fun: "x < 0 ? sigmoid(alpha*x) : beta * log(abs(max(x, 0) + 1) + epsilon) + 0.5"
        });
      }
    };
    QPseudoSpike = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("QPseudoSpike", opts, { alpha: [2, "positive"] });
        const L = "(abs(x) < (alpha + 1)/2 ? log1p(2/(alpha + 1) * abs(x)) : log(2/(alpha + 1)) + log((alpha + 1)/2 + abs(x)))";
        super({
          name: "QPseudoSpike",
          params,
          grad: `exp(-alpha * ${L})`,
          fun: params.alpha === 1 ? `0.5 + sign(x) * (alpha + 1)/2 * ${L}` : `0.5 + sign(x) * (alpha + 1)/(2*(1 - alpha)) * (exp((1 - alpha) * ${L}) - 1)`
        });
      }
    };
    LeakyRelu = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("LeakyRelu", opts, { alpha: [0.1, "nonNegative"], beta: [1, "nonNegative"] });
        super({ name: "LeakyRelu", params, grad: "x < 0 ? alpha : beta", fun: "x < 0 ? alpha*x : beta*x" });
      }
    };
    LogTailedRelu = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("LogTailedRelu", opts, { alpha: [0, "nonNegative"] });
        super({
          name: "LogTailedRelu",
          params,
          grad: "x > 1 ? 1/max(x, 1) : (x > 0 ? 1 : alpha)",
          fun: "x > 1 ? 1 + log(max(x, 1)) : (x > 0 ? x : alpha*x)"
        });
      }
    };
  }
});

// surrogate/gradOnly.ts
var ReluGrad, GaussianGrad, MultiGaussianGrad, InvSquareGrad, SlayerGrad;
var init_gradOnly = __esm({
  "surrogate/gradOnly.ts"() {
    "use strict";
    init_base();
    ReluGrad = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("ReluGrad", opts, { alpha: [0.3, "positive"], width: [1, "positive"] });
        super({ name: "ReluGrad", params, grad: "alpha * max(width - abs(x), 0)" });
      }
    };
    GaussianGrad = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("GaussianGrad", opts, { alpha: [0.5, "positive"], sigma: [0.5, "positive"] });
        super({ name: "GaussianGrad", params, grad: "alpha / (sqrt(2*pi) * sigma) * exp(-x^2 / (2*sigma^2))" });
      }
    };
    MultiGaussianGrad = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("MultiGaussianGrad", opts, {
          h: [0.15, "nonNegative"],
          s: [6, "positive"],
          sigma: [0.5, "positive"],
          scale: [0.5, "positive"]
        });
        super({
          name: "MultiGaussianGrad",
          params,
          grad: "scale * ((1 + h) * exp(-x^2 / (2*sigma^2)) / (sqrt(2*pi) * sigma) - h * exp(-(x - sigma)^2 / (2*(s*sigma)^2)) / (sqrt(2*pi) * s*sigma) - h * exp(-(x + sigma)^2 / (2*(s*sigma)^2)) / (sqrt(2*pi) * s*sigma))"
        });
      }
    };
    InvSquareGrad = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("InvSquareGrad", opts, { alpha: [100, "positive"] });
        super({ name: "InvSquareGrad", params, grad: "1 / (alpha*abs(x) + 1)^2" });
      }
    };
    SlayerGrad = class extends Surrogate {
      constructor(opts = {}) {
        const params = readOptions("SlayerGrad", opts, { alpha: [1, "positive"] });
        super({ name: "SlayerGrad", params, grad: "exp(-alpha*abs(x))" });
      }
    };
  }
});

// surrogate/custom.ts
function resolve(where2, f, params) {
  if (typeof f === "string") return parseExpr(f, params, where2);
  if (typeof f === "function") return resolve(where2, f(Object.freeze({ ...params })), params);
  if (f && typeof f === "object" && "kind" in f && "key" in f) {
    if (f.type !== "f") throw new SpikegradError(`${where2}: expected a numeric expression, got a condition`);
    return f;
  }
  throw new SpikegradError(`${where2}: expected a string, an expression or a function returning one, got ${describeValue(f)}`);
}
function custom(opts) {
  if (!opts || typeof opts !== "object") throw new SpikegradError(`surrogate.custom: expected { name, grad, fun?, params? }, got ${describeValue(opts)}`);
  const { name, grad: grad2, fun, params = {} } = opts;
  if (typeof name !== "string" || !IDENT3.test(name)) {
    throw new SpikegradError(`surrogate.custom: argument 'name' expected an identifier such as 'Triangle', got ${describeValue(name)}`);
  }
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    throw new SpikegradError(`surrogate.custom: argument 'params' expected an object of numbers, got ${describeValue(params)}`);
  }
  for (const [k, v] of Object.entries(params)) {
    if (!IDENT3.test(k) || RESERVED.has(k)) {
      throw new SpikegradError(`surrogate.custom: parameter name '${k}' is not allowed (it must be an identifier other than ${[...RESERVED].slice(0, 3).join(", ")} and the function names)`);
    }
    if (typeof v !== "number" || !Number.isFinite(v) || Math.abs(v) > F32_MAX) {
      throw new SpikegradError(`${name}: parameter '${k}' expected a finite float32 number, got ${describeValue(v)}`);
    }
  }
  if (grad2 === void 0) throw new SpikegradError(`surrogate.custom: argument 'grad' is required (the derivative, e.g. '1 / (1 + abs(x))^2')`);
  const g = resolve(`${name} grad`, grad2, params);
  const f = fun === void 0 ? void 0 : resolve(`${name} fun`, fun, params);
  const s2 = new CustomSurrogate(name, params, g, f);
  if (s2.funScalar) checkAntiderivative(s2);
  return s2;
}
function checkAntiderivative(s2) {
  const h = 1e-6;
  const xs = Array.from({ length: 81 }, (_, i) => -4 + i * 0.1 + 0.0123456789);
  const bad = xs.filter((x2) => {
    const fd = (s2.funScalar(x2 + h) - s2.funScalar(x2 - h)) / (2 * h);
    return !(Math.abs(fd - s2.gradScalar(x2)) <= 1e-4 * (1 + Math.abs(fd)));
  });
  if (bad.length > xs.length / 10) {
    const x2 = bad[0];
    const fd = (s2.funScalar(x2 + h) - s2.funScalar(x2 - h)) / (2 * h);
    throw new SpikegradError(
      `${s2}: fun is not the antiderivative of grad: d/dx fun = ${fd.toPrecision(6)} but grad = ${s2.gradScalar(x2).toPrecision(6)} at x = ${x2.toPrecision(6)} (and ${bad.length - 1} more of ${xs.length} points); fix one of them or leave fun out`
    );
  }
}
var IDENT3, RESERVED, CustomSurrogate;
var init_custom = __esm({
  "surrogate/custom.ts"() {
    "use strict";
    init_errors();
    init_compileJs();
    init_base();
    init_expr();
    init_parse();
    IDENT3 = /^[A-Za-z_][A-Za-z0-9_]*$/;
    RESERVED = /* @__PURE__ */ new Set(["x", "pi", "e", "clamp", "where", "sum", "sigmoid", "dsigmoid", ...EXPR_OP_NAMES]);
    CustomSurrogate = class extends Surrogate {
      #definition;
      constructor(name, params, grad2, fun) {
        super({ name, params, grad: grad2, ...fun ? { fun } : {} });
        this.#definition = `grad=${show(grad2)}${fun ? `;fun=${show(fun)}` : ""}`;
      }
      /** Custom surrogates may share a name and parameters yet differ in formula: the formula is part of the key. */
      get key() {
        return `custom:${this.toString()}{${this.#definition}}`;
      }
    };
  }
});

// surrogate/aliases.ts
function atan2(opts = {}) {
  return new Arctan({ alpha: 2, ...opts });
}
function fastSigmoid(opts = {}) {
  const { slope = 25, ...rest } = opts;
  return new InvSquareGrad({ alpha: slope, ...rest });
}
var superSpike;
var init_aliases = __esm({
  "surrogate/aliases.ts"() {
    "use strict";
    init_smooth();
    init_gradOnly();
    superSpike = fastSigmoid;
  }
});

// surrogate/catalog.ts
var CLASSES, CATALOG;
var init_catalog = __esm({
  "surrogate/catalog.ts"() {
    "use strict";
    init_gradOnly();
    init_smooth();
    CLASSES = Object.freeze({
      Sigmoid,
      PiecewiseQuadratic,
      PiecewiseExp,
      SoftSign,
      Arctan,
      NonzeroSignLog,
      ERF,
      PiecewiseLeakyRelu,
      SquarewaveFourierSeries,
      S2NN,
      QPseudoSpike,
      LeakyRelu,
      LogTailedRelu,
      ReluGrad,
      GaussianGrad,
      MultiGaussianGrad,
      InvSquareGrad,
      SlayerGrad
    });
    CATALOG = Object.freeze(Object.entries(CLASSES).map(([name, cls]) => Object.freeze({ name, create: (opts) => new cls(opts) })));
  }
});

// surrogate/exprApi.ts
var exprApi_exports = {};
__export(exprApi_exports, {
  abs: () => abs,
  add: () => add,
  and: () => and,
  atan: () => atan,
  clamp: () => clamp,
  compileScalar: () => compileScalar,
  cos: () => cos,
  div: () => div,
  dsigmoid: () => dsigmoid,
  eq: () => eq,
  erf: () => erfOf,
  exp: () => exp,
  floor: () => floor,
  fract: () => fract,
  ge: () => ge,
  gt: () => gt,
  le: () => le,
  log: () => log,
  log1p: () => log1p,
  lt: () => lt,
  max: () => max,
  min: () => min,
  mul: () => mul,
  ne: () => ne,
  neg: () => neg,
  not: () => not,
  num: () => num,
  op: () => op,
  or: () => or,
  parse: () => parseExpr,
  pow: () => pow,
  select: () => select,
  show: () => show,
  sigmoid: () => sigmoid,
  sign: () => sign,
  sin: () => sin,
  sqrt: () => sqrt,
  square: () => square,
  sub: () => sub,
  sum: () => sum,
  tanh: () => tanh,
  wgslFunction: () => wgslFunction,
  x: () => x
});
var init_exprApi = __esm({
  "surrogate/exprApi.ts"() {
    "use strict";
    init_expr();
    init_parse();
    init_compileWgsl();
    init_compileJs();
  }
});

// surrogate/index.ts
var surrogate_exports = {};
__export(surrogate_exports, {
  Arctan: () => Arctan,
  CATALOG: () => CATALOG,
  CLASSES: () => CLASSES,
  ERF: () => ERF,
  GaussianGrad: () => GaussianGrad,
  InvSquareGrad: () => InvSquareGrad,
  LeakyRelu: () => LeakyRelu,
  LogTailedRelu: () => LogTailedRelu,
  MultiGaussianGrad: () => MultiGaussianGrad,
  NonzeroSignLog: () => NonzeroSignLog,
  PiecewiseExp: () => PiecewiseExp,
  PiecewiseLeakyRelu: () => PiecewiseLeakyRelu,
  PiecewiseQuadratic: () => PiecewiseQuadratic,
  QPseudoSpike: () => QPseudoSpike,
  ReluGrad: () => ReluGrad,
  S2NN: () => S2NN,
  Sigmoid: () => Sigmoid,
  SlayerGrad: () => SlayerGrad,
  SoftSign: () => SoftSign,
  SquarewaveFourierSeries: () => SquarewaveFourierSeries,
  Surrogate: () => Surrogate,
  atan: () => atan2,
  custom: () => custom,
  expr: () => exprApi_exports,
  fastSigmoid: () => fastSigmoid,
  superSpike: () => superSpike
});
var init_surrogate = __esm({
  "surrogate/index.ts"() {
    "use strict";
    init_base();
    init_smooth();
    init_gradOnly();
    init_custom();
    init_aliases();
    init_catalog();
    init_exprApi();
  }
});

// nn/stateDict.ts
async function readStateDict(states) {
  const out = {};
  for (const [path, s2] of Object.entries(states)) {
    if (!s2.initialized) continue;
    const v = s2.value;
    out[path] = { shape: [...v.shape], dtype: v.dtype, data: await v.data() };
  }
  return out;
}
function loadStateDictInto(params, dict, opts) {
  if (dict === null || typeof dict !== "object") {
    throw new SpikegradError(`loadStateDict: argument 'dict' expected a record of { shape, data } by path, got ${describeValue(dict)}`);
  }
  const writes = [];
  for (const [path, s2] of Object.entries(params)) {
    const want = s2.value;
    const e = dict[path];
    if (e === void 0) {
      throw new SpikegradError(`loadStateDict: missing entry '${path}' (expected ${want.dtype} ${fmtShape(want.shape)}); the dict has ${Object.keys(dict).map((k) => `'${k}'`).join(", ") || "no entries"}`);
    }
    if (!e || !Array.isArray(e.shape) || !e.data || typeof e.data.length !== "number") {
      throw new SpikegradError(`loadStateDict: entry '${path}' expected { shape, data }, got ${describeValue(e)}`);
    }
    if (!sameShape(e.shape, want.shape)) {
      throw new SpikegradError(`loadStateDict: entry '${path}' has shape ${fmtShape(e.shape)}, expected ${fmtShape(want.shape)}`);
    }
    if (e.data.length !== sizeOf(want.shape)) {
      throw new SpikegradError(`loadStateDict: entry '${path}' has ${e.data.length} values, its shape ${fmtShape(want.shape)} needs ${sizeOf(want.shape)}`);
    }
    writes.push([s2, e]);
  }
  if (opts.strict ?? true) {
    const extra = Object.keys(dict).filter((k) => !(k in params));
    if (extra.length > 0) {
      throw new SpikegradError(`loadStateDict: unexpected entr${extra.length > 1 ? "ies" : "y"} ${extra.map((k) => `'${k}'`).join(", ")}; the module's parameters are ${Object.keys(params).map((k) => `'${k}'`).join(", ")} (pass { strict: false } to ignore extras)`);
    }
  }
  for (const [s2, e] of writes) {
    const old = s2.value;
    const values = ArrayBuffer.isView(e.data) ? e.data : Float64Array.from(e.data);
    s2.value = tensor(values, [...old.shape], old.dtype, old.backend);
  }
}
var init_stateDict = __esm({
  "nn/stateDict.ts"() {
    "use strict";
    init_api();
    init_errors();
    init_shape();
  }
});

// nn/module.ts
function visit(v, path, seen, out, depth) {
  if (depth > 32 || v === null || typeof v !== "object") return;
  if (seen.has(v)) return;
  if (v instanceof State) {
    seen.add(v);
    out.push([path, v]);
  } else if (v instanceof Module) {
    seen.add(v);
    out.push([path, v]);
    walkChildren(v, path, seen, out, depth + 1);
  } else if (Array.isArray(v)) {
    v.forEach((e, i) => visit(e, `${path}.${i}`, seen, out, depth + 1));
  } else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, e] of Object.entries(v)) visit(e, `${path}.${k}`, seen, out, depth + 1);
  }
}
function walkChildren(m, prefix, seen, out, depth = 0) {
  for (const key of Object.keys(m)) visit(m[key], prefix ? `${prefix}.${key}` : key, seen, out, depth);
}
function descendants(root) {
  const out = [];
  walkChildren(root, "", /* @__PURE__ */ new Set([root]), out);
  return out;
}
function matches(filter, s2, path) {
  if (filter === void 0) return true;
  if (filter.prototype instanceof State || filter === State) return s2 instanceof filter;
  return filter(s2, path);
}
function initAllStates(net, opts = {}) {
  if (!(net instanceof Module)) throw new SpikegradError(`initAllStates: argument 'net' expected an nn.Module, got ${describeValue(net)}`);
  const { batchSize, dtype = "float32" } = opts;
  if (batchSize !== void 0 && !(Number.isInteger(batchSize) && batchSize > 0)) {
    throw new SpikegradError(`initAllStates: argument 'batchSize' expected a positive integer, got ${describeValue(batchSize)}`);
  }
  if (dtype !== "float32" && dtype !== "float64") {
    throw new SpikegradError(`initAllStates: argument 'dtype' expected 'float32' or 'float64', got ${describeValue(dtype)}`);
  }
  const backend = opts.backend ?? Object.values(net.states(ParamState)).find((p) => p.initialized)?.value.backend;
  const init = { dtype, ...batchSize !== void 0 ? { batchSize } : {}, ...backend ? { backend } : {} };
  net.initState(init);
  for (const m of Object.values(net.modules())) m.initState(init);
  net.states(HiddenState);
  return net;
}
var Module;
var init_module = __esm({
  "nn/module.ts"() {
    "use strict";
    init_errors();
    init_state();
    init_transform();
    init_stateDict();
    Module = class _Module {
      constructor() {
        for (const key of ["update", "run"]) {
          const fn = this[key];
          Object.defineProperty(this, key, { value: fn.bind(this), enumerable: false, writable: true, configurable: true });
        }
      }
      /**
       * The whole sequence `xs` [T, …]: the outputs stacked along time. Layers override this with one fused op;
       * this default runs `update` step by step (the same numbers, T times the ops).
       */
      run(xs) {
        return forLoop((x2) => this.update(x2), xs);
      }
      /** (Re)creates this module's own HiddenStates; nn.initAllStates calls it on every module. */
      initState(_opts) {
      }
      /**
       * The states under this module, by dotted path, in a stable order (property order, depth first).
       * @example net.states(ParamState)   // { 'i2r.0.weight': …, 'i2r.0.bias': …, 'r2o.weight': … }
       */
      states(filter) {
        if (filter !== void 0 && typeof filter !== "function") {
          throw new SpikegradError(`states: argument 'filter' expected a State class (e.g. ParamState) or a predicate, got ${describeValue(filter)}`);
        }
        const out = {};
        for (const [path, v] of descendants(this)) {
          if (!(v instanceof State)) continue;
          v.name = path;
          if (matches(filter, v, path)) out[path] = v;
        }
        return out;
      }
      /** The child modules at every depth, by dotted path (this module itself excluded). */
      modules() {
        const out = {};
        for (const [path, v] of descendants(this)) if (v instanceof _Module) out[path] = v;
        return out;
      }
      /** The parameters (or the states `filter` selects) as typed arrays with shapes, read back from the backend. */
      stateDict(filter = ParamState) {
        return readStateDict(this.states(filter));
      }
      /**
       * Writes the parameters from `dict` (as `stateDict` returns it). Every parameter must be present with its
       * shape; with `strict` (default) unknown entries are errors too. Nothing is written unless all entries check.
       */
      loadStateDict(dict, opts = {}) {
        loadStateDictInto(this.states(ParamState), dict, opts);
      }
      toString() {
        const kids = Object.entries(this.modules()).filter(([p]) => !p.includes("."));
        if (kids.length === 0) return `${this.constructor.name}()`;
        return `${this.constructor.name}(
${kids.map(([p, m]) => `  (${p}): ${String(m).replace(/\n/g, "\n  ")}`).join("\n")}
)`;
      }
    };
  }
});

// nn/sequential.ts
var Sequential;
var init_sequential = __esm({
  "nn/sequential.ts"() {
    "use strict";
    init_errors();
    init_module();
    Sequential = class extends Module {
      #layers;
      constructor(...layers) {
        super();
        layers.forEach((m, i) => {
          if (!(m instanceof Module)) throw new SpikegradError(`Sequential: layer ${i} expected an nn.Module, got ${describeValue(m)}`);
          Object.defineProperty(this, String(i), { value: m, enumerable: true });
        });
        this.#layers = layers;
      }
      get length() {
        return this.#layers.length;
      }
      /** The i-th layer (negative i counts from the end). */
      at(i) {
        const m = this.#layers.at(i);
        if (!m) throw new SpikegradError(`Sequential.at: argument 'i' expected an index in [${-this.length}, ${this.length - 1}], got ${i}`);
        return m;
      }
      update(x2) {
        return this.#layers.reduce((h, m) => m.update(h), x2);
      }
      run(xs) {
        return this.#layers.reduce((h, m) => m.run(h), xs);
      }
      [Symbol.iterator]() {
        return this.#layers[Symbol.iterator]();
      }
    };
  }
});

// nn/init.ts
function computeFans(shape) {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = shape.slice(0, -2).reduce((p, d) => p * d, 1);
  return { fanIn: shape.at(-2) * receptive, fanOut: shape.at(-1) * receptive };
}
function checkUnit(where2, u) {
  if (u === void 0) return void 0;
  if (!isUnit(u)) throw new SpikegradError(`${where2}: argument 'unit' expected a unit such as u.mA, got ${describeValue(u)}`);
  return u;
}
function finiteNumber(where2, name, v) {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new SpikegradError(`${where2}: argument '${name}' expected a finite number, got ${describeValue(v)}`);
  return v;
}
function mantissas(where2, values, unit) {
  let u = unit;
  const v = {};
  for (const [name, x2] of Object.entries(values)) {
    if (x2 === void 0) continue;
    if (x2 instanceof Quantity) {
      u ??= x2.unit;
      if (x2.unit.dim.some((e, i) => e !== u.dim[i])) {
        throw new SpikegradError(`${where2}: argument '${name}' expected a ${dimName(u.dim)} (in ${u.symbol}), got ${x2} (a ${dimName(x2.unit.dim)})`);
      }
      v[name] = x2.to(u);
    } else v[name] = finiteNumber(where2, name, x2);
  }
  return { unit: u, v };
}
function toInitializer(where2, name, v) {
  if (v instanceof Initializer) return v;
  if (typeof v === "number" || v instanceof Quantity) return new Constant(v);
  throw new SpikegradError(`${where2}: argument '${name}' expected an initializer (e.g. new init.Constant(0)), a number or a quantity, got ${describeValue(v)}`);
}
var Initializer, VarianceScaling, KaimingNormal, Constant, ZeroInit;
var init_init = __esm({
  "nn/init.ts"() {
    "use strict";
    init_errors();
    init_api();
    init_random();
    init_shape();
    init_units();
    Initializer = class {
      unit;
      constructor(opts = {}) {
        this.unit = checkUnit(this.constructor.name, opts.unit);
      }
      /** A tensor of `shape`, converted to `opts.unit` when given. */
      create(shape, opts = {}) {
        const where2 = opts.where ?? this.constructor.name;
        const sh = checkShape(where2, opts.name ?? "shape", [...shape]);
        const t = this.sample(sh, opts.dtype ?? "float32", opts.backend, opts.generator ?? defaultGenerator);
        const factor = this.factorTo(where2, opts.name ?? "initializer", opts.unit);
        if (factor === 1) return t;
        const scaled = mul2(t, factor);
        t.dispose();
        return scaled;
      }
      /** Multiplier from this initializer's unit to `target` (1 when either is absent). */
      factorTo(where2, name, target) {
        if (!this.unit || !target) return 1;
        if (this.unit.dim.some((e, i) => e !== target.dim[i])) {
          throw new SpikegradError(`${where2}: argument '${name}' expected values in a ${dimName(target.dim)} (in ${target.symbol}), got ${this} in ${this.unit.symbol} (a ${dimName(this.unit.dim)})`);
        }
        return new Quantity(1, this.unit).to(target);
      }
      describe(params) {
        const all = { ...params, ...this.unit ? { unit: this.unit.symbol } : {} };
        return `${this.constructor.name}(${Object.entries(all).map(([k, v]) => `${k}=${v}`).join(", ")})`;
      }
    };
    VarianceScaling = class extends Initializer {
      scale;
      mode;
      constructor(defaultScale, defaultMode, opts) {
        super(opts);
        this.scale = opts.scale === void 0 ? defaultScale : finiteNumber(this.constructor.name, "scale", opts.scale);
        if (!(this.scale > 0)) throw new SpikegradError(`${this.constructor.name}: argument 'scale' expected a positive number, got ${this.scale}`);
        const mode = opts.mode ?? defaultMode;
        if (mode !== "fan_in" && mode !== "fan_out" && mode !== "fan_avg") {
          throw new SpikegradError(`${this.constructor.name}: argument 'mode' expected 'fan_in', 'fan_out' or 'fan_avg', got ${describeValue(mode)}`);
        }
        this.mode = mode;
      }
      /** The standard deviation for a weight of `shape`. */
      std(shape) {
        const { fanIn, fanOut } = computeFans(shape);
        const fan = this.mode === "fan_in" ? fanIn : this.mode === "fan_out" ? fanOut : (fanIn + fanOut) / 2;
        return Math.sqrt(this.scale / Math.max(1, fan));
      }
      sample(shape, dtype, backend, generator) {
        const std = this.std(shape);
        if (this.distribution === "normal") return normal(shape, 0, std, { dtype, backend, generator });
        const bound = Math.sqrt(3) * std;
        return uniform(shape, -bound, bound, { dtype, backend, generator });
      }
      toString() {
        return this.describe({ scale: this.scale, mode: this.mode });
      }
    };
    KaimingNormal = class extends VarianceScaling {
      distribution = "normal";
      constructor(opts = {}) {
        if (opts.legacy && opts.scale !== void 0) throw new SpikegradError("KaimingNormal: give either 'legacy' or 'scale', not both");
        super(opts.legacy ? Math.SQRT2 : 2, "fan_in", opts);
      }
    };
    Constant = class extends Initializer {
      value;
      constructor(value, opts = {}) {
        const { unit, v } = mantissas("Constant", { value }, checkUnit("Constant", opts.unit));
        super({ ...unit ? { unit } : {} });
        this.value = v.value;
      }
      sample(shape, dtype, backend) {
        return full(shape, this.value, dtype, backend);
      }
      toString() {
        return this.describe({ value: this.value });
      }
    };
    ZeroInit = class extends Constant {
      constructor(opts = {}) {
        super(0, opts);
      }
      toString() {
        return this.describe({});
      }
    };
  }
});

// nn/layer.ts
function checkSize(where2, name, v) {
  if (!(typeof v === "number" && Number.isInteger(v) && v > 0)) {
    throw new SpikegradError(`${where2}: argument '${name}' expected a positive integer, got ${describeValue(v)}`);
  }
  return v;
}
function readParam(where2, name, value, unit, fallback, positive = false) {
  const plain = value instanceof Quantity && value.isDimensionless ? value.toNumber() : value;
  const v = plain === void 0 ? fallback : readQuantity(where2, name, plain, unit);
  if (!Number.isFinite(v)) throw new SpikegradError(`${where2}: argument '${name}' expected a finite value in ${unit.symbol}, got ${v}`);
  if (positive && !(v > 0)) throw new SpikegradError(`${where2}: argument '${name}' expected a positive value in ${unit.symbol}, got ${v}`);
  return v;
}
function fitsInto(inShape, stateShape) {
  try {
    return sameShape(broadcastShapes("input", inShape, stateShape), stateShape);
  } catch {
    return false;
  }
}
var Layer;
var init_layer = __esm({
  "nn/layer.ts"() {
    "use strict";
    init_dtype();
    init_errors();
    init_shape();
    init_tensor();
    init_units();
    init_module();
    Layer = class extends Module {
      size;
      constructor(size) {
        super();
        this.size = checkSize(this.constructor.name, "size", size);
      }
      /** `LIF(4)`: how messages name the layer. */
      get label() {
        return `${this.constructor.name}(${this.size})`;
      }
      stateShape(opts) {
        return opts.batchSize === void 0 ? [this.size] : [opts.batchSize, this.size];
      }
      /** Fills `state` from `init` for a batch; `unit` is the unit the layer computes the state in, if fixed. */
      initHidden(state, init, opts, name, unit) {
        state.value = init.create(this.stateShape(opts), {
          dtype: opts.dtype ?? "float32",
          where: this.label,
          name,
          ...unit ? { unit } : {},
          ...opts.backend ? { backend: opts.backend } : {}
        });
      }
      /** Step-mode input: a float tensor whose shape broadcasts to [batch, size] (usually equals it). */
      checkStep(x2, method = "update") {
        if (!(x2 instanceof Tensor) || !isFloat(x2.dtype)) {
          throw new SpikegradError(`${this.label}.${method}: argument 'x' expected a float tensor [batch, ${this.size}], got ${describeValue(x2)}`);
        }
        const last = x2.shape.at(-1);
        if (last !== void 0 && last !== this.size && last !== 1) {
          throw new SpikegradError(`${this.label}.${method}: argument 'x' expected last dimension ${this.size} (the layer's size), got ${x2.dtype} ${fmtShape(x2.shape)}`);
        }
        return x2;
      }
      /** Sequence-mode input: a float tensor [T, batch, size] (or [T, size] for unbatched states). */
      checkSeq(xs) {
        if (!(xs instanceof Tensor) || !isFloat(xs.dtype) || xs.rank < 2) {
          throw new SpikegradError(`${this.label}.run: argument 'xs' expected a float tensor [T, batch, ${this.size}], got ${describeValue(xs)}`);
        }
        if (xs.shape.at(-1) !== this.size) {
          throw new SpikegradError(`${this.label}.run: argument 'xs' expected last dimension ${this.size} (the layer's size), got ${fmtShape(xs.shape)}`);
        }
        return xs;
      }
      /**
       * The value of `state`, checked against the input: initialised, and (when `input` is given) of its batch
       * shape and dtype. `input` is the step input (broadcastable to the state) or the sequence (`seq`: its shape
       * without the time axis must equal the state's).
       */
      hidden(state, input, seq = false) {
        const name = state.name ?? "?";
        if (!state.initialized) {
          throw new SpikegradError(`${this.label}: hidden state '${name}' is not initialized; call nn.initAllStates(net, { batchSize }) before update() or run() (at the start of every training step)`);
        }
        const v = state.value;
        if (!input) return v;
        const inShape = seq ? input.shape.slice(1) : input.shape;
        if (!(seq ? sameShape(inShape, v.shape) : fitsInto(inShape, v.shape))) {
          const batch = inShape.length >= 2 ? inShape.at(-2) : void 0;
          throw new SpikegradError(`${this.label}: input ${fmtShape(inShape)}${seq ? " (per time step)" : ""} does not match hidden state '${name}' ${fmtShape(v.shape)}; call nn.initAllStates(net, { batchSize${batch !== void 0 ? `: ${batch}` : ""} }) for this input`);
        }
        if (v.dtype !== input.dtype) {
          throw new SpikegradError(`${this.label}: hidden state '${name}' is ${v.dtype} but the input is ${input.dtype}; pass { dtype: '${input.dtype}' } to nn.initAllStates`);
        }
        return v;
      }
      /** Both modes: the dtype the constants are rounded to. */
      static floatOf(t) {
        return t.dtype === "float64" ? "float64" : "float32";
      }
    };
  }
});

// nn/linear.ts
var Linear;
var init_linear = __esm({
  "nn/linear.ts"() {
    "use strict";
    init_api();
    init_dtype();
    init_errors();
    init_state();
    init_tensor();
    init_init();
    init_layer();
    init_module();
    Linear = class extends Module {
      inFeatures;
      outFeatures;
      weight;
      bias;
      constructor(inFeatures, outFeatures, opts = {}) {
        super();
        this.inFeatures = checkSize("Linear", "inFeatures", inFeatures);
        this.outFeatures = checkSize("Linear", "outFeatures", outFeatures);
        const dtype = opts.dtype ?? "float32";
        const wInit = toInitializer("Linear", "wInit", opts.wInit ?? new KaimingNormal());
        this.weight = new ParamState(wInit.create([inFeatures, outFeatures], { dtype, where: "Linear", name: "wInit" }), "weight");
        if (opts.bInit !== null) {
          const bInit = toInitializer("Linear", "bInit", opts.bInit ?? new ZeroInit());
          this.bias = new ParamState(bInit.create([outFeatures], { dtype, where: "Linear", name: "bInit" }), "bias");
        } else this.bias = void 0;
      }
      /** x [..., in] → [..., out]. */
      update(x2) {
        return this.apply(x2, "update");
      }
      /** xs [T, B, in] → [T, B, out] in one matmul over the T·B rows. */
      run(xs) {
        if (xs instanceof Tensor && xs.rank < 2) {
          throw new SpikegradError(`${this}.run: argument 'xs' expected a sequence [T, batch, ${this.inFeatures}], got ${fmtShape(xs.shape)}`);
        }
        return this.apply(xs, "run");
      }
      apply(x2, method) {
        const W = this.weight.value;
        if (!(x2 instanceof Tensor) || !isFloat(x2.dtype) || x2.rank < 1) {
          throw new SpikegradError(`${this}.${method}: argument 'x' expected a float tensor [..., ${this.inFeatures}], got ${describeValue(x2)}`);
        }
        if (x2.shape.at(-1) !== this.inFeatures) {
          throw new SpikegradError(`${this}.${method}: argument 'x' expected last dimension ${this.inFeatures} (in features), got ${fmtShape(x2.shape)}`);
        }
        if (x2.dtype !== W.dtype) {
          throw new SpikegradError(`${this}.${method}: argument 'x' is ${x2.dtype} but the weights are ${W.dtype}; create the layer with { dtype: '${x2.dtype}' }`);
        }
        const rows = x2.rank === 2 ? x2 : reshape(x2, [-1, this.inFeatures]);
        const y = this.bias ? linear(rows, W, this.bias.value) : matmul(rows, W);
        return x2.rank === 2 ? y : reshape(y, [...x2.shape.slice(0, -1), this.outFeatures]);
      }
      toString() {
        return `Linear(${this.inFeatures}\u2192${this.outFeatures}${this.bias ? "" : ", no bias"})`;
      }
    };
  }
});

// nn/expEuler.ts
function rounderFor(dtype) {
  return dtype === "float32" ? Math.fround : identity3;
}
function exprel(z, dtype = "float64") {
  const fr = rounderFor(dtype);
  const small = dtype === "float32" ? 1e-4 : 1e-8;
  if (Math.abs(z) <= small) return fr(1 + z / 2 + z * z / 6);
  return fr(fr(Math.expm1(z)) / z);
}
function expEulerConstants(tauMs, dtMs, dtype) {
  if (!(tauMs > 0) || !Number.isFinite(tauMs)) throw new SpikegradError(`expEulerConstants: tau expected a positive time in ms, got ${tauMs}`);
  const fr = rounderFor(dtype);
  const tau = fr(tauMs), dt = fr(dtMs);
  const z = fr(dt * fr(-1 / tau));
  return { tau, coef: fr(dt * exprel(z, dtype)) };
}
var identity3;
var init_expEuler = __esm({
  "nn/expEuler.ts"() {
    "use strict";
    init_errors();
    identity3 = (v) => v;
  }
});

// nn/expon.ts
var Expon;
var init_expon = __esm({
  "nn/expon.ts"() {
    "use strict";
    init_api();
    init_dispatch();
    init_environ();
    init_state();
    init_units();
    init_expEuler();
    init_init();
    init_layer();
    Expon = class extends Layer {
      tau;
      gInitializer;
      g = new HiddenState(void 0, "g");
      constructor(size, opts = {}) {
        super(size);
        this.tau = readParam("Expon", "tau", opts.tau, ms, 8, true);
        this.gInitializer = toInitializer("Expon", "gInitializer", opts.gInitializer ?? new Constant(0));
      }
      initState(opts) {
        this.initHidden(this.g, this.gInitializer, opts, "gInitializer");
      }
      /** One step: decay, then add `x` (omit x for a pure decay step). */
      update(x2) {
        const input = x2 === void 0 ? void 0 : this.checkStep(x2);
        const g0 = this.hidden(this.g, input);
        const { tau, coef } = expEulerConstants(this.tau, getDtMs(), Layer.floatOf(g0));
        let g = add2(g0, mul2(div2(neg2(g0), tau), coef));
        if (input) g = add2(g, input);
        this.g.value = g;
        return g;
      }
      /** xs [T, B, n] → g [T, B, n] in one fused op. */
      run(xs) {
        const seq = this.checkSeq(xs);
        const g0 = this.hidden(this.g, seq, true);
        const [gs] = runOp("exponRun", [seq, g0], expEulerConstants(this.tau, getDtMs(), Layer.floatOf(g0)));
        this.g.value = index(gs, -1);
        return gs;
      }
      toString() {
        return `Expon(${this.size}, tau=${this.tau} ms)`;
      }
    };
  }
});

// nn/dualExpon.ts
var init_dualExpon = __esm({
  "nn/dualExpon.ts"() {
    "use strict";
    init_api();
    init_dispatch();
    init_environ();
    init_errors();
    init_state();
    init_units();
    init_expEuler();
    init_init();
    init_layer();
  }
});

// nn/spikeFunction.ts
function checkSpikeFunction(where2, v) {
  const s2 = v;
  const ok = s2 !== null && typeof s2 === "object" && typeof s2.spike === "function" && typeof s2.gradScalar === "function" && typeof s2.wgslGrad === "function" && typeof s2.key === "string";
  if (!ok) {
    throw new SpikegradError(`${where2}: argument 'spkFun' expected a surrogate (e.g. new surrogate.ReluGrad()), got ${describeValue(v)}`);
  }
  return s2;
}
function defaultSpikeFunction() {
  return new ReluGrad();
}
var init_spikeFunction = __esm({
  "nn/spikeFunction.ts"() {
    "use strict";
    init_errors();
    init_surrogate();
  }
});

// nn/lif.ts
var SpikingNeuron, LIF;
var init_lif = __esm({
  "nn/lif.ts"() {
    "use strict";
    init_api();
    init_dispatch();
    init_environ();
    init_errors();
    init_state();
    init_units();
    init_expEuler();
    init_init();
    init_layer();
    init_spikeFunction();
    SpikingNeuron = class extends Layer {
      R;
      tau;
      VTh;
      VReset;
      VRest;
      spkFun;
      spkReset;
      detachReset;
      VInitializer;
      V = new HiddenState(void 0, "V");
      constructor(size, opts, defaults) {
        super(size);
        const where2 = this.constructor.name;
        this.R = readParam(where2, "R", opts.R, ohm, 1);
        this.tau = readParam(where2, "tau", opts.tau, ms, defaults.tau, true);
        this.VTh = readParam(where2, "VTh", opts.VTh, mV, 1);
        this.VReset = readParam(where2, "VReset", opts.VReset, mV, 0);
        this.VRest = readParam(where2, "VRest", opts.VRest, mV, 0);
        if (!(this.VTh > this.VReset)) {
          throw new SpikegradError(`${where2}: argument 'VTh' expected a threshold above VReset (${this.VReset} mV), got ${this.VTh} mV`);
        }
        this.spkFun = checkSpikeFunction(where2, opts.spkFun ?? defaultSpikeFunction());
        const reset = opts.spkReset ?? "soft";
        if (reset !== "soft" && reset !== "hard") throw new SpikegradError(`${where2}: argument 'spkReset' expected 'soft' or 'hard', got ${describeValue(reset)}`);
        this.spkReset = reset;
        if (opts.detachReset !== void 0 && typeof opts.detachReset !== "boolean") {
          throw new SpikegradError(`${where2}: argument 'detachReset' expected a boolean, got ${describeValue(opts.detachReset)}`);
        }
        this.detachReset = opts.detachReset ?? false;
        this.VInitializer = toInitializer(where2, "VInitializer", opts.VInitializer ?? new Constant(0, { unit: mV }));
      }
      initState(opts) {
        this.initHidden(this.V, this.VInitializer, opts, "VInitializer", mV);
      }
      /** Every constant of the kernel, rounded to the tensors' precision the way the step ops round them. */
      lifAttrs(dtype) {
        const fr = rounderFor(dtype);
        const { tau, coef } = expEulerConstants(this.tau, getDtMs(), dtype);
        const [VTh, VReset] = [fr(this.VTh), fr(this.VReset)];
        return {
          tau,
          coef,
          R: fr(this.R),
          VTh,
          VReset,
          VRest: fr(this.VRest),
          k: fr(VTh - VReset),
          reset: this.spkReset,
          detachReset: this.detachReset,
          spkFun: this.spkFun
        };
      }
      /** The previous spike as the reset sees it: detached only when asked. */
      resetSpike(s2) {
        return this.detachReset ? stopGradient(s2) : s2;
      }
      /** Steps 2–3: reset by the previous spike `s`, then one exp-Euler step with input current `x`. */
      resetAndIntegrate(v, s2, x2, a) {
        const vr = this.spkReset === "soft" ? sub2(v, mul2(s2, a.k)) : sub2(v, mul2(sub2(stopGradient(v), a.VReset), s2));
        let num2 = neg2(vr);
        if (a.VRest !== 0) num2 = add2(num2, a.VRest);
        num2 = add2(num2, a.R === 1 ? x2 : mul2(x2, a.R));
        return add2(vr, mul2(div2(num2, a.tau), a.coef));
      }
    };
    LIF = class extends SpikingNeuron {
      constructor(size, opts = {}) {
        super(size, opts, { tau: 5 });
      }
      /** One step: input current x [B, n] (mA) → spikes [B, n] (0/1). */
      update(x2) {
        const input = this.checkStep(x2);
        const v = this.hidden(this.V, input);
        const a = this.lifAttrs(Layer.floatOf(v));
        const spikeOf = (vv) => this.spkFun.spike(div2(sub2(vv, a.VTh), a.k));
        const vNew = this.resetAndIntegrate(v, this.resetSpike(spikeOf(v)), input, a);
        this.V.value = vNew;
        return spikeOf(vNew);
      }
      /** xs [T, B, n] → spikes [T, B, n] in one fused op (forward and backward). */
      run(xs) {
        const seq = this.checkSeq(xs);
        const v0 = this.hidden(this.V, seq, true);
        const [spikes2, vs] = runOp("lifRun", [seq, v0], this.lifAttrs(Layer.floatOf(v0)));
        this.V.value = index(vs, -1);
        return spikes2;
      }
      toString() {
        return `${this.constructor.name}(${this.size}, tau=${this.tau} ms, VTh=${this.VTh} mV, VReset=${this.VReset} mV, spkFun=${this.spkFun}, spkReset='${this.spkReset}'${this.detachReset ? ", detachReset" : ""})`;
      }
    };
  }
});

// nn/alif.ts
var init_alif = __esm({
  "nn/alif.ts"() {
    "use strict";
    init_api();
    init_dispatch();
    init_environ();
    init_state();
    init_units();
    init_expEuler();
    init_init();
    init_layer();
    init_lif();
  }
});

// nn/readout.ts
var ZERO;
var init_readout = __esm({
  "nn/readout.ts"() {
    "use strict";
    init_api();
    init_dispatch();
    init_environ();
    init_errors();
    init_state();
    init_tensor();
    init_units();
    init_expEuler();
    init_init();
    init_layer();
    ZERO = new Constant(0);
  }
});

// nn/index.ts
var init_nn = __esm({
  "nn/index.ts"() {
    "use strict";
    init_module();
    init_sequential();
    init_linear();
    init_expon();
    init_dualExpon();
    init_lif();
    init_alif();
    init_readout();
    init_layer();
    init_expEuler();
  }
});

// optim/clip.ts
function requireTensors(where2, grads) {
  if (!Array.isArray(grads) || grads.length === 0 || !grads.every((g) => g instanceof Tensor)) {
    throw new SpikegradError(`${where2}: argument 'grads' expected a non-empty array of Tensors, got ${describeValue(grads)}`);
  }
}
function globalNorm(grads) {
  requireTensors("globalNorm", grads);
  let acc = null;
  for (const g of grads) {
    const s2 = sum2(mul2(g, g));
    acc = acc ? add2(acc, s2) : s2;
  }
  return sqrt2(acc);
}
function clipByGlobalNorm(grads, maxNorm) {
  requireTensors("clipByGlobalNorm", grads);
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) throw new SpikegradError(`clipByGlobalNorm: argument 'maxNorm' expected a positive finite number, got ${describeValue(maxNorm)}`);
  const norm = globalNorm(grads);
  const scale = div2(maxNorm, maximum(norm, maxNorm));
  return grads.map((g) => mul2(g, scale));
}
function clipByValue(g, v) {
  if (!(v > 0) || !Number.isFinite(v)) throw new SpikegradError(`clipByValue: argument 'v' expected a positive finite number, got ${describeValue(v)}`);
  return minimum(maximum(g, -v), v);
}
var init_clip = __esm({
  "optim/clip.ts"() {
    "use strict";
    init_errors();
    init_api();
    init_tensor();
  }
});

// optim/schedule.ts
function requirePositiveFinite(where2, name, v, allowZero = false) {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || !allowZero && v === 0) {
    throw new SpikegradError(`${where2}: argument '${name}' expected a ${allowZero ? "non-negative" : "positive"} finite number, got ${describeValue(v)}`);
  }
  return v;
}
function constantLR(lr) {
  requirePositiveFinite("constantLR", "lr", lr, true);
  return { at: () => lr, toString: () => `constantLR(lr=${lr})` };
}
function toSchedule(where2, lr) {
  if (typeof lr === "number") {
    requirePositiveFinite(where2, "lr", lr, true);
    return constantLR(lr);
  }
  const at = typeof lr === "function" ? lr : lr !== null && typeof lr === "object" && typeof lr.at === "function" ? (s2) => lr.at(s2) : null;
  if (!at) throw new SpikegradError(`${where2}: argument 'lr' expected a number, a function of the step or a schedule, got ${describeValue(lr)}`);
  return {
    at(step) {
      const v = at(step);
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
        throw new SpikegradError(`${where2}: the learning-rate schedule returned ${describeValue(v)} at step ${step}; expected a non-negative finite number`);
      }
      return v;
    },
    toString: () => typeof lr === "function" ? "custom schedule" : String(lr)
  };
}
var init_schedule = __esm({
  "optim/schedule.ts"() {
    "use strict";
    init_errors();
  }
});

// optim/optimizer.ts
function optionalPositive(where2, name, v) {
  if (v === void 0) return void 0;
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) {
    throw new SpikegradError(`${where2}: argument '${name}' expected a positive finite number, got ${describeValue(v)}`);
  }
  return v;
}
function requireUnitInterval(where2, name, v, fallback) {
  const x2 = v ?? fallback;
  if (typeof x2 !== "number" || !(x2 >= 0 && x2 < 1)) throw new SpikegradError(`${where2}: argument '${name}' expected a number in [0, 1), got ${describeValue(x2)}`);
  return x2;
}
function requireNonNegative(where2, name, v, fallback) {
  const x2 = v ?? fallback;
  if (typeof x2 !== "number" || !(x2 >= 0) || !Number.isFinite(x2)) throw new SpikegradError(`${where2}: argument '${name}' expected a non-negative finite number, got ${describeValue(x2)}`);
  return x2;
}
var Optimizer;
var init_optimizer = __esm({
  "optim/optimizer.ts"() {
    "use strict";
    init_dtype();
    init_errors();
    init_scope();
    init_shape();
    init_state();
    init_tape();
    init_tensor();
    init_api();
    init_clip();
    init_schedule();
    Optimizer = class {
      /** Updates applied so far (optax's `count`; braintools' `step_count`). */
      stepCount = 0;
      schedule;
      gradClipNorm;
      gradClipValue;
      #entries = /* @__PURE__ */ new Map();
      #name;
      constructor(name, opts, defaultLr) {
        this.#name = name;
        if (opts === null || typeof opts !== "object") throw new SpikegradError(`${name}: expected an options object such as { lr: 1e-3 }, got ${describeValue(opts)}`);
        this.schedule = toSchedule(name, opts.lr ?? defaultLr);
        this.gradClipNorm = optionalPositive(name, "gradClipNorm", opts.gradClipNorm);
        this.gradClipValue = optionalPositive(name, "gradClipValue", opts.gradClipValue);
      }
      /** The learning rate the next update will use. */
      get lr() {
        return this.schedule.at(this.stepCount);
      }
      /** The registered paths, in registration order. */
      get paths() {
        return [...this.#entries.keys()];
      }
      /**
       * Registers the states to train, keyed by path (`net.states(ParamState)`); may be called again to add more.
       * Creates the optimizer's slots (zeros) for each.
       */
      registerTrainableWeights(states) {
        const where2 = `${this.#name}.registerTrainableWeights`;
        if (states === null || typeof states !== "object" || Array.isArray(states)) {
          throw new SpikegradError(`${where2}: argument 'states' expected a record of path \u2192 ParamState (net.states(ParamState)), got ${describeValue(states)}`);
        }
        const known = new Map([...this.#entries].map(([k, e]) => [e.state, k]));
        for (const [path, st] of Object.entries(states)) {
          if (!(st instanceof State)) throw new SpikegradError(`${where2}: states['${path}'] expected a State, got ${describeValue(st)}`);
          const prev = this.#entries.get(path);
          if (prev) {
            if (prev.state !== st) throw new SpikegradError(`${where2}: path '${path}' is already registered with another state`);
            continue;
          }
          const other = known.get(st);
          if (other !== void 0) throw new SpikegradError(`${where2}: the state at '${path}' is already registered as '${other}' (it would be updated twice per step)`);
          const v = st.value;
          if (!isFloat(v.dtype)) throw new SpikegradError(`${where2}: states['${path}'] holds a ${v.dtype} tensor ${fmtShape(v.shape)}; only float parameters can be trained`);
          const slots = noGrad(() => Array.from({ length: this.slotCount }, () => keep(zerosLike(v))));
          this.#entries.set(path, { state: st, slots });
          known.set(st, path);
        }
        return this;
      }
      /**
       * Applies one step with `grads` keyed like the registered states (as `transform.grad` returns them).
       * Keys that were not registered are ignored; a registered path without a gradient is an error.
       * Everything is validated before any parameter changes.
       */
      update(grads) {
        const where2 = `${this.#name}.update`;
        if (grads === null || typeof grads !== "object" || Array.isArray(grads) || grads instanceof Tensor) {
          throw new SpikegradError(`${where2}: argument 'grads' expected a record of path \u2192 Tensor (as transform.grad returns), got ${describeValue(grads)}`);
        }
        if (this.#entries.size === 0) throw new SpikegradError(`${where2}: no trainable weights registered; call registerTrainableWeights(net.states(ParamState)) first`);
        const missing = this.paths.filter((p) => !(p in grads));
        if (missing.length) {
          throw new SpikegradError(`${where2}: argument 'grads' has no gradient for ${missing.map((p) => `'${p}'`).join(", ")} (registered: ${this.paths.join(", ")})`);
        }
        const items = [...this.#entries].map(([path, e]) => {
          const p = e.state.value, g = grads[path];
          if (!(g instanceof Tensor)) throw new SpikegradError(`${where2}: grads['${path}'] expected a Tensor, got ${describeValue(g)}`);
          if (g.isDisposed) throw new SpikegradError(`${where2}: grads['${path}'] was disposed before the update`);
          if (!sameShape(g.shape, p.shape) || g.dtype !== p.dtype) {
            throw new SpikegradError(`${where2}: grads['${path}'] expected ${p.dtype} ${fmtShape(p.shape)} like its parameter, got ${g.dtype} ${fmtShape(g.shape)}`);
          }
          if (g.backend !== p.backend) throw new SpikegradError(`${where2}: grads['${path}'] lives on ${g.backend.name}, its parameter on ${p.backend.name}`);
          if (!sameShape(e.slots[0]?.shape ?? p.shape, p.shape)) {
            throw new SpikegradError(`${where2}: the parameter at '${path}' changed shape to ${fmtShape(p.shape)} since it was registered with ${fmtShape(e.slots[0].shape)}`);
          }
          return { p, g, slots: e.slots };
        });
        const [kernel, attrs] = this.kernel(this.lr, this.stepCount + 1);
        tidy(() => noGrad(() => {
          let gs = items.map((it) => it.g);
          if (this.gradClipValue !== void 0) gs = gs.map((g) => clipByValue(g, this.gradClipValue));
          if (this.gradClipNorm !== void 0) gs = clipByGlobalNorm(gs, this.gradClipNorm);
          items.forEach((it, i) => it.p.backend.update(kernel, [it.p, ...it.slots], [gs[i]], attrs));
        }));
        this.stepCount++;
      }
      /** The slot tensors of the parameter at `path` (e.g. Adam's [mu, nu]); for inspection and tests. */
      slots(path) {
        const e = this.#entries.get(path);
        if (!e) throw new SpikegradError(`${this.#name}.slots: no parameter registered at '${path}' (registered: ${this.paths.join(", ")})`);
        return e.slots;
      }
      /** Frees the slots; the optimizer is empty afterwards. */
      dispose() {
        for (const e of this.#entries.values()) for (const s2 of e.slots) s2.dispose();
        this.#entries.clear();
      }
    };
  }
});

// optim/adam.ts
var AdamBase, Adam;
var init_adam = __esm({
  "optim/adam.ts"() {
    "use strict";
    init_optimizer();
    AdamBase = class extends Optimizer {
      beta1;
      beta2;
      eps;
      weightDecay;
      slotCount = 2;
      #decoupled;
      constructor(name, opts, decoupled, defaultWd) {
        super(name, opts, 1e-3);
        const betas = opts.betas ?? [0.9, 0.999];
        this.beta1 = requireUnitInterval(name, "betas[0]", betas[0], 0.9);
        this.beta2 = requireUnitInterval(name, "betas[1]", betas[1], 0.999);
        this.eps = requireNonNegative(name, "eps", opts.eps, 1e-8);
        this.weightDecay = requireNonNegative(name, "weightDecay", opts.weightDecay, defaultWd);
        this.#decoupled = decoupled;
      }
      kernel(lr, step) {
        return ["adam", {
          lr,
          step,
          beta1: this.beta1,
          beta2: this.beta2,
          eps: this.eps,
          weightDecay: this.weightDecay,
          decoupled: this.#decoupled
        }];
      }
      /** The slots of `path`: [mu, nu]. */
      moments(path) {
        const [mu, nu] = this.slots(path);
        return { mu, nu };
      }
    };
    Adam = class extends AdamBase {
      constructor(opts = {}) {
        super("Adam", opts, false, 0);
      }
    };
  }
});

// optim/metric.ts
function requireTensor(fn, arg2, x2) {
  if (!(x2 instanceof Tensor)) throw new SpikegradError(`${fn}: argument '${arg2}' expected a Tensor, got ${describeValue(x2)}`);
  return x2;
}
function checkClassification(fn, logits, labels) {
  const z = requireTensor(fn, "logits", logits), y = requireTensor(fn, "labels", labels);
  if (!isFloat(z.dtype)) throw new SpikegradError(`${fn}: argument 'logits' expected a float tensor, got ${z.dtype} ${fmtShape(z.shape)}`);
  if (z.rank < 1 || z.shape.at(-1) < 1) throw new SpikegradError(`${fn}: argument 'logits' expected shape [..., classes] with classes >= 1, got ${fmtShape(z.shape)}`);
  if (y.dtype !== "int32") {
    throw new SpikegradError(`${fn}: argument 'labels' expected an int32 tensor of class indices, got ${y.dtype} ${fmtShape(y.shape)} (use .astype('int32'))`);
  }
  const batch = z.shape.slice(0, -1);
  if (!sameShape(y.shape, batch)) {
    throw new SpikegradError(`${fn}: argument 'labels' expected shape ${fmtShape(batch)} (logits ${fmtShape(z.shape)} without the class axis), got ${fmtShape(y.shape)}`);
  }
  const C = z.shape.at(-1);
  const r = knownIntRange(y);
  if (r && (r.min < 0 || r.max >= C)) {
    throw new SpikegradError(`${fn}: argument 'labels' expected class indices in [0, ${C - 1}] for ${C} classes, got values in [${r.min}, ${r.max}]`);
  }
  return C;
}
function softmaxCrossEntropyWithIntegerLabels(logits, labels) {
  const C = checkClassification("softmaxCrossEntropyWithIntegerLabels", logits, labels);
  const n = labels.size;
  const out = softmaxCrossEntropy(reshape(logits, [n, C]), reshape(labels, [n]));
  return reshape(out, [...labels.shape]);
}
function accuracy(logits, labels) {
  checkClassification("accuracy", logits, labels);
  return mean(cast(eq2(argmax(logits, -1), labels), "float32"));
}
var init_metric = __esm({
  "optim/metric.ts"() {
    "use strict";
    init_dtype();
    init_errors();
    init_intRange();
    init_shape();
    init_tensor();
    init_api();
  }
});

// train/tutorial.ts
var SNN, tutorialTrainer;
var init_tutorial = __esm({
  "train/tutorial.ts"() {
    "use strict";
    init_backends();
    init_environ();
    init_scope();
    init_state();
    init_tape();
    init_transform();
    init_random();
    init_nn();
    init_init();
    init_adam();
    init_metric();
    init_units();
    SNN = class extends Module {
      i2r;
      r;
      r2o;
      o;
      constructor(nIn, nRec, nOut, spkFun) {
        super();
        this.i2r = new Sequential(
          new Linear(nIn, nRec, {
            wInit: new KaimingNormal({ unit: mA }),
            bInit: new ZeroInit({ unit: mA })
          }),
          new Expon(nRec, { tau: ms(5), gInitializer: new Constant(mA(0)) })
        );
        this.r = new LIF(nRec, { tau: ms(20), VRest: mV(0), VReset: mV(0), VTh: mV(1), spkFun });
        this.r2o = new Linear(nRec, nOut, { wInit: new KaimingNormal() });
        this.o = new Expon(nOut, { tau: ms(10), gInitializer: new Constant(0) });
      }
      update(spike) {
        return this.o.update(this.r2o.update(this.r.update(this.i2r.update(spike))));
      }
      run(spikes2) {
        return this.o.run(this.r2o.run(this.r.run(this.i2r.run(spikes2))));
      }
    };
    tutorialTrainer = (spkFun, c) => {
      const net = new SNN(c.nIn, c.nRec, c.nOut, spkFun);
      const xData = keep(rand([c.steps, c.batch, c.nIn]).lt(Hz(c.rateHz).mul(getDt())).astype("float32"));
      const yData = keep(rand([c.batch]).lt(0.5).astype("int32"));
      const optimizer = new Adam({ lr: c.lr });
      optimizer.registerTrainableWeights(net.states(ParamState));
      const preds = () => (c.mode === "sequence" ? net.run(xData) : forLoop((x2) => net.update(x2), xData)).mean(0);
      const lossFn = () => softmaxCrossEntropyWithIntegerLabels(preds(), yData).mean();
      const trainStep = jit(() => {
        initAllStates(net, { batchSize: c.batch });
        const [grads, l] = grad(lossFn, net.states(ParamState), { returnValue: true })();
        optimizer.update(grads);
        return l;
      });
      const be2 = getBackend();
      return {
        step: () => withBackend(be2, trainStep),
        accuracy: () => withBackend(be2, () => tidy(() => noGrad(() => {
          initAllStates(net, { batchSize: c.batch });
          return accuracy(preds(), yData);
        }))),
        dispose: () => {
          optimizer.dispose();
          for (const s2 of Object.values(net.states())) s2.dispose();
          dispose([xData, yData]);
        }
      };
    };
  }
});

// index.ts
init_backends();

// kernels/cpu/backend.ts
init_dtype();
init_errors();

// kernels/cpu/codegen.ts
init_compileJs();
var cache = /* @__PURE__ */ new Map();
function cachedKernel(key, source, fallback) {
  if (!codegen.enabled) return fallback();
  let f = cache.get(key);
  if (!f) cache.set(key, f = buildJs(source()) ?? fallback());
  return f;
}
var range = (n) => Array.from({ length: n }, (_, i) => i);
var UNROLL = 4;
function unrolled(body) {
  return `let j = 0;
    for (; j + ${UNROLL} <= N; j += ${UNROLL}) { ${range(UNROLL).map((k) => `{ ${body(k)} }`).join(" ")} }
    for (; j < N; j++) { ${body(0)} }`;
}

// kernels/matmul/cpuSparse.ts
var SPARSE_DENSITY_THRESHOLD = 0.1;
var SPARSE_MIN_ROW = 32;
var DENSITY_SAMPLE = 4096;
var csrCache = /* @__PURE__ */ new WeakMap();
function sampleDensity(a) {
  const n = a.length;
  if (n === 0) return 1;
  const step = Math.max(1, Math.floor(n / DENSITY_SAMPLE));
  let nz = 0, seen = 0;
  for (let i = 0; i < n; i += step, seen++) if (a[i] !== 0) nz++;
  return nz / seen;
}
function buildCsr(a, rows, cols) {
  let nnz = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) nnz++;
  const rowPtr = new Int32Array(rows + 1);
  const rowIdx = new Int32Array(nnz);
  const colIdx = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  let p = 0;
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = p;
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = a[base + c];
      if (v !== 0) {
        rowIdx[p] = r;
        colIdx[p] = c;
        values[p] = v;
        p++;
      }
    }
  }
  rowPtr[rows] = p;
  return { rowPtr, rowIdx, colIdx, values };
}
function sparseView(a, rows, cols) {
  const hit = csrCache.get(a);
  if (hit !== void 0) return hit === "dense" ? null : hit;
  if (cols < SPARSE_MIN_ROW) return null;
  if (a.length < 1024 || sampleDensity(a) > SPARSE_DENSITY_THRESHOLD) {
    csrCache.set(a, "dense");
    return null;
  }
  const csr = buildCsr(a, rows, cols);
  const sparse = csr.values.length / Math.max(1, a.length) <= SPARSE_DENSITY_THRESHOLD;
  csrCache.set(a, sparse ? csr : "dense");
  return sparse ? csr : null;
}
function forgetSparseView(a) {
  csrCache.delete(a);
}
var SPARSE_UNROLL_MAX = 16;
function csrRows(csr, firstRow, M2, b, bOff, N, out, outOff, bias = null, biasKind = "none") {
  const kernel = N <= SPARSE_UNROLL_MAX ? cachedKernel(`csrRows${N}${biasKind}`, () => csrRowsSource(N, biasKind), () => csrRowsGeneric(N, biasKind)) : csrRowsGeneric(N, biasKind);
  kernel(csr.rowPtr, csr.rowIdx, csr.colIdx, csr.values, firstRow, M2, b, bOff, out, outOff, bias);
}
function csrRowsSource(N, biasKind) {
  const cols = range(N);
  const end = (j) => biasKind === "none" ? `s${j}` : `${biasKind === "float32" ? "Math.fround" : ""}(s${j}) + c${j}`;
  const store2 = `o = outOff + (r - firstRow) * ${N}; ${cols.map((j) => `out[o + ${j}] = ${end(j)};`).join(" ")}`;
  return `return function csrRows${N}(rowPtr, rowIdx, colIdx, values, firstRow, M, b, bOff, out, outOff, bias) {
    let p = rowPtr[firstRow], o = 0;
    const e = rowPtr[firstRow + M];
    if (p === e) return;
    ${biasKind === "none" ? "" : `const ${cols.map((j) => `c${j} = bias[${j}]`).join(", ")};`}
    let r = rowIdx[p], ${cols.map((j) => `s${j} = 0`).join(", ")};
    for (; p < e; p++) {
      const rp = rowIdx[p];
      if (rp !== r) { ${store2} ${cols.map((j) => `s${j} = 0;`).join(" ")} r = rp; }
      const v = values[p], bk = bOff + colIdx[p] * ${N};
      ${cols.map((j) => `s${j} += v * b[bk + ${j}];`).join(" ")}
    }
    ${store2}
  };`;
}
function csrRowsGeneric(N, biasKind) {
  const acc = new Float64Array(N);
  const round = biasKind === "float32" ? Math.fround : (v) => v;
  return (rowPtr, rowIdx, colIdx, values, firstRow, M2, b, bOff, out, outOff, bias) => {
    const e = rowPtr[firstRow + M2];
    for (let p = rowPtr[firstRow]; p < e; ) {
      const r = rowIdx[p];
      acc.fill(0);
      for (; p < e && rowIdx[p] === r; p++) {
        const v = values[p], bk = bOff + colIdx[p] * N;
        for (let j = 0; j < N; j++) acc[j] += v * b[bk + j];
      }
      const o = outOff + (r - firstRow) * N;
      for (let j = 0; j < N; j++) out[o + j] = bias ? round(acc[j]) + bias[j] : acc[j];
    }
  };
}
function csrRowsTransposed(csr, firstRow, K, b, bOff, N, c) {
  const kernel = N <= SPARSE_UNROLL_MAX ? cachedKernel(`csrT${N}`, () => csrTransposedSource(N), () => csrTransposedGeneric(N)) : csrTransposedGeneric(N);
  kernel(csr.rowPtr, csr.rowIdx, csr.colIdx, csr.values, firstRow, K, b, bOff, c);
}
function csrTransposedSource(N) {
  return `return function csrTransposed${N}(rowPtr, rowIdx, colIdx, values, firstRow, K, b, bOff, c) {
    for (let p = rowPtr[firstRow], e = rowPtr[firstRow + K]; p < e; p++) {
      const v = values[p], ci = colIdx[p] * ${N}, bk = bOff + (rowIdx[p] - firstRow) * ${N};
      ${range(N).map((j) => `c[ci + ${j}] += v * b[bk + ${j}];`).join(" ")}
    }
  };`;
}
function csrTransposedGeneric(N) {
  return (rowPtr, rowIdx, colIdx, values, firstRow, K, b, bOff, c) => {
    for (let p = rowPtr[firstRow], e = rowPtr[firstRow + K]; p < e; p++) {
      const v = values[p], ci = colIdx[p] * N, bk = bOff + (rowIdx[p] - firstRow) * N;
      for (let j = 0; j < N; j++) c[ci + j] += v * b[bk + j];
    }
  };
}

// kernels/cpu/arrayPool.ts
var MIN_POOLED_ELEMENTS = 256;
var MAX_POOLED_BYTES = 128 * 1024 * 1024;
var ArrayPool = class {
  #free = /* @__PURE__ */ new Map();
  #bytes = 0;
  /** Bytes held by the pool (allocated, not in use). */
  get bytes() {
    return this.#bytes;
  }
  put(dtype, a) {
    if (a.length < MIN_POOLED_ELEMENTS || this.#bytes + a.byteLength > MAX_POOLED_BYTES) return;
    forgetSparseView(a);
    const key = `${dtype}:${a.length}`;
    const list = this.#free.get(key);
    if (list) list.push(a);
    else this.#free.set(key, [a]);
    this.#bytes += a.byteLength;
  }
  /** A released array of that size, zeroed when `zero` (else with its old contents), or undefined. */
  take(dtype, n, zero = true) {
    if (n < MIN_POOLED_ELEMENTS) return void 0;
    const a = this.#free.get(`${dtype}:${n}`)?.pop();
    if (!a) return void 0;
    this.#bytes -= a.byteLength;
    return zero ? a.fill(0) : a;
  }
  clear() {
    this.#free.clear();
    this.#bytes = 0;
  }
};

// kernels/cpu/registry.ts
init_ops();

// kernels/elementwise/cpu.ts
init_dtype();
init_shape();

// kernels/movement/cpu.ts
init_dtype();
init_shape();
function coalesce(shape, strides) {
  const outShape = [];
  const outStrides2 = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((st, k) => outStrides2[k][last] === st[d] * shape[d])) {
      outShape[last] *= shape[d];
      strides.forEach((st, k) => {
        outStrides2[k][last] = st[d];
      });
    } else {
      outShape.push(shape[d]);
      strides.forEach((st, k) => outStrides2[k].push(st[d]));
    }
  }
  return { shape: outShape, strides: outStrides2 };
}
var SMALL_BLOCK = 32;
function gatherStrided(src, out, fullShape, fullStrides, base) {
  const n = out.length;
  if (n === 0) return;
  const { shape: outShape, strides: [srcStrides] } = coalesce(fullShape, [fullStrides]);
  const r = outShape.length;
  if (r === 0) {
    out[0] = src[base];
    return;
  }
  const inner = outShape[r - 1], si = srcStrides[r - 1];
  const idx = new Array(r).fill(0);
  let off = base;
  for (let o = 0; o < n; o += inner) {
    if (si === 1 && inner >= SMALL_BLOCK) out.set(src.subarray(off, off + inner), o);
    else if (si === 0) out.fill(src[off], o, o + inner);
    else for (let j = 0; j < inner; j++) out[o + j] = src[off + j * si];
    for (let d = r - 2; d >= 0; d--) {
      idx[d]++;
      off += srcStrides[d];
      if (idx[d] < outShape[d]) break;
      off -= srcStrides[d] * outShape[d];
      idx[d] = 0;
    }
  }
}
var permuteKernel = ([x2], { perm }, [out]) => {
  const res = allocArray(out.dtype, x2.size);
  const st = stridesOf(x2.shape);
  gatherStrided(x2.data, res, out.shape, perm.map((p) => st[p]), 0);
  return [res];
};
var broadcastToKernel = ([x2], { shape }, [out]) => {
  const res = allocOutput(out.dtype, sizeOf(shape));
  let first = 0;
  while (first < x2.shape.length && x2.shape[first] === 1) first++;
  const core = x2.shape.slice(first);
  if (x2.size > 0 && core.every((d, i) => d === shape[shape.length - core.length + i])) {
    for (let o = 0; o < res.length; o += x2.size) res.set(x2.data, o);
    return [res];
  }
  gatherStrided(x2.data, res, shape, broadcastStrides(x2.shape, shape), 0);
  return [res];
};
var sliceKernel = ([x2], { begin, size }, [out]) => {
  const res = allocArray(out.dtype, sizeOf(size));
  const st = stridesOf(x2.shape);
  gatherStrided(x2.data, res, size, st, begin.reduce((p, b, i) => p + b * st[i], 0));
  return [res];
};
var padKernel = ([x2], { before }, [out]) => {
  const res = allocArray(out.dtype, sizeOf(out.shape));
  const ost = stridesOf(out.shape);
  const tmpShape = x2.shape;
  const r = tmpShape.length;
  if (x2.size === 0) return [res];
  if (r === 0) {
    res[0] = x2.data[0];
    return [res];
  }
  const base = before.reduce((p, b, i) => p + b * ost[i], 0);
  const inner = tmpShape[r - 1];
  const idx = new Array(r).fill(0);
  let off = base;
  const d = x2.data;
  for (let i = 0; i < d.length; i += inner) {
    res.set(d.subarray(i, i + inner), off);
    for (let k = r - 2; k >= 0; k--) {
      idx[k]++;
      off += ost[k];
      if (idx[k] < tmpShape[k]) break;
      off -= ost[k] * tmpShape[k];
      idx[k] = 0;
    }
  }
  return [res];
};
var concatKernel = (ins, { axis }, [out]) => {
  const r = out.shape.length;
  const ax = axis < 0 ? axis + r : axis;
  const res = allocArray(out.dtype, sizeOf(out.shape));
  const outer = sizeOf(out.shape.slice(0, ax));
  const tail = sizeOf(out.shape.slice(ax + 1));
  const rowOut = out.shape[ax] * tail;
  let col = 0;
  for (const t of ins) {
    const rowIn = t.shape[ax] * tail;
    for (let o = 0; o < outer; o++) res.set(t.data.subarray(o * rowIn, (o + 1) * rowIn), o * rowOut + col);
    col += rowIn;
  }
  return [res];
};
var gatherKernel = ([x2, idx], { axis }, [out]) => {
  const xs = x2.shape;
  const ax = axis < 0 ? axis + xs.length : axis;
  const pre = sizeOf(xs.slice(0, ax)), n = xs[ax], post = sizeOf(xs.slice(ax + 1));
  const m = idx.size;
  const res = allocArray(out.dtype, pre * m * post);
  const id = idx.data, xd = x2.data;
  for (let p = 0; p < pre; p++) {
    for (let k = 0; k < m; k++) {
      const j = id[k];
      if (j < 0 || j >= n) continue;
      const src = (p * n + j) * post;
      res.set(xd.subarray(src, src + post), (p * m + k) * post);
    }
  }
  return [res];
};
var oneHotKernel = ([idx], { depth }, [out]) => {
  const res = allocArray(out.dtype, idx.size * depth);
  const id = idx.data;
  for (let i = 0; i < id.length; i++) {
    const j = id[i];
    if (j >= 0 && j < depth) res[i * depth + j] = 1;
  }
  return [res];
};

// kernels/elementwise/cpu.ts
function stableSigmoid(x2) {
  if (x2 >= 0) return 1 / (1 + Math.exp(-x2));
  const e = Math.exp(x2);
  return e / (1 + e);
}
var UNARY_CPU = {
  neg: (x2) => -x2,
  abs: Math.abs,
  sign: (x2) => x2 > 0 ? 1 : x2 < 0 ? -1 : x2,
  // keeps ±0 and NaN
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  sigmoid: stableSigmoid,
  tanh: Math.tanh,
  sin: Math.sin,
  cos: Math.cos,
  floor: Math.floor,
  logicalNot: (x2) => x2 ? 0 : 1
};
var BINARY_CPU = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: Math.max,
  minimum: Math.min,
  pow: Math.pow,
  lt: (a, b) => a < b ? 1 : 0,
  le: (a, b) => a <= b ? 1 : 0,
  gt: (a, b) => a > b ? 1 : 0,
  ge: (a, b) => a >= b ? 1 : 0,
  eq: (a, b) => a === b ? 1 : 0,
  ne: (a, b) => a !== b ? 1 : 0,
  logicalAnd: (a, b) => a && b ? 1 : 0,
  logicalOr: (a, b) => a || b ? 1 : 0
};
var UNARY_LOOP_SRC = `return function unaryLoop(x, out) {
  const n = out.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) { out[i] = f(x[i]); out[i + 1] = f(x[i + 1]); out[i + 2] = f(x[i + 2]); out[i + 3] = f(x[i + 3]); }
  for (; i < n; i++) out[i] = f(x[i]);
};`;
var BINARY_LOOP_SRC = `return function binaryLoop(a, b, out, shape, sa, sb) {
  const n = out.length;
  let i = 0;
  if (shape === null) {
    for (; i + 4 <= n; i += 4) { out[i] = f(a[i], b[i]); out[i + 1] = f(a[i + 1], b[i + 1]); out[i + 2] = f(a[i + 2], b[i + 2]); out[i + 3] = f(a[i + 3], b[i + 3]); }
    for (; i < n; i++) out[i] = f(a[i], b[i]);
    return;
  }
  if (b.length === 1) {
    const bv = b[0];
    for (; i + 4 <= n; i += 4) { out[i] = f(a[i], bv); out[i + 1] = f(a[i + 1], bv); out[i + 2] = f(a[i + 2], bv); out[i + 3] = f(a[i + 3], bv); }
    for (; i < n; i++) out[i] = f(a[i], bv);
    return;
  }
  if (a.length === 1) {
    const av = a[0];
    for (; i + 4 <= n; i += 4) { out[i] = f(av, b[i]); out[i + 1] = f(av, b[i + 1]); out[i + 2] = f(av, b[i + 2]); out[i + 3] = f(av, b[i + 3]); }
    for (; i < n; i++) out[i] = f(av, b[i]);
    return;
  }
  if (shape.length === 2 && sa[1] === 1 && sb[1] === 1 && (sa[0] === 0 || sb[0] === 0)) {
    // One operand is a block repeated along the leading axis (a bias over rows): no odometer.
    const inner = shape[1];
    for (let o = 0; o < n; o += inner) {
      let j = 0;
      if (sb[0] === 0) {
        for (; j + 4 <= inner; j += 4) { const k = o + j; out[k] = f(a[k], b[j]); out[k + 1] = f(a[k + 1], b[j + 1]); out[k + 2] = f(a[k + 2], b[j + 2]); out[k + 3] = f(a[k + 3], b[j + 3]); }
        for (; j < inner; j++) out[o + j] = f(a[o + j], b[j]);
      } else {
        for (; j + 4 <= inner; j += 4) { const k = o + j; out[k] = f(a[j], b[k]); out[k + 1] = f(a[j + 1], b[k + 1]); out[k + 2] = f(a[j + 2], b[k + 2]); out[k + 3] = f(a[j + 3], b[k + 3]); }
        for (; j < inner; j++) out[o + j] = f(a[j], b[o + j]);
      }
    }
    return;
  }
  const r = shape.length, inner = shape[r - 1], sai = sa[r - 1], sbi = sb[r - 1];
  const idx = new Array(r).fill(0);
  let ia = 0, ib = 0;
  for (let o = 0; o < n; o += inner) {
    for (let j = 0; j < inner; j++) out[o + j] = f(a[ia + j * sai], b[ib + j * sbi]);
    for (let d = r - 2; d >= 0; d--) {
      idx[d]++; ia += sa[d]; ib += sb[d];
      if (idx[d] < shape[d]) break;
      ia -= sa[d] * shape[d]; ib -= sb[d] * shape[d]; idx[d] = 0;
    }
  }
};`;
function specialize(src, f, fallback) {
  try {
    return new Function("f", src)(f);
  } catch {
    return fallback;
  }
}
function closureUnary(f) {
  return (x2, out) => {
    for (let i = 0; i < out.length; i++) out[i] = f(x2[i]);
  };
}
function closureBinary(f) {
  return (a, b, out, shape, sa, sb) => {
    if (shape === null) {
      for (let i = 0; i < out.length; i++) out[i] = f(a[i], b[i]);
      return;
    }
    const [oa, ob] = stridedOffsets(shape, [sa, sb]);
    for (let i = 0; i < out.length; i++) out[i] = f(a[oa[i]], b[ob[i]]);
  };
}
var unaryLoops = Object.fromEntries(
  Object.entries(UNARY_CPU).map(([k, f]) => [k, specialize(UNARY_LOOP_SRC, f, closureUnary(f))])
);
var binaryLoops = Object.fromEntries(
  Object.entries(BINARY_CPU).map(([k, f]) => [k, specialize(BINARY_LOOP_SRC, f, closureBinary(f))])
);
function unaryKernel(op2) {
  return ([x2], _attrs, [out]) => {
    const res = allocOutput(out.dtype, x2.size);
    unaryLoops[op2](x2.data, res);
    return [res];
  };
}
function atLeast1(shape) {
  return shape.length === 0 ? [1] : shape;
}
function binaryKernel(op2) {
  return ([a, b], _attrs, [out]) => {
    const res = allocOutput(out.dtype, out.shape.reduce((p, d) => p * d, 1));
    if (res.length === 0) return [res];
    const oShape = atLeast1(out.shape);
    if (sameShape(a.shape, b.shape)) {
      binaryLoops[op2](a.data, b.data, res, null, [], []);
    } else {
      const c = coalesce(oShape, [broadcastStrides(atLeast1(a.shape), oShape), broadcastStrides(atLeast1(b.shape), oShape)]);
      let shape = c.shape.length ? c.shape : [1];
      const [sa, sb] = c.shape.length ? c.strides : [[0], [0]];
      let ad = a.data, bd = b.data;
      if (shape.length === 2 && shape[1] < 4 && shape[0] % 4 === 0 && sa[1] === 1 && sb[1] === 1 && sa[0] === 0 !== (sb[0] === 0)) {
        const inner = shape[1];
        shape = [shape[0] / 4, inner * 4];
        if (sb[0] === 0) {
          bd = tile(bd, inner, 4);
          sa[0] = inner * 4;
        } else {
          ad = tile(ad, inner, 4);
          sb[0] = inner * 4;
        }
      }
      binaryLoops[op2](ad, bd, res, shape, sa, sb);
    }
    return [res];
  };
}
function tile(x2, n, times) {
  const t = allocArray(dtypeOfArray(x2), n * times);
  for (let r = 0; r < times; r++) for (let j = 0; j < n; j++) t[r * n + j] = x2[j];
  return t;
}
function stridedOffsets(shape, strides) {
  const n = shape.reduce((p, d) => p * d, 1);
  const offs = strides.map(() => new Int32Array(n));
  const r = shape.length;
  const idx = new Array(r).fill(0);
  const cur = strides.map(() => 0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < strides.length; k++) offs[k][i] = cur[k];
    for (let d = r - 1; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < strides.length; k++) cur[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (let k = 0; k < strides.length; k++) cur[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
  }
  return offs;
}
var whereKernel = ([c, a, b], _attrs, [out]) => {
  const shape = out.shape;
  const res = allocArray(out.dtype, shape.reduce((p, d) => p * d, 1));
  if (sameShape(c.shape, shape) && sameShape(a.shape, shape) && sameShape(b.shape, shape)) {
    const cd2 = c.data, ad2 = a.data, bd2 = b.data;
    for (let i = 0; i < res.length; i++) res[i] = cd2[i] ? ad2[i] : bd2[i];
    return [res];
  }
  const [oc, oa, ob] = stridedOffsets(shape, [c, a, b].map((t) => broadcastStrides(t.shape, shape)));
  const cd = c.data, ad = a.data, bd = b.data;
  for (let i = 0; i < res.length; i++) res[i] = cd[oc[i]] ? ad[oa[i]] : bd[ob[i]];
  return [res];
};
var castKernel = ([x2], { dtype }) => {
  const res = allocArray(dtype, x2.size);
  const d = x2.data;
  if (dtype === "bool") for (let i = 0; i < d.length; i++) res[i] = d[i] ? 1 : 0;
  else if (dtype === "int32") for (let i = 0; i < d.length; i++) res[i] = Math.trunc(d[i]);
  else res.set(d);
  return [res];
};
var powScalarKernel = ([x2], { exponent }, [out]) => {
  const res = allocArray(out.dtype, x2.size);
  const d = x2.data;
  if (exponent === 2) for (let i = 0; i < d.length; i++) res[i] = d[i] * d[i];
  else for (let i = 0; i < d.length; i++) res[i] = Math.pow(d[i], exponent);
  return [res];
};
var fillKernel = (_ins, { value }, [out]) => {
  const res = allocArray(out.dtype, out.shape.reduce((p, d) => p * d, 1));
  if (value !== 0) res.fill(value);
  return [res];
};

// kernels/loss/cpu.ts
init_dtype();
function rowShift(z, row, C) {
  let m = -Infinity;
  for (let c = 0; c < C; c++) m = Math.max(m, z[row + c]);
  let s2 = 0;
  for (let c = 0; c < C; c++) s2 += Math.exp(z[row + c] - m);
  return { m, s: s2 };
}
var softmaxCrossEntropyKernel = ([logits, labels], _a, [out]) => {
  const [B, C] = logits.shape;
  const z = logits.data, y = labels.data;
  const res = allocArray(out.dtype, B);
  for (let b = 0; b < B; b++) {
    const row = b * C, label2 = y[b];
    const { m, s: s2 } = rowShift(z, row, C);
    res[b] = label2 >= 0 && label2 < C ? Math.log(s2) - (z[row + label2] - m) : NaN;
  }
  return [res];
};
var softmaxCrossEntropyGradKernel = ([logits, labels, dy], _a, [out]) => {
  const [B, C] = logits.shape;
  const z = logits.data, y = labels.data, g = dy.data;
  const res = allocArray(out.dtype, B * C);
  for (let b = 0; b < B; b++) {
    const row = b * C, label2 = y[b], scale = g[dy.size === 1 ? 0 : b];
    const { m, s: s2 } = rowShift(z, row, C);
    for (let c = 0; c < C; c++) res[row + c] = (Math.exp(z[row + c] - m) / s2 - (c === label2 ? 1 : 0)) * scale;
  }
  return [res];
};

// kernels/matmul/cpu.ts
init_dtype();
init_shape();

// kernels/matmul/cpuPacked.ts
var KC = 256;
var NC = 128;
function gemmPacked(a, aOff, b, bOff, c, M2, K, N) {
  const ap = new Float64Array(KC * 4);
  const bp = new Float64Array(KC * NC);
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = Math.min(NC, N - j0);
    const strips = Math.ceil(nc / 4);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = Math.min(KC, K - k0);
      for (let s2 = 0; s2 < strips; s2++) {
        for (let k = 0; k < kc; k++) {
          const row = bOff + (k0 + k) * N + j0 + s2 * 4;
          const dst = (s2 * kc + k) * 4;
          for (let q = 0; q < 4; q++) bp[dst + q] = s2 * 4 + q < nc ? b[row + q] : 0;
        }
      }
      for (let i0 = 0; i0 < M2; i0 += 4) {
        const mr = Math.min(4, M2 - i0);
        for (let k = 0; k < kc; k++) {
          for (let q = 0; q < 4; q++) ap[k * 4 + q] = q < mr ? a[aOff + (i0 + q) * K + k0 + k] : 0;
        }
        for (let s2 = 0; s2 < strips; s2++) {
          let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
          let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
          let pb = s2 * kc * 4;
          for (let k = 0, pa = 0; k < kc; k++, pa += 4, pb += 4) {
            const a0 = ap[pa], a1 = ap[pa + 1], a2 = ap[pa + 2], a3 = ap[pa + 3];
            const b0 = bp[pb], b1 = bp[pb + 1], b2 = bp[pb + 2], b3 = bp[pb + 3];
            c00 += a0 * b0;
            c01 += a0 * b1;
            c02 += a0 * b2;
            c03 += a0 * b3;
            c10 += a1 * b0;
            c11 += a1 * b1;
            c12 += a1 * b2;
            c13 += a1 * b3;
            c20 += a2 * b0;
            c21 += a2 * b1;
            c22 += a2 * b2;
            c23 += a2 * b3;
            c30 += a3 * b0;
            c31 += a3 * b1;
            c32 += a3 * b2;
            c33 += a3 * b3;
          }
          const jb = j0 + s2 * 4;
          if (mr === 4 && jb + 4 <= N) {
            let o = i0 * N + jb;
            c[o] += c00;
            c[o + 1] += c01;
            c[o + 2] += c02;
            c[o + 3] += c03;
            o += N;
            c[o] += c10;
            c[o + 1] += c11;
            c[o + 2] += c12;
            c[o + 3] += c13;
            o += N;
            c[o] += c20;
            c[o + 1] += c21;
            c[o + 2] += c22;
            c[o + 3] += c23;
            o += N;
            c[o] += c30;
            c[o + 1] += c31;
            c[o + 2] += c32;
            c[o + 3] += c33;
          } else {
            const tile2 = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
            const ncol = Math.min(4, N - jb);
            for (let r = 0; r < mr; r++) for (let q = 0; q < ncol; q++) c[(i0 + r) * N + jb + q] += tile2[r * 4 + q];
          }
        }
      }
    }
  }
}
function useBlocked(M2, K, N) {
  return M2 >= 16 && N >= 16 && K >= 16 && M2 * N * K >= 65536;
}

// kernels/matmul/cpuThin.ts
var THIN_MAX = 32;
function thinRows(K, N, biasKind = "none") {
  return cachedKernel(`rows${K}x${N}${biasKind}`, () => {
    const bs = range(K).flatMap((k) => range(N).map((j) => `b${k}_${j} = b[bOff + ${k * N + j}]`));
    const cs = biasKind === "none" ? [] : range(N).map((j) => `c${j} = bias[${j}]`);
    const as = range(K).map((k) => `a${k} = a[ai + ${k}]`);
    const sum3 = (j) => `0${range(K).map((k) => ` + a${k} * b${k}_${j}`).join("")}`;
    const end = (j) => biasKind === "none" ? sum3(j) : `${biasKind === "float32" ? "Math.fround" : ""}(${sum3(j)}) + c${j}`;
    const outs = range(N).map((j) => `out[o + ${j}] = ${end(j)};`);
    return `return function thinRows${K}x${N}(a, aOff, b, bOff, out, outOff, M, bias) {
      const ${[...bs, ...cs].join(", ")};
      for (let i = 0, ai = aOff, o = outOff; i < M; i++, ai += ${K}, o += ${N}) {
        const ${as.join(", ")};
        ${outs.join("\n        ")}
      }
    };`;
  }, () => (a, aOff, b, bOff, out, outOff, M2, bias) => {
    const round = biasKind === "float32" ? Math.fround : (v) => v;
    for (let i = 0; i < M2; i++) {
      for (let j = 0; j < N; j++) {
        let s2 = 0;
        for (let k = 0; k < K; k++) s2 += a[aOff + i * K + k] * b[bOff + k * N + j];
        out[outOff + i * N + j] = bias ? round(s2) + bias[j] : s2;
      }
    }
  });
}
function thinTransposed(M2, N) {
  return cachedKernel(`tr${M2}x${N}`, () => {
    const cs = range(M2).flatMap((m) => range(N).map((j) => `c${m}_${j} = 0`));
    const loads = [...range(M2).map((m) => `a${m} = a[ak + ${m}]`), ...range(N).map((j) => `b${j} = b[bk + ${j}]`)];
    const fmas = range(M2).flatMap((m) => range(N).map((j) => `c${m}_${j} += a${m} * b${j};`));
    const stores = range(M2).flatMap((m) => range(N).map((j) => `out[outOff + ${m * N + j}] = c${m}_${j};`));
    return `return function thinTransposed${M2}x${N}(a, aOff, b, bOff, out, outOff, K) {
      let ${cs.join(", ")};
      for (let k = 0, ak = aOff, bk = bOff; k < K; k++, ak += ${M2}, bk += ${N}) {
        const ${loads.join(", ")};
        ${fmas.join(" ")}
      }
      ${stores.join(" ")}
    };`;
  }, () => (a, aOff, b, bOff, out, outOff, K) => {
    for (let m = 0; m < M2; m++) {
      for (let j = 0; j < N; j++) {
        let s2 = 0;
        for (let k = 0; k < K; k++) s2 += a[aOff + k * M2 + m] * b[bOff + k * N + j];
        out[outOff + m * N + j] = s2;
      }
    }
  });
}

// kernels/matmul/cpu.ts
function transposeCopy(src, off, rows, cols) {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = src[off + r * cols + c];
  return t;
}
function denseRows(a, aOff, b, bOff, c, M2, K, N) {
  for (let i = 0; i < M2; i++) {
    const ai = aOff + i * K, ci = i * N;
    for (let k = 0; k < K; k++) {
      const v = a[ai + k];
      if (v === 0) continue;
      const bk = bOff + k * N;
      for (let j = 0; j < N; j++) c[ci + j] += v * b[bk + j];
    }
  }
}
function denseRowsTransposed(a, aOff, b, bOff, c, M2, K, N) {
  for (let k = 0; k < K; k++) {
    const ak = aOff + k * M2, bk = bOff + k * N;
    for (let m = 0; m < M2; m++) {
      const v = a[ak + m];
      if (v === 0) continue;
      const cm = m * N;
      for (let j = 0; j < N; j++) c[cm + j] += v * b[bk + j];
    }
  }
}
var matmulKernel = ([a, b], { transposeA, transposeB }, [out]) => [product(a, b, transposeA, transposeB, out, null)];
var linearKernel = ([x2, w, b], _attrs, [out]) => [product(x2, w, false, false, out, b.data)];
function product(a, b, tA, tB, out, bias) {
  const as = a.shape, bs = b.shape;
  const [M2, K] = tA ? [as.at(-1), as.at(-2)] : [as.at(-2), as.at(-1)];
  const N = tB ? bs.at(-2) : bs.at(-1);
  const batchShape = broadcastShapes("matmul", as.slice(0, -2), bs.slice(0, -2));
  const nBatch = sizeOf(batchShape);
  const res = allocOutput(out.dtype, nBatch * M2 * N);
  if (res.length === 0) return res;
  const biasKind = bias === null ? "none" : out.dtype === "float32" ? "float32" : "float64";
  const aBatch = batchOffsets(as.slice(0, -2), batchShape, M2 * K);
  const bBatch = batchOffsets(bs.slice(0, -2), batchShape, K * N);
  const ad = a.data, bd = b.data;
  const storedCols = as.at(-1);
  const csr = sparseView(ad, sizeOf(as) / storedCols, storedCols);
  for (let bi2 = 0; bi2 < nBatch; bi2++) {
    const aOff = aBatch[bi2], outOff = bi2 * M2 * N;
    let bm = bd, bo = bBatch[bi2];
    if (tB) {
      bm = transposeCopy(bd, bo, N, K);
      bo = 0;
    }
    if (!csr && !tA && K * N <= THIN_MAX) {
      thinRows(K, N, biasKind)(ad, aOff, bm, bo, res, outOff, M2, bias);
      continue;
    }
    if (!csr && tA && M2 * N <= THIN_MAX && !bias) {
      thinTransposed(M2, N)(ad, aOff, bm, bo, res, outOff, K);
      continue;
    }
    if (csr && !tA) {
      if (bias) fillRows(res, outOff, M2, N, bias);
      else res.fill(0, outOff, outOff + M2 * N);
      csrRows(csr, aOff / K, M2, bm, bo, N, res, outOff, bias, biasKind);
      continue;
    }
    const acc = scratch(M2 * N);
    acc.fill(0);
    if (csr) csrRowsTransposed(csr, aOff / M2, K, bm, bo, N, acc);
    else if (useBlocked(M2, K, N)) {
      const [am, ao] = tA ? [transposeCopy(ad, aOff, K, M2), 0] : [ad, aOff];
      gemmPacked(am, ao, bm, bo, acc, M2, K, N);
    } else if (tA) denseRowsTransposed(ad, aOff, bm, bo, acc, M2, K, N);
    else denseRows(ad, aOff, bm, bo, acc, M2, K, N);
    if (!bias) res.set(acc, outOff);
    else {
      const round = biasKind === "float32" ? Math.fround : (v) => v;
      for (let i = 0; i < M2 * N; i += N) for (let j = 0; j < N; j++) res[outOff + i + j] = round(acc[i + j]) + bias[j];
    }
  }
  return res;
}
function fillRows(res, outOff, M2, N, bias) {
  if (M2 === 0) return;
  for (let j = 0; j < N; j++) res[outOff + j] = 0 + bias[j];
  const end = outOff + M2 * N;
  for (let len = N; outOff + len < end; len *= 2) res.copyWithin(outOff + len, outOff, Math.min(outOff + len, end - len));
}
var scratchBuf = new Float64Array(0);
function scratch(n) {
  if (scratchBuf.length < n) scratchBuf = new Float64Array(Math.max(n, 2 * scratchBuf.length));
  return scratchBuf.subarray(0, n);
}
function batchOffsets(own, full2, matSize) {
  const n = sizeOf(full2);
  const offs = new Array(n);
  const ownStrides = stridesOf(own);
  const lead = full2.length - own.length;
  for (let i = 0; i < n; i++) {
    let rem = i, off = 0;
    for (let d = full2.length - 1; d >= 0; d--) {
      const idx = rem % full2[d];
      rem = Math.floor(rem / full2[d]);
      const od = d - lead;
      if (od >= 0 && own[od] !== 1) off += idx * ownStrides[od];
    }
    offs[i] = off * matSize;
  }
  return offs;
}

// kernels/neuron/cpu.ts
init_dtype();

// kernels/neuron/lifCompiled.ts
init_compileJs();

// kernels/cpu/f32.ts
var F32_SUBNORMAL_GUARD = 2 ** -125;
function f32Div(n, recip, d) {
  let q = n * recip;
  if (Math.abs(q) < F32_SUBNORMAL_GUARD) q = n / d;
  return q;
}

// kernels/neuron/lifCompiled.ts
var forwards = /* @__PURE__ */ new Map();
function lifForward(a, dtype) {
  if (!codegen.enabled) return null;
  const key = `${dtype}|${a.reset}|${a.VRest !== 0}|${a.R !== 1}`;
  let f = forwards.get(key);
  if (f === void 0) forwards.set(key, f = buildJs(forwardSource(a, dtype === "float32")));
  return f;
}
function forwardSource(a, f32) {
  const R = (e) => f32 ? `fr(${e})` : `(${e})`;
  const quotient = f32 ? "let q = num * rTau; if (Math.abs(q) < GUARD) q = num / tau;" : "const q = num / tau;";
  const body = (k) => `
      const i = o + j + ${k}, p = po + j + ${k};
      const v = pv[p];
      const vr = ps[p] === 0 ? v : ${a.reset === "hard" ? R(`v - ${R("v - VReset")}`) : R("v - k")};
      let num = -vr;
      ${a.VRest !== 0 ? `num = ${R("num + VRest")};` : ""}
      const x = xs[i];
      num = ${R(`num + ${a.R !== 1 ? R("Rm * x") : "x"}`)};
      ${quotient}
      const nv = ${R(`vr + ${R(`${R("q")} * coef`)}`)};
      vs[i] = nv;
      const d = nv - VTh;
      spk[i] = d >= 0 || (d > kU && ${R("d / k")} >= 0) ? 1 : 0;`;
  return `return function lifForward(xs, v0, s0, spk, vs, T, N, a) {
    const fr = Math.fround, GUARD = ${F32_SUBNORMAL_GUARD};
    const VTh = a.VTh, VReset = a.VReset, VRest = a.VRest, Rm = a.R, k = a.k, tau = a.tau, coef = a.coef;
    const rTau = 1 / tau, kU = -k * ${2 ** -126};
    for (let t = 0; t < T; t++) {
      const pv = t === 0 ? v0 : vs, ps = t === 0 ? s0 : spk, po = t === 0 ? 0 : (t - 1) * N, o = t * N;
      ${unrolled(body)}
    }
  };`;
}
var sweeps = /* @__PURE__ */ new WeakMap();
function lifSweep(a) {
  const expr = a.spkFun.gradExpr;
  if (!expr || !codegen.enabled) return null;
  let forFn = sweeps.get(a.spkFun);
  if (!forFn) sweeps.set(a.spkFun, forFn = /* @__PURE__ */ new Map());
  const key = `${a.reset}|${a.detachReset}|${a.hasDS}|${a.hasDV}`;
  let sweep = forFn.get(key);
  if (sweep === void 0) forFn.set(key, sweep = buildJs(sweepSource(expr, a)));
  return sweep;
}
function sweepSource(expr, a) {
  const sigma = inlineJs(expr, "q");
  const carry = a.detachReset ? "vrbar" : a.reset === "soft" ? "vrbar * (1 - sp)" : "vrbar * (1 - (pv - VReset) * sp * invK)";
  const body = (k) => `
        const c = j + ${k}, i = o + c;
        let vbar = carry[c];
        ${a.hasDS ? "vbar += dS[i] * slope[c] * invK;" : ""}
        ${a.hasDV ? "vbar += dV[i];" : ""}
        dx[i] = gain * vbar;
        const pv = prev[pb + c];
        let x = (pv - VTh) * invK; ${sigma.code}
        const sp = ${sigma.result};
        slope[c] = sp;
        const vrbar = decay * vbar;
        carry[c] = ${carry};`;
  return `return function lifGradSweep(v0, vs, dS, dV, dx, carry, slope, T, N, VTh, VReset, invK, decay, gain) {
    for (let j = 0, b = (T - 1) * N; j < N; j++) {
      let x = (vs[b + j] - VTh) * invK; ${sigma.code}
      slope[j] = ${sigma.result};
    }
    for (let step = T - 1; step >= 0; step--) {
      const o = step * N, prev = step > 0 ? vs : v0, pb = step > 0 ? o - N : 0;
      ${unrolled(body)}
    }
  };`;
}

// kernels/cpu/workRow.ts
function workRow() {
  let buf = new Float64Array(0);
  return (n) => {
    if (buf.length < n) buf = new Float64Array(n);
    else buf.fill(0, 0, n);
    return buf;
  };
}

// kernels/neuron/cpu.ts
var identity = (v) => v;
function rounder(dtype) {
  return dtype === "float32" ? Math.fround : identity;
}
var UNDERFLOW = 2 ** -126;
function spikes(d, k, fr) {
  return d >= 0 || d > -k * UNDERFLOW && fr(d / k) >= 0;
}
function integrate(a, fr, pv, spiked, input) {
  const vr = !spiked ? pv : a.reset === "soft" ? fr(pv - a.k) : fr(pv - fr(pv - a.VReset));
  let num2 = fr(-vr);
  if (a.VRest !== 0) num2 = fr(num2 + a.VRest);
  num2 = fr(num2 + (a.R === 1 ? input : fr(a.R * input)));
  return fr(vr + fr(fr(num2 / a.tau) * a.coef));
}
var lifRunKernel = ([x2, v0], a, [outS]) => {
  const fr = rounder(x2.dtype);
  const N = v0.size, T2 = x2.shape[0];
  const xs = x2.data, spk = allocOutput(outS.dtype, T2 * N), vs = allocOutput(outS.dtype, T2 * N);
  const { VTh, k } = a;
  const last = allocArray(outS.dtype, N);
  for (let j = 0; j < N; j++) last[j] = spikes(fr(v0.data[j] - VTh), k, fr) ? 1 : 0;
  const compiled = lifForward(a, outS.dtype === "float32" ? "float32" : "float64");
  if (compiled) {
    compiled(xs, v0.data, last, spk, vs, T2, N, a);
    return [spk, vs];
  }
  const v = Float64Array.from(v0.data);
  for (let t = 0, o = 0; t < T2; t++) {
    for (let j = 0; j < N; j++, o++) {
      const nv = integrate(a, fr, v[j], last[j] === 1, xs[o]);
      v[j] = nv;
      vs[o] = nv;
      const s2 = spikes(fr(nv - VTh), k, fr) ? 1 : 0;
      last[j] = s2;
      spk[o] = s2;
    }
  }
  return [spk, vs];
};
var gradCarry = workRow();
var gradSlope = workRow();
var lifRunGradKernel = (ins, a, [outDx]) => {
  const v0 = ins[0], vsIn = ins[1];
  let next = 2;
  const dS = a.hasDS ? ins[next++].data : null;
  const dV = a.hasDV ? ins[next++].data : null;
  const N = v0.size, T2 = vsIn.shape[0], vs = vsIn.data;
  const { VTh, VReset, k, tau, coef, R } = a;
  const decay = 1 - coef / tau, gain = coef * R / tau, invK = 1 / k;
  const dx = allocOutput(outDx.dtype, T2 * N), dv0 = allocOutput(outDx.dtype, N);
  const carry = gradCarry(N);
  const slope = gradSlope(N);
  const sweep = lifSweep(a);
  if (sweep) sweep(v0.data, vs, dS, dV, dx, carry, slope, T2, N, VTh, VReset, invK, decay, gain);
  else {
    const sg = a.spkFun.gradScalar;
    const soft = a.reset === "soft", detach = a.detachReset;
    for (let j = 0, b = (T2 - 1) * N; j < N; j++) slope[j] = sg((vs[b + j] - VTh) * invK);
    for (let t = T2 - 1; t >= 0; t--) {
      const o = t * N, prev = t > 0 ? vs : v0.data, pb = t > 0 ? o - N : 0;
      for (let j = 0; j < N; j++) {
        let vbar = carry[j];
        if (dS) vbar += dS[o + j] * slope[j] * invK;
        if (dV) vbar += dV[o + j];
        dx[o + j] = gain * vbar;
        const pv = prev[pb + j];
        const sp = sg((pv - VTh) * invK);
        slope[j] = sp;
        const vrbar = decay * vbar;
        carry[j] = detach ? vrbar : soft ? vrbar * (1 - sp) : vrbar * (1 - (pv - VReset) * sp * invK);
      }
    }
  }
  for (let j = 0; j < N; j++) dv0[j] = carry[j];
  return [dx, dv0];
};
var alifRunKernel = ([x2, v0, a0], a, [outS]) => {
  const fr = rounder(x2.dtype);
  const N = v0.size, T2 = x2.shape[0];
  const xs = x2.data, dt = outS.dtype;
  const spk = allocArray(dt, T2 * N), vs = allocArray(dt, T2 * N), as = allocArray(dt, T2 * N);
  const v = Float64Array.from(v0.data), ad = Float64Array.from(a0.data);
  const { VTh, k, beta, tauA, coefA } = a;
  const threshold = (vv, aa) => spikes(fr(fr(vv - VTh) - fr(beta * aa)), k, fr);
  const last = new Uint8Array(N);
  for (let j = 0; j < N; j++) last[j] = threshold(v[j], ad[j]) ? 1 : 0;
  for (let t = 0, o = 0; t < T2; t++) {
    for (let j = 0; j < N; j++, o++) {
      const spiked = last[j] === 1, pa = ad[j];
      const nv = integrate(a, fr, v[j], spiked, xs[o]);
      const ar = spiked ? fr(pa + 1) : pa;
      const na = fr(ar + fr(fr(fr(-ar) / tauA) * coefA));
      v[j] = nv;
      ad[j] = na;
      vs[o] = nv;
      as[o] = na;
      const s2 = threshold(nv, na) ? 1 : 0;
      last[j] = s2;
      spk[o] = s2;
    }
  }
  return [spk, vs, as];
};
var alifRunGradKernel = (ins, a, [outDx]) => {
  const v0 = ins[0].data, a0 = ins[1].data, vs = ins[2].data, as = ins[3].data;
  let next = 4;
  const dS = a.hasDS ? ins[next++].data : null;
  const dV = a.hasDV ? ins[next++].data : null;
  const dA = a.hasDA ? ins[next++].data : null;
  const N = ins[0].size, T2 = ins[2].shape[0];
  const { VTh, VReset, k, tau, coef, R, beta, tauA, coefA } = a;
  const sg = a.spkFun.gradScalar;
  const soft = a.reset === "soft", detach = a.detachReset;
  const decay = 1 - coef / tau, gain = coef * R / tau, decayA = 1 - coefA / tauA, invK = 1 / k;
  const dt = outDx.dtype;
  const dx = allocArray(dt, T2 * N), dv0 = allocArray(dt, N), da0 = allocArray(dt, N);
  const gV = new Float64Array(N), gA = new Float64Array(N), slope = new Float64Array(N);
  const u = (vv, aa) => (vv - VTh - beta * aa) * invK;
  const base = (T2 - 1) * N;
  for (let j = 0; j < N; j++) slope[j] = sg(u(vs[base + j], as[base + j]));
  for (let t = T2 - 1; t >= 0; t--) {
    const o = t * N, po = (t - 1) * N;
    for (let j = 0; j < N; j++) {
      let vbar = gV[j], abar = gA[j];
      if (dS) {
        const g = dS[o + j] * slope[j] * invK;
        vbar += g;
        abar -= beta * g;
      }
      if (dV) vbar += dV[o + j];
      if (dA) abar += dA[o + j];
      dx[o + j] = gain * vbar;
      const pv = t > 0 ? vs[po + j] : v0[j];
      const pa = t > 0 ? as[po + j] : a0[j];
      const sp = sg(u(pv, pa));
      slope[j] = sp;
      const vrbar = decay * vbar, arbar = decayA * abar;
      if (detach) {
        gV[j] = vrbar;
        gA[j] = arbar;
      } else {
        const sbar = -(soft ? k : pv - VReset) * vrbar + arbar;
        const g = sbar * sp * invK;
        gV[j] = vrbar + g;
        gA[j] = arbar - beta * g;
      }
    }
  }
  dv0.set(gV);
  da0.set(gA);
  return [dx, dv0, da0];
};

// kernels/synapse/cpu.ts
init_dtype();
var identity2 = (v) => v;
var rounder2 = (dtype) => dtype === "float32" ? Math.fround : identity2;
var exponRunKernel = ([x2, g0], { tau, coef }, [out]) => {
  const N = g0.size, T2 = x2.shape[0], xs = x2.data;
  const gs = allocOutput(out.dtype, T2 * N);
  if (xs instanceof Float32Array) {
    exponForward32(xs, g0.data, gs, T2, N, tau, coef);
    return [gs];
  }
  const fr = rounder2(x2.dtype);
  const g = Float64Array.from(g0.data);
  for (let t = 0, o = 0; t < T2; t++) {
    for (let j = 0; j < N; j++, o++) {
      const pg = g[j];
      const ng = fr(fr(pg + fr(fr(fr(-pg) / tau) * coef)) + xs[o]);
      g[j] = ng;
      gs[o] = ng;
    }
  }
  return [gs];
};
function exponForward32(xs, g0, gs, T2, N, tau, coef) {
  cachedKernel("exponForward32", () => `return function exponForward32(xs, g0, gs, T, N, tau, coef) {
    const fr = Math.fround, rTau = 1 / tau, GUARD = ${F32_SUBNORMAL_GUARD};
    for (let t = 0; t < T; t++) {
      const pg = t === 0 ? g0 : gs, po = t === 0 ? 0 : (t - 1) * N, o = t * N;
      ${unrolled((k) => `
        const g = pg[po + j + ${k}];
        let q = -g * rTau; if (Math.abs(q) < GUARD) q = -g / tau;
        gs[o + j + ${k}] = fr(fr(g + fr(fr(q) * coef)) + xs[o + j + ${k}]);`)}
    }
  };`, () => (xs2, g02, gs2, T3, N2, tau2, coef2) => {
    const fr = Math.fround, rTau = 1 / tau2;
    for (let t = 0; t < T3; t++) {
      const pg = t === 0 ? g02 : gs2, po = t === 0 ? 0 : (t - 1) * N2, o = t * N2;
      for (let j = 0; j < N2; j++) {
        const g = pg[po + j];
        gs2[o + j] = fr(fr(g + fr(fr(f32Div(-g, rTau, tau2)) * coef2)) + xs2[o + j]);
      }
    }
  })(xs, g0, gs, T2, N, tau, coef);
}
var leakyRunKernel = ([x2, r0], { decay }, [out]) => {
  const fr = rounder2(x2.dtype);
  const N = r0.size, T2 = x2.shape[0], xs = x2.data;
  const rs = allocArray(out.dtype, T2 * N);
  const r = Float64Array.from(r0.data);
  for (let t = 0, o = 0; t < T2; t++) {
    for (let j = 0; j < N; j++, o++) {
      const nr = fr(fr(decay * r[j]) + xs[o]);
      r[j] = nr;
      rs[o] = nr;
    }
  }
  return [rs];
};
var decayCarry = workRow();
var decayRunGradKernel = ([dG], { decay }, [outDx]) => {
  const T2 = dG.shape[0], N = dG.size / T2, d = dG.data;
  const dx = allocOutput(outDx.dtype, T2 * N), dg0 = allocOutput(outDx.dtype, N);
  const carry = decayCarry(N);
  decaySweep()(d, dx, carry, T2, N, decay);
  for (let j = 0; j < N; j++) dg0[j] = carry[j];
  return [dx, dg0];
};
function decaySweep() {
  return cachedKernel("decaySweep", () => `return function decaySweep(d, dx, carry, T, N, decay) {
    for (let t = T - 1; t >= 0; t--) {
      const o = t * N;
      ${unrolled((k) => `
        const gb = d[o + j + ${k}] + carry[j + ${k}];
        dx[o + j + ${k}] = gb;
        carry[j + ${k}] = decay * gb;`)}
    }
  };`, () => (d, dx, carry, T2, N, decay) => {
    for (let t = T2 - 1; t >= 0; t--) {
      const o = t * N;
      for (let j = 0; j < N; j++) {
        const gb = d[o + j] + carry[j];
        dx[o + j] = gb;
        carry[j] = decay * gb;
      }
    }
  });
}
var dualExponRunKernel = ([x2, r0, d0], a, [out, outR]) => {
  const fr = rounder2(x2.dtype);
  const N = r0.size, T2 = x2.shape[0], xs = x2.data;
  const { tauRise, coefRise, tauDecay, coefDecay, amp } = a;
  const ys = allocArray(out.dtype, T2 * N);
  const gr = Float64Array.from(r0.data), gd = Float64Array.from(d0.data);
  for (let t = 0, o = 0; t < T2; t++) {
    for (let j = 0; j < N; j++, o++) {
      const pr = gr[j], pd = gd[j], xi = xs[o];
      const nr = fr(fr(pr + fr(fr(fr(-pr) / tauRise) * coefRise)) + xi);
      const nd = fr(fr(pd + fr(fr(fr(-pd) / tauDecay) * coefDecay)) + xi);
      gr[j] = nr;
      gd[j] = nd;
      ys[o] = fr(amp * fr(nd - nr));
    }
  }
  const rT = allocArray(outR.dtype, N), dT = allocArray(outR.dtype, N);
  rT.set(gr);
  dT.set(gd);
  return [ys, rT, dT];
};
var dualExponRunGradKernel = (ins, a, [outDx]) => {
  const dOut = ins[0];
  let next = 1;
  const dRise = a.hasDRise ? ins[next++].data : null;
  const dDecay = a.hasDDecay ? ins[next++].data : null;
  const T2 = dOut.shape[0], N = dOut.size / T2, dy = dOut.data;
  const dr = 1 - a.coefRise / a.tauRise, dd = 1 - a.coefDecay / a.tauDecay, amp = a.amp;
  const dt = outDx.dtype;
  const dx = allocArray(dt, T2 * N), dr0 = allocArray(dt, N), dd0 = allocArray(dt, N);
  const cr = dRise ? Float64Array.from(dRise) : new Float64Array(N);
  const cd = dDecay ? Float64Array.from(dDecay) : new Float64Array(N);
  for (let t = T2 - 1; t >= 0; t--) {
    const o = t * N;
    for (let j = 0; j < N; j++) {
      const g = amp * dy[o + j];
      const br = cr[j] - g, bd = cd[j] + g;
      dx[o + j] = br + bd;
      cr[j] = dr * br;
      cd[j] = dd * bd;
    }
  }
  dr0.set(cr);
  dd0.set(cd);
  return [dx, dr0, dd0];
};

// kernels/optim/cpu.ts
var adamUpdateKernel = ([p, mu, nu], [g], a) => {
  const pd = p.data, md = mu.data, vd = nu.data, gd = g.data;
  const c1 = 1 - Math.pow(a.beta1, a.step), c2 = 1 - Math.pow(a.beta2, a.step);
  for (let i = 0; i < pd.length; i++) {
    const gi = a.decoupled ? gd[i] : gd[i] + a.weightDecay * pd[i];
    const m = (1 - a.beta1) * gi + a.beta1 * md[i];
    const v = (1 - a.beta2) * gi * gi + a.beta2 * vd[i];
    md[i] = m;
    vd[i] = v;
    let u = m / c1 / (Math.sqrt(v / c2) + a.eps);
    if (a.decoupled) u += a.weightDecay * pd[i];
    pd[i] = pd[i] - a.lr * u;
  }
};
var sgdUpdateKernel = ([p, trace], [g], a) => {
  const pd = p.data, gd = g.data, td = trace?.data;
  for (let i = 0; i < pd.length; i++) {
    const gi = gd[i] + a.weightDecay * pd[i];
    let u = gi;
    if (td && a.momentum !== 0) {
      const t = gi + a.momentum * td[i];
      td[i] = t;
      u = a.nesterov ? gi + a.momentum * t : t;
    }
    pd[i] = pd[i] - a.lr * u;
  }
};

// kernels/reduce/cpu.ts
init_dtype();
init_shape();
function outStrides(x2, axes) {
  const kept = x2.shape.map((d, i) => axes.includes(i) ? 1 : d);
  const st = stridesOf(kept);
  return st.map((s2, i) => axes.includes(i) ? 0 : s2);
}
function reduceInto(x2, axes, acc, step) {
  const shape = x2.shape, r = shape.length, d = x2.data;
  if (d.length === 0) return;
  if (r === 0) {
    step(acc, 0, d[0]);
    return;
  }
  const trailing = axes.length > 0 && axes.every((a, i) => a === r - axes.length + i);
  if (trailing) {
    const group = axes.reduce((p, a) => p * shape[a], 1);
    for (let o2 = 0, i = 0; o2 < acc.length; o2++) for (let j = 0; j < group; j++, i++) step(acc, o2, d[i]);
    return;
  }
  const os = outStrides(x2, axes);
  const idx = new Array(r).fill(0);
  let o = 0;
  for (let i = 0; i < d.length; i++) {
    step(acc, o, d[i]);
    for (let k = r - 1; k >= 0; k--) {
      idx[k]++;
      o += os[k];
      if (idx[k] < shape[k]) break;
      o -= os[k] * shape[k];
      idx[k] = 0;
    }
  }
}
function outSize(x2, axes) {
  return x2.shape.reduce((p, d, i) => axes.includes(i) ? p : p * d, 1);
}
function sumLeading(x2, axes, acc) {
  const shape = x2.shape;
  let k = 0, outer = 1;
  while (k < shape.length && (axes.includes(k) || shape[k] === 1)) outer *= shape[k++];
  for (let i = k; i < shape.length; i++) if (axes.includes(i) && shape[i] !== 1) return false;
  const inner = acc.length, d = x2.data, n = d.length;
  if (outer * inner !== n) return false;
  if (4 % inner === 0 && n % 4 === 0) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let i = 0; i < n; i += 4) {
      s0 += d[i];
      s1 += d[i + 1];
      s2 += d[i + 2];
      s3 += d[i + 3];
    }
    const s4 = [s0, s1, s2, s3];
    for (let q = 0; q < 4; q++) acc[q % inner] += s4[q];
    return true;
  }
  for (let i = 0; i < n; i += inner) {
    let j = 0;
    for (; j + 4 <= inner; j += 4) {
      acc[j] += d[i + j];
      acc[j + 1] += d[i + j + 1];
      acc[j + 2] += d[i + j + 2];
      acc[j + 3] += d[i + j + 3];
    }
    for (; j < inner; j++) acc[j] += d[i + j];
  }
  return true;
}
var sumKernel = ([x2], { axes }, [out]) => {
  const acc = new Float64Array(outSize(x2, axes));
  if (!sumLeading(x2, axes, acc)) reduceInto(x2, axes, acc, (a, o, v) => {
    a[o] += v;
  });
  const res = allocArray(out.dtype, acc.length);
  res.set(acc);
  return [res];
};
function extremeKernel(sign3) {
  return ([x2], { axes }, [out]) => {
    const acc = new Float64Array(outSize(x2, axes)).fill(-Infinity * sign3);
    if (sign3 === 1) reduceInto(x2, axes, acc, (a, o, v) => {
      if (v > a[o] || v !== v) a[o] = v;
    });
    else reduceInto(x2, axes, acc, (a, o, v) => {
      if (v < a[o] || v !== v) a[o] = v;
    });
    const res = allocArray(out.dtype, acc.length);
    res.set(acc);
    return [res];
  };
}
var maxKernel = extremeKernel(1);
var minKernel = extremeKernel(-1);
var argmaxKernel = ([x2], { axis }, [out]) => {
  const shape = x2.shape, d = x2.data;
  const n = shape[axis];
  const inner = shape.slice(axis + 1).reduce((p, v) => p * v, 1);
  const outer = shape.slice(0, axis).reduce((p, v) => p * v, 1);
  const res = allocArray(out.dtype, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = -Infinity, bi2 = 0;
      for (let k = 0; k < n; k++) {
        const v = d[(o * n + k) * inner + i];
        if (v > best) {
          best = v;
          bi2 = k;
        }
      }
      res[o * inner + i] = bi2;
    }
  }
  return [res];
};

// kernels/spike/cpu.ts
init_dtype();
init_compileJs();
var cache2 = /* @__PURE__ */ new Map();
var CACHE_LIMIT = 256;
function loopsOf(s2) {
  let l = cache2.get(s2.key);
  if (!l) {
    if (cache2.size >= CACHE_LIMIT) cache2.delete(cache2.keys().next().value);
    l = {};
    cache2.set(s2.key, l);
  }
  return l;
}
var spikeKernel = ([x2], _a, [out]) => {
  const res = allocArray(out.dtype, x2.size);
  const d = x2.data;
  for (let i = 0; i < d.length; i++) res[i] = d[i] >= 0 ? 1 : 0;
  return [res];
};
var spikeGradKernel = ([x2, dy], { surrogate }, [out]) => {
  const l = loopsOf(surrogate);
  l.vjp ??= compileScaledLoop(surrogate.gradExpr);
  const res = allocArray(out.dtype, x2.size);
  l.vjp(x2.data, dy.data, res);
  return [res];
};
var surrogateGradKernel = ([x2], { surrogate }, [out]) => {
  const l = loopsOf(surrogate);
  l.grad ??= compileLoop(surrogate.gradExpr);
  const res = allocArray(out.dtype, x2.size);
  l.grad(x2.data, res);
  return [res];
};
var surrogateFunKernel = ([x2], { surrogate }, [out]) => {
  const l = loopsOf(surrogate);
  l.fun ??= compileLoop(surrogate.funExpr, { saturate: true });
  const res = allocArray(out.dtype, x2.size);
  l.fun(x2.data, res);
  return [res];
};

// kernels/cpu/registry.ts
var elementwise = {
  ...Object.fromEntries(UNARY_OPS.map((op2) => [op2, unaryKernel(op2)])),
  ...Object.fromEntries(BINARY_OPS.map((op2) => [op2, binaryKernel(op2)]))
};
var CPU_KERNELS = {
  ...elementwise,
  powScalar: powScalarKernel,
  cast: castKernel,
  where: whereKernel,
  fill: fillKernel,
  sum: sumKernel,
  max: maxKernel,
  min: minKernel,
  argmax: argmaxKernel,
  permute: permuteKernel,
  broadcastTo: broadcastToKernel,
  slice: sliceKernel,
  pad: padKernel,
  concat: concatKernel,
  gather: gatherKernel,
  oneHot: oneHotKernel,
  matmul: matmulKernel,
  linear: linearKernel,
  softmaxCrossEntropy: softmaxCrossEntropyKernel,
  softmaxCrossEntropyGrad: softmaxCrossEntropyGradKernel,
  spike: spikeKernel,
  spikeGrad: spikeGradKernel,
  surrogateGrad: surrogateGradKernel,
  surrogateFun: surrogateFunKernel,
  lifRun: lifRunKernel,
  lifRunGrad: lifRunGradKernel,
  alifRun: alifRunKernel,
  alifRunGrad: alifRunGradKernel,
  exponRun: exponRunKernel,
  leakyRun: leakyRunKernel,
  decayRunGrad: decayRunGradKernel,
  dualExponRun: dualExponRunKernel,
  dualExponRunGrad: dualExponRunGradKernel
};
var CPU_UPDATES = {
  adam: adamUpdateKernel,
  sgd: sgdUpdateKernel
};

// kernels/cpu/backend.ts
var CpuBackend = class {
  name = "cpu";
  description = `CPU (JavaScript typed arrays, ${typeof navigator !== "undefined" && navigator.hardwareConcurrency ? `${navigator.hardwareConcurrency} logical cores available, 1 used` : "single-threaded"})`;
  supportsFloat64 = true;
  counters = { ops: 0, dispatches: 0, submits: 0, readbacks: 0 };
  #bytesInUse = 0;
  #peak = 0;
  #live = 0;
  /** Released large arrays, handed back out by `allocArray` (arrayPool.ts). */
  #pool = new ArrayPool();
  constructor() {
    setArraySource((dtype, n, zero) => this.#pool.take(dtype, n, zero));
  }
  #wrap(data) {
    this.#bytesInUse += data.byteLength;
    this.#live++;
    if (this.#bytesInUse > this.#peak) this.#peak = this.#bytesInUse;
    return { data, refs: 1 };
  }
  #storage(id) {
    return id;
  }
  #input(t) {
    const s2 = this.#storage(t.dataId);
    if (s2.refs <= 0) throw new SpikegradError("cpu backend: a tensor's storage was used after it was freed");
    return { data: s2.data, shape: t.shape, dtype: t.dtype, size: t.size };
  }
  upload(values, _dtype) {
    return this.#wrap(values.slice());
  }
  async read(id, dtype, size) {
    return this.readSync(id, dtype, size);
  }
  readSync(id, _dtype, _size) {
    this.counters.readbacks++;
    return this.#storage(id).data.slice();
  }
  incRef(id) {
    this.#storage(id).refs++;
  }
  release(id) {
    const s2 = this.#storage(id);
    if (s2.refs <= 0) return;
    if (--s2.refs === 0) {
      this.#bytesInUse -= s2.data.byteLength;
      this.#live--;
      this.#pool.put(dtypeOfArray(s2.data), s2.data);
    }
  }
  run(op2, inputs, attrs, outs) {
    const kernel = CPU_KERNELS[op2];
    if (!kernel) throw new SpikegradError(`cpu backend: no kernel for op '${op2}'`);
    const results = kernel(inputs.map((t) => this.#input(t)), attrs, outs);
    return results.map((d) => this.#wrap(d));
  }
  update(kernel, targets, inputs, attrs) {
    const tgt = targets.map((t) => this.#input(t));
    CPU_UPDATES[kernel](tgt, inputs.map((t) => this.#input(t)), attrs);
    for (const t of tgt) forgetSparseView(t.data);
  }
  memory() {
    return { bytesInUse: this.#bytesInUse, liveBuffers: this.#live, bytesAllocated: this.#bytesInUse + this.#pool.bytes, peakBytesInUse: this.#peak };
  }
  resetPeak() {
    this.#peak = this.#bytesInUse;
  }
  async sync() {
  }
  async shutdown() {
    this.#pool.clear();
  }
};

// kernels/webgpu/backend.ts
init_dtype();
init_errors();
init_shape();

// kernels/webgpu/bufferPool.ts
var Usage = {
  MAP_READ: 1,
  COPY_SRC: 4,
  COPY_DST: 8,
  UNIFORM: 64,
  STORAGE: 128
};
var STORAGE_USAGE = Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST;
var STAGING_USAGE = Usage.MAP_READ | Usage.COPY_DST;
var UNIFORM_USAGE = Usage.UNIFORM | Usage.COPY_DST;
var MIN_CLASS = 256;
function sizeClass(bytes) {
  if (bytes <= MIN_CLASS) return MIN_CLASS;
  const octave = 2 ** Math.floor(Math.log2(bytes));
  const step = octave / 8;
  return Math.ceil(bytes / step) * step;
}
var BufferPool = class {
  #device;
  #free = /* @__PURE__ */ new Map();
  #nextId = 1;
  #allocatedBytes = 0;
  #freeBytes = 0;
  #count = 0;
  /** Called with each buffer the pool destroys (the backend drops cached bind groups that use it). */
  onDestroy = () => {
  };
  constructor(device) {
    this.#device = device;
  }
  /** A buffer of at least `bytes` with exactly `usage`, reused when one is free. */
  acquire(bytes, usage) {
    const size = sizeClass(bytes);
    const list = this.#free.get(`${size}:${usage}`);
    const hit = list?.pop();
    if (hit) {
      this.#freeBytes -= hit.size;
      return hit;
    }
    const buffer = this.#device.createBuffer({ size, usage });
    this.#allocatedBytes += size;
    this.#count++;
    return { buffer, size, usage, id: this.#nextId++ };
  }
  /** Returns `b` to its free list. The caller guarantees no pending GPU command still needs its contents. */
  release(b) {
    const k = `${b.size}:${b.usage}`;
    let list = this.#free.get(k);
    if (!list) this.#free.set(k, list = []);
    list.push(b);
    this.#freeBytes += b.size;
  }
  /** Destroys free buffers, largest first, until at most `maxFreeBytes` stay pooled. */
  trim(maxFreeBytes) {
    if (this.#freeBytes <= maxFreeBytes) return;
    const keys = [...this.#free.keys()].sort((a, b) => Number(b.split(":")[0]) - Number(a.split(":")[0]));
    for (const k of keys) {
      const list = this.#free.get(k);
      while (list.length && this.#freeBytes > maxFreeBytes) this.#destroy(list.pop());
      if (!list.length) this.#free.delete(k);
      if (this.#freeBytes <= maxFreeBytes) return;
    }
  }
  #destroy(b) {
    this.#freeBytes -= b.size;
    this.#allocatedBytes -= b.size;
    this.#count--;
    this.onDestroy(b);
    b.buffer.destroy();
  }
  /** Destroys every pooled (free) buffer. */
  clear() {
    this.trim(0);
  }
  /** Bytes of every buffer this pool created and has not destroyed (in use or free). */
  get allocatedBytes() {
    return this.#allocatedBytes;
  }
  get freeBytes() {
    return this.#freeBytes;
  }
  /** Buffers this pool created and has not destroyed. */
  get bufferCount() {
    return this.#count;
  }
};

// kernels/webgpu/commandBatch.ts
var SUBMIT_EVERY = 32;
var ARENA_BYTES = 64 * 1024;
var CommandBatch = class {
  #device;
  #pool;
  #counters;
  #align;
  arena;
  #arenaData = new ArrayBuffer(ARENA_BYTES);
  /** Where dispatches write their uniforms (at the offset `reserve` returned). */
  params = new DataView(this.#arenaData);
  #arenaUsed = 0;
  #encoder = null;
  #pass = null;
  #count = 0;
  #deferred = [];
  /** The pass's current pipeline: consecutive dispatches of one kernel skip the native setPipeline call. */
  #pipeline = null;
  #offsets = [0];
  /** Dispatches per submit (SUBMIT_EVERY unless a benchmark sweeps it). */
  submitEvery;
  /** Called after each submit (the backend trims its pool). */
  afterSubmit = () => {
  };
  constructor(device, pool, counters, submitEvery = SUBMIT_EVERY) {
    this.#device = device;
    this.#pool = pool;
    this.#counters = counters;
    this.submitEvery = submitEvery;
    this.#align = device.limits.minUniformBufferOffsetAlignment;
    this.arena = device.createBuffer({ size: ARENA_BYTES, usage: UNIFORM_USAGE });
  }
  /** True while encoded commands wait for a submit. */
  get open() {
    return this.#encoder !== null;
  }
  /** Reserves `bytes` of uniforms for the next dispatch; returns their offset in `params` and the arena. */
  reserve(bytes) {
    if (this.#arenaUsed + bytes > ARENA_BYTES) this.flush();
    const offset = this.#arenaUsed;
    this.#arenaUsed = Math.ceil((offset + bytes) / this.#align) * this.#align;
    return offset;
  }
  dispatch(pipeline, bindGroup, paramOffset, x2, y) {
    if (!this.#pass) {
      this.#encoder = this.#device.createCommandEncoder();
      this.#pass = this.#encoder.beginComputePass();
    }
    if (pipeline !== this.#pipeline) {
      this.#pass.setPipeline(pipeline);
      this.#pipeline = pipeline;
    }
    this.#offsets[0] = paramOffset;
    this.#pass.setBindGroup(0, bindGroup, this.#offsets);
    this.#pass.dispatchWorkgroups(x2, y);
    this.#counters.dispatches++;
    if (++this.#count >= this.submitEvery) this.flush();
  }
  /** Returns `b` to the pool now, or after the open batch is submitted if one is open. */
  release(b) {
    if (this.#encoder) this.#deferred.push(b);
    else this.#pool.release(b);
  }
  /**
   * Submits the open batch (if any) and returns the buffers it was the last user of to the pool. `then`
   * appends copies (a readback) to the same command buffer, after the compute pass: one submit, not two.
   */
  flush(then) {
    if (!this.#encoder && !then) {
      this.#arenaUsed = 0;
      return;
    }
    const encoder = this.#encoder ?? this.#device.createCommandEncoder();
    this.#pass?.end();
    then?.(encoder);
    if (this.#arenaUsed > 0) this.#device.queue.writeBuffer(this.arena, 0, this.#arenaData, 0, this.#arenaUsed);
    this.#device.queue.submit([encoder.finish()]);
    this.#counters.submits++;
    this.#encoder = null;
    this.#pass = null;
    this.#pipeline = null;
    this.#count = 0;
    this.#arenaUsed = 0;
    for (const b of this.#deferred) this.#pool.release(b);
    this.#deferred = [];
    this.afterSubmit();
  }
};

// kernels/webgpu/device.ts
var KEY_LIMITS = [
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupsPerDimension",
  "maxStorageBuffersPerShaderStage",
  "minUniformBufferOffsetAlignment"
];
var REQUESTED_LIMITS = ["maxStorageBufferBindingSize", "maxBufferSize", "maxComputeWorkgroupStorageSize", "maxStorageBuffersPerShaderStage"];
var OPTIONAL_FEATURES = ["subgroups"];
var NO_ADAPTER = "no WebGPU adapter found (no usable GPU driver; without a GPU, Linux gets one from Mesa lavapipe: mesa-vulkan-drivers >= 24, see README)";
var SOFTWARE = /llvmpipe|lavapipe|swiftshader|warp|basic render|software/i;
var IS_NODE = typeof process !== "undefined" && !!process.versions?.node;
var ADAPTER_OPTIONS = IS_NODE ? { powerPreference: "high-performance" } : {};
var gpuPromise = null;
async function loadGpu() {
  const nav = globalThis.navigator;
  if (nav?.gpu) return { gpu: nav.gpu };
  if (!IS_NODE) return { unavailable: "this browser has no navigator.gpu (WebGPU is disabled or unsupported)" };
  try {
    const specifier = "webgpu";
    const mod = await import(
      /* @vite-ignore */
      specifier
    );
    return { gpu: mod.create((process.env.SPIKEGRAD_DAWN_FLAGS ?? "").split(" ").filter(Boolean)) };
  } catch (e) {
    return { unavailable: `the 'webgpu' package (Dawn for Node) could not be loaded: ${e instanceof Error ? e.message : String(e)}` };
  }
}
function getGpu() {
  return gpuPromise ??= loadGpu();
}
var adapterPromise = null;
function getAdapter() {
  return adapterPromise ??= (async () => {
    const g = await getGpu();
    if ("unavailable" in g) return g;
    let adapter = null;
    try {
      adapter = await g.gpu.requestAdapter(ADAPTER_OPTIONS);
    } catch (e) {
      return { unavailable: `requestAdapter failed: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (!adapter) return { unavailable: NO_ADAPTER };
    return { adapter };
  })();
}
function describeAdapter(adapter) {
  const info = adapter.info;
  const legacyFallback = adapter.isFallbackAdapter;
  const fallback = Boolean(info.isFallbackAdapter ?? legacyFallback ?? false);
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  const limits = {};
  for (const k of KEY_LIMITS) limits[k] = Number(adapter.limits[k]);
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    fallback,
    software: fallback || info.architecture === "software" || SOFTWARE.test(text),
    backendType: info.backendType ?? null,
    limits,
    features: [...adapter.features].sort(),
    subgroupMinSize: info.subgroupMinSize ?? 0,
    subgroupMaxSize: info.subgroupMaxSize ?? 0
  };
}
function adapterName(d) {
  return d.description || [d.vendor, d.architecture, d.device].filter(Boolean).join(" ") || "unnamed adapter";
}
async function probeWebGpu() {
  const a = await getAdapter();
  if ("unavailable" in a) return a;
  const d = describeAdapter(a.adapter);
  return { hardware: !d.software, description: `${adapterName(d)}${d.software ? " (software)" : ""}` };
}
async function openDevice() {
  const g = await getGpu();
  if ("unavailable" in g) return g;
  const adapter = await g.gpu.requestAdapter(ADAPTER_OPTIONS).catch(() => null);
  if (!adapter) return { unavailable: NO_ADAPTER };
  const requiredLimits = {};
  const lim = adapter.limits;
  for (const k of REQUESTED_LIMITS) if (typeof lim[k] === "number") requiredLimits[k] = lim[k];
  try {
    const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
    return { device, adapter: describeAdapter(adapter) };
  } catch (e) {
    return { unavailable: `requestDevice failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

// kernels/webgpu/pipelines.ts
var COMPUTE = 4;
var MAX_BIND_GROUPS = 8192;
var PipelineCache = class {
  #device;
  #arena;
  #onError;
  #layouts = /* @__PURE__ */ new Map();
  #entries = /* @__PURE__ */ new Map();
  #bindGroups = /* @__PURE__ */ new Map();
  /** Compilation checks still in flight (awaited before reporting errors, so the root cause comes first). */
  #checks = [];
  constructor(device, arena, onError) {
    this.#device = device;
    this.#arena = arena;
    this.#onError = onError;
  }
  /** Layout: binding 0 the params uniform (dynamic offset), then read-only inputs, then read_write outputs. */
  #layout(nIn, nOut) {
    const k = `${nIn}:${nOut}`;
    let l = this.#layouts.get(k);
    if (!l) {
      const entries = [{ binding: 0, visibility: COMPUTE, buffer: { type: "uniform", hasDynamicOffset: true } }];
      for (let i = 0; i < nIn; i++) entries.push({ binding: 1 + i, visibility: COMPUTE, buffer: { type: "read-only-storage" } });
      for (let i = 0; i < nOut; i++) entries.push({ binding: 1 + nIn + i, visibility: COMPUTE, buffer: { type: "storage" } });
      const group = this.#device.createBindGroupLayout({ entries });
      l = { group, pipeline: this.#device.createPipelineLayout({ bindGroupLayouts: [group] }) };
      this.#layouts.set(k, l);
    }
    return l;
  }
  #entry(p) {
    let e = this.#entries.get(p.key);
    if (e) return e;
    const l = this.#layout(p.inputNames.length, p.outputNames.length);
    this.#device.pushErrorScope("validation");
    const module = this.#device.createShaderModule({ code: p.code, label: p.key });
    const pipeline = this.#device.createComputePipeline({ layout: l.pipeline, compute: { module, entryPoint: "main" }, label: p.key });
    this.#checks.push(this.#device.popErrorScope().then((err) => {
      if (err) this.#onError(`webgpu: kernel '${p.key}' failed to compile: ${err.message}
--- generated WGSL ---
${p.code}`);
    }, () => {
    }));
    e = { id: this.#entries.size + 1, pipeline, layout: l.group, paramBytes: p.paramBytes };
    this.#entries.set(p.key, e);
    return e;
  }
  get(p, buffers) {
    const e = this.#entry(p);
    let key = `${e.id}`;
    for (const b of buffers) key += `,${b.id}`;
    let bindGroup = this.#bindGroups.get(key);
    if (!bindGroup) {
      if (this.#bindGroups.size >= MAX_BIND_GROUPS) this.#bindGroups.clear();
      const entries = [{ binding: 0, resource: { buffer: this.#arena, offset: 0, size: e.paramBytes } }];
      buffers.forEach((b, i) => entries.push({ binding: 1 + i, resource: { buffer: b.buffer } }));
      bindGroup = this.#device.createBindGroup({ layout: e.layout, entries });
      this.#bindGroups.set(key, bindGroup);
    }
    return { pipeline: e.pipeline, bindGroup };
  }
  /** Resolves once every compilation so far has been checked (errors went to onError). */
  async settled() {
    const checks = this.#checks;
    this.#checks = [];
    await Promise.all(checks);
  }
  /** Drops every cached bind group (a pooled buffer was destroyed, or the device is going away). */
  forgetBindGroups() {
    this.#bindGroups.clear();
  }
  /** Compiled pipelines. */
  get size() {
    return this.#entries.size;
  }
};

// kernels/webgpu/program.ts
init_errors();

// kernels/webgpu/prelude.wgsl
var prelude_default = "// Included in every program after the bindings (kernels/webgpu/program.ts).\n\n// The flat workgroup index of a dispatch split over x and y (counts above 65535 per dimension).\nfn workgroupIndex(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {\n  return wid.x + wid.y * nwg.x;\n}\n\n// Entry d of a 'dims' param (a shape or strides, up to 8 entries).\nfn dim(v: array<vec4<u32>, 2>, d: u32) -> u32 {\n  return v[d >> 2u][d & 3u];\n}\n\n// NaN and infinities: WGSL rejects them in constant expressions, so they are built at run time from bits\n// (a `var` is never constant-folded by the front end).\nfn f32FromBits(bits: u32) -> f32 {\n  var b = bits;\n  return bitcast<f32>(b);\n}\nfn nanf() -> f32 { return f32FromBits(0x7fc00000u); }\nfn inff() -> f32 { return f32FromBits(0x7f800000u); }\n";

// kernels/webgpu/program.ts
var MAX_RANK = 8;
function roundUp(x2, m) {
  return Math.ceil(x2 / m) * m;
}
function layout(params) {
  let off = 0;
  const fields = Object.entries(params).map(([name, type]) => {
    const [align, size] = type === "dims" ? [16, 32] : [4, 4];
    off = roundUp(off, align);
    const f = { name, type, offset: off };
    off += size;
    return f;
  });
  return { fields, bytes: Math.max(16, roundUp(off, 16)) };
}
var IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
function wgslType(t) {
  return t === "dims" ? "array<vec4<u32>, 2>" : t;
}
function program(spec) {
  const wg = spec.workgroupSize ?? 64;
  const names = [...Object.keys(spec.params), ...Object.keys(spec.inputs), ...Object.keys(spec.outputs)];
  for (const n of names) {
    if (!IDENT.test(n) || n === "params") throw new SpikegradError(`program '${spec.key}': '${n}' is not a usable WGSL name`);
  }
  if (new Set(names).size !== names.length) throw new SpikegradError(`program '${spec.key}': a name is declared twice`);
  if (spec.element === void 0 === (spec.main === void 0)) {
    throw new SpikegradError(`program '${spec.key}': give exactly one of 'element' and 'main'`);
  }
  if (spec.element !== void 0 && Object.entries(spec.params)[0]?.join(":") !== "n:u32") {
    throw new SpikegradError(`program '${spec.key}': an 'element' program's first param must be n: 'u32'`);
  }
  const { fields, bytes } = layout(Object.keys(spec.params).length ? spec.params : { _unused: "u32" });
  const inputNames = Object.keys(spec.inputs), outputNames = Object.keys(spec.outputs);
  const lines = [
    ...(spec.enable ?? []).map((e) => `enable ${e};`),
    `const WG: u32 = ${wg}u;`,
    `struct Params {
${fields.map((f) => `  ${f.name}: ${wgslType(f.type)},`).join("\n")}
}`,
    "@group(0) @binding(0) var<uniform> params: Params;",
    ...inputNames.map((n, i) => `@group(0) @binding(${1 + i}) var<storage, read> ${n}: array<${spec.inputs[n]}>;`),
    ...outputNames.map((n, i) => `@group(0) @binding(${1 + inputNames.length + i}) var<storage, read_write> ${n}: array<${spec.outputs[n]}>;`),
    prelude_default,
    spec.helpers ?? ""
  ];
  if (spec.element !== void 0) {
    lines.push(
      `fn element(i: u32) {
${spec.element}
}`,
      "@compute @workgroup_size(WG)",
      "fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {",
      "  let i = workgroupIndex(wid, nwg) * WG + lid;",
      "  if (i < params.n) { element(i); }",
      "}"
    );
  } else {
    lines.push(spec.main);
  }
  return { spec, key: `${spec.key}@${wg}`, code: lines.join("\n"), workgroupSize: wg, fields, paramBytes: bytes, inputNames, outputNames };
}
var programs = /* @__PURE__ */ new Map();
function cachedProgram(key, build2) {
  let p = programs.get(key);
  if (!p) {
    p = program({ ...build2(), key });
    programs.set(key, p);
  }
  return p;
}
function packParams(p, values, view, base) {
  for (const f of p.fields) {
    const v = values[f.name];
    const at = base + f.offset;
    if (f.type === "dims") {
      if (!Array.isArray(v) || v.length > MAX_RANK) {
        throw new SpikegradError(`program '${p.spec.key}': param '${f.name}' expected up to ${MAX_RANK} dims, got ${JSON.stringify(v)}`);
      }
      for (let d = 0; d < MAX_RANK; d++) view.setUint32(at + 4 * d, v[d] ?? 0, true);
    } else if (f.name === "_unused") {
      view.setUint32(at, 0, true);
    } else {
      if (typeof v !== "number") throw new SpikegradError(`program '${p.spec.key}': param '${f.name}' expected a number, got ${JSON.stringify(v)}`);
      if (f.type === "f32") view.setFloat32(at, v, true);
      else if (f.type === "i32") view.setInt32(at, v, true);
      else view.setUint32(at, v, true);
    }
  }
}
function splitWorkgroups(count, maxPerDim) {
  if (count <= maxPerDim) return [count, 1];
  const y = Math.ceil(count / maxPerDim);
  if (y > maxPerDim) throw new SpikegradError(`webgpu: ${count} workgroups exceed ${maxPerDim}\xB2 in one dispatch`);
  return [Math.ceil(count / y), y];
}
function dimAt(expr, d) {
  return `${expr}[${d >> 2}][${d & 3}]`;
}

// kernels/webgpu/quietWait.ts
var SPIN_MS = 0.5;
var TICK_MS = 1;
var active = 0;
var original = null;
var since = 0;
var nativeSource = /\{\s*\[native code\]\s*\}\s*$/;
function isDawnTick(fn) {
  return typeof fn === "function" && fn.length === 0 && nativeSource.test(Function.prototype.toString.call(fn));
}
function install() {
  original = globalThis.setImmediate;
  since = performance.now();
  const real = original;
  const throttled = ((fn, ...args) => isDawnTick(fn) && performance.now() - since >= SPIN_MS ? setTimeout(fn, TICK_MS, ...args) : real(fn, ...args));
  globalThis.setImmediate = throttled;
}
function uninstall() {
  if (original) globalThis.setImmediate = original;
  original = null;
}
async function quietly(wait) {
  if (typeof globalThis.setImmediate !== "function") return wait();
  if (active++ === 0) install();
  else since = performance.now();
  try {
    return await wait();
  } finally {
    if (--active === 0) uninstall();
  }
}

// kernels/webgpu/registry.ts
init_ops();

// kernels/elementwise/webgpu.ts
init_shape();

// kernels/webgpu/types.ts
init_errors();
function storageType(dtype) {
  switch (dtype) {
    case "float32":
      return "f32";
    case "int32":
      return "i32";
    case "bool":
      return "u32";
    case "float64":
      throw new SpikegradError("webgpu: float64 is not supported on the WebGPU backend; use float32 or the CPU backend");
  }
}

// kernels/elementwise/template.ts
init_errors();
init_shape();

// kernels/elementwise/math.wgsl
var math_default = "// f32 helpers of the elementwise template. WGSL's built-ins leave NaN, infinities and small arguments loosely\n// specified (no expm1/log1p; tanh may be computed as a ratio of exponentials that overflows), so the ops whose\n// accuracy matters to spikegrad are written out here. Twins: kernels/elementwise/cpu.ts (UNARY_CPU).\n\nfn isnanf(x: f32) -> bool {\n  // A bit test, not x != x: that comparison may be folded away by compilers that assume no NaNs.\n  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;\n}\n\n// e^x to about 1 ulp for every x. Built-in exp may err by 3 + 2|x| ulp (Vulkan's bound; 14 ulp was seen at\n// x = 88 on lavapipe): x = n ln2 + r with ln2 split in two (Cody-Waite, n\xB7LN2_HI exact), |r| <= ln2/2, and\n// the Taylor series of e^r to r^8 (error < 1e-9), scaled by 2^n. Results below 2^-126 may flush to zero,\n// as WGSL permits.\nfn exp_(x: f32) -> f32 {\n  if (isnanf(x)) { return x; }\n  if (x > 88.73) { return inff(); }\n  if (x < -104.0) { return 0.0; }\n  let n = round(x * 1.44269504);\n  let r = (x - n * 0.693145752) - n * 1.42860677e-6;\n  let p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0\n    + r * (1.0 / 5040.0 + r * (1.0 / 40320.0))))))));\n  // Two steps so that neither scale factor overflows on its own (n reaches 128 near the top of the range).\n  let h = i32(n) / 2;\n  return ldexp(ldexp(p, h), i32(n) - h);\n}\n\n// e^x - 1 without cancellation: the Taylor series on |x| < 0.5 (truncated after x^9: relative error < 1e-9),\n// exp_(x) - 1 beyond, where the subtraction loses less than one bit.\nfn expm1_(x: f32) -> f32 {\n  if (abs(x) < 0.5) {\n    return x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x * (1.0 / 720.0\n      + x * (1.0 / 5040.0 + x * (1.0 / 40320.0 + x * (1.0 / 362880.0)))))))));\n  }\n  return exp_(x) - 1.0;\n}\n\n// ln(1 + x) without cancellation: 2 atanh(s) with s = x / (2 + x) on |x| < 0.5 (|s| <= 1/3; the odd series to\n// s^13 leaves a relative error < 2e-8), log(1 + x) beyond. NaN below -1, as in JavaScript.\nfn log1p_(x: f32) -> f32 {\n  if (abs(x) < 0.5) {\n    let s = x / (2.0 + x);\n    let s2 = s * s;\n    return 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0\n      + s2 * (1.0 / 11.0 + s2 * (1.0 / 13.0)))))));\n  }\n  return select(select(log(1.0 + x), -inff(), x == -1.0), nanf(), x < -1.0);\n}\n\n// Domain guards the built-ins leave undefined: log of 0 is -inf, of a negative number NaN; sqrt likewise.\nfn log_(x: f32) -> f32 {\n  return select(select(log(x), -inff(), x == 0.0), nanf(), x < 0.0);\n}\n\nfn sqrt_(x: f32) -> f32 {\n  return select(sqrt(x), nanf(), x < 0.0);\n}\n\n// 1 / (1 + e^-x) with e = exp(-|x|) <= 1 in both branches, so nothing overflows for any x.\nfn sigmoid_(x: f32) -> f32 {\n  let e = exp_(-abs(x));\n  let r = 1.0 / (1.0 + e);\n  return select(e * r, r, x >= 0.0);\n}\n\n// tanh through expm1(-2|x|) in (-1, 0]: no inf/inf for large |x|, no cancellation for small |x|.\nfn tanh_(x: f32) -> f32 {\n  let em = expm1_(-2.0 * abs(x));\n  let t = -em / (2.0 + em);\n  return select(t, -t, x < 0.0);\n}\n\n// a^b with JavaScript's Math.pow conventions where WGSL's pow (exp2(b log2 a)) is undefined: a <= 0, b = 0,\n// a = -Infinity. Integer exponents up to 2^16 multiply (powi_: a few ulps); others go through exp2 and log2,\n// whose relative error grows like |b log2 a| ulps (a float32 log2 carries no more digits).\nfn pow_(a: f32, b: f32) -> f32 {\n  if (b == 0.0) { return 1.0; }\n  if (isnanf(a) || isnanf(b)) { return nanf(); }\n  let isInt = floor(b) == b;\n  let odd = isInt && abs(b) < 16777216.0 && (i32(b) & 1) == 1;\n  if (a == 0.0 || a == -inff()) {\n    // 0^b and (-inf)^b are 0 or inf; the sign is a's when b is an odd integer.\n    let mag = select(0.0, inff(), (b < 0.0) == (a == 0.0));\n    let negative = bitcast<u32>(a) >= 0x80000000u;\n    return select(mag, -mag, odd && negative);\n  }\n  if (isInt && abs(b) <= 65536.0) { return powi_(a, i32(b)); }\n  let m = exp2(b * log2(abs(a)));\n  if (a > 0.0) { return m; }\n  if (!isInt) { return nanf(); }\n  return select(m, -m, odd);\n}\n\n// a^p for an integer p, by repeated squaring: exact for p = 2 and within a few ulps for any p.\nfn powi_(a: f32, p: i32) -> f32 {\n  var r = 1.0;\n  var base = a;\n  var e = u32(abs(p));\n  loop {\n    if ((e & 1u) == 1u) { r = r * base; }\n    e = e >> 1u;\n    if (e == 0u) { break; }\n    base = base * base;\n  }\n  return select(r, 1.0 / r, p < 0);\n}\n\n// sin and cos to a few ulps for |x| < 8192 (Cephes sinf/cosf): reduction by pi/4 with pi/4 split in three\n// (Cody-Waite), then minimax polynomials on |z| <= pi/4. Built-in sin/cos are only bound to an absolute error\n// of 2^-11 on [-pi, pi] by Vulkan. Beyond 8192 the reduction would need more digits of pi (Payne-Hanek) and the\n// built-ins are used: lavapipe returns +-1 for sin(1e30).\nfn sinCosPoly(z: f32, useCos: bool) -> f32 {\n  let zz = z * z;\n  if (useCos) {\n    return ((2.443315711809948e-5 * zz - 1.388731625493765e-3) * zz + 4.166664568298827e-2) * zz * zz - 0.5 * zz + 1.0;\n  }\n  return ((-1.9515295891e-4 * zz + 8.3321608736e-3) * zz - 1.6666654611e-1) * zz * z + z;\n}\n\n// Octant j (0..3 after folding) and reduced argument of |x|.\nfn octant(ax: f32) -> vec2<f32> {\n  var j = u32(ax * 1.27323954473516); // 4/pi\n  j = j + (j & 1u);                   // map to an even octant: z in [-pi/4, pi/4]\n  let y = f32(j);\n  let z = ((ax - y * 0.78515625) - y * 2.4187564849853515625e-4) - y * 3.77489497744594108e-8;\n  return vec2<f32>(z, f32(j & 7u));\n}\n\nfn sin_(x: f32) -> f32 {\n  let ax = abs(x);\n  if (ax > 8192.0 || isnanf(x)) { return sin(x); }\n  let o = octant(ax);\n  var j = u32(o.y);\n  var sign = select(1.0, -1.0, bitcast<u32>(x) >= 0x80000000u); // sin is odd; keeps -0\n  if (j > 3u) { sign = -sign; j = j - 4u; }\n  return sign * sinCosPoly(o.x, j == 2u);\n}\n\nfn cos_(x: f32) -> f32 {\n  let ax = abs(x);\n  if (ax > 8192.0 || isnanf(x)) { return cos(x); }\n  let o = octant(ax);\n  var j = u32(o.y);\n  var sign = 1.0;\n  if (j > 3u) { sign = -sign; j = j - 4u; }\n  if (j > 1u) { sign = -sign; }\n  return sign * sinCosPoly(o.x, j == 0u);\n}\n";

// kernels/elementwise/template.ts
var VALUE_NAMES = ["a", "b", "c"];
function collapseAxes(shape, strides) {
  const keep2 = shape.map((d, i) => i).filter((i) => shape[i] !== 1);
  const outShape = [];
  const outStrides2 = strides.map(() => []);
  for (const i of keep2) {
    const r = outShape.length;
    const mergeable = r > 0 && strides.every((s2, k) => outStrides2[k][r - 1] === s2[i] * shape[i]);
    if (mergeable) {
      outShape[r - 1] = outShape[r - 1] * shape[i];
      strides.forEach((s2, k) => {
        outStrides2[k][r - 1] = s2[i];
      });
    } else {
      outShape.push(shape[i]);
      strides.forEach((s2, k) => outStrides2[k].push(s2[i]));
    }
  }
  return { shape: outShape, strides: outStrides2 };
}
function isNaNHelper(T2) {
  return T2 === "f32" ? "fn isnan_(x: T) -> bool { return isnanf(x); }" : "fn isnan_(x: T) -> bool { return false; }";
}
function mapElements(gpu, call) {
  const { operands, out } = call;
  if (operands.length > VALUE_NAMES.length) throw new SpikegradError(`elementwise '${call.name}': at most 3 operands`);
  const col = collapseAxes(out.shape, operands.map((o) => o.strides));
  const rank = col.shape.length;
  if (rank > MAX_RANK) throw new SpikegradError(`${call.name}: rank ${rank} after merging axes exceeds the WebGPU limit of ${MAX_RANK}`);
  const contiguous = stridesOf(col.shape);
  const modes2 = operands.map((o, k) => {
    const s2 = col.strides[k];
    if (s2.every((v) => v === 0)) return "scalar";
    if ((o.offset ?? 0) === 0 && s2.every((v, d) => v === contiguous[d] || col.shape[d] === 1)) return "same";
    return "strided";
  });
  const T2 = call.T ?? operands[0]?.type ?? call.outType;
  const anyStrided = modes2.includes("strided");
  const key = `ew:${call.name}=${call.expr}|${T2}>${call.outType}|${operands.map((o, k) => `${o.type}:${modes2[k]}`).join(",")}|r${anyStrided ? rank : 0}`;
  const program2 = cachedProgram(key, () => {
    const params = { n: "u32" };
    if (anyStrided) params.shape = "dims";
    operands.forEach((_, k) => {
      if (modes2[k] === "strided") params[`s${k}`] = "dims";
      if (modes2[k] !== "same") params[`o${k}`] = "u32";
    });
    for (const [name, [type]] of Object.entries(call.extra ?? {})) params[name] = type;
    const body = [];
    if (anyStrided) {
      const strided = operands.map((_, k) => k).filter((k) => modes2[k] === "strided");
      body.push("  var rem = i;", ...strided.map((k) => `  var j${k} = params.o${k};`));
      for (let d = rank - 1; d >= 0; d--) {
        const coord = d === 0 ? "rem" : `(rem % ${dimAt("params.shape", d)})`;
        body.push(
          `  { let q = ${coord};`,
          ...strided.map((k) => `    j${k} += q * ${dimAt(`params.s${k}`, d)};`),
          d === 0 ? "  }" : `    rem = rem / ${dimAt("params.shape", d)}; }`
        );
      }
    }
    operands.forEach((_, k) => {
      const idx = modes2[k] === "same" ? "i" : modes2[k] === "scalar" ? `params.o${k}` : `j${k}`;
      body.push(`  let ${VALUE_NAMES[k]} = x${k}[${idx}];`);
    });
    body.push(`  y[i] = ${call.expr};`);
    return {
      params,
      inputs: Object.fromEntries(operands.map((o, k) => [`x${k}`, o.type])),
      outputs: { y: call.outType },
      helpers: `alias T = ${T2};
${math_default}
${isNaNHelper(T2)}`,
      element: body.join("\n")
    };
  });
  const values = { n: out.size };
  if (anyStrided) values.shape = col.shape;
  operands.forEach((o, k) => {
    if (modes2[k] === "strided") values[`s${k}`] = col.strides[k];
    if (modes2[k] !== "same") values[`o${k}`] = o.offset ?? 0;
  });
  for (const [name, [, v]] of Object.entries(call.extra ?? {})) values[name] = v;
  gpu.dispatch(program2, { inputs: operands.map((o) => o.tensor), outputs: [out], params: values });
}

// kernels/elementwise/wgsl.ts
var UNARY_WGSL = {
  neg: "-a",
  abs: "abs(a)",
  sign: "select(select(a, T(-1), a < T(0)), T(1), a > T(0))",
  // keeps ±0 and NaN, as the CPU twin
  exp: "exp_(a)",
  expm1: "expm1_(a)",
  log: "log_(a)",
  log1p: "log1p_(a)",
  sqrt: "sqrt_(a)",
  sigmoid: "sigmoid_(a)",
  tanh: "tanh_(a)",
  sin: "sin_(a)",
  cos: "cos_(a)",
  floor: "floor(a)",
  logicalNot: "select(0u, 1u, a == 0u)"
};
var BINARY_WGSL = {
  add: "a + b",
  sub: "a - b",
  mul: "a * b",
  div: "a / b",
  // NaN wins, as in Math.max / Math.min (WGSL's max and min may return either operand).
  maximum: "select(max(a, b), a + b, isnan_(a) || isnan_(b))",
  minimum: "select(min(a, b), a + b, isnan_(a) || isnan_(b))",
  pow: "pow_(a, b)",
  lt: "select(0u, 1u, a < b)",
  le: "select(0u, 1u, a <= b)",
  gt: "select(0u, 1u, a > b)",
  ge: "select(0u, 1u, a >= b)",
  eq: "select(0u, 1u, a == b)",
  ne: "select(0u, 1u, a != b)",
  logicalAnd: "select(0u, 1u, a != 0u && b != 0u)",
  logicalOr: "select(0u, 1u, a != 0u || b != 0u)"
};

// kernels/elementwise/webgpu.ts
function broadcastOperand(t, outShape) {
  return { tensor: t, type: storageType(t.dtype), strides: broadcastStrides(t.shape, outShape) };
}
function unaryKernel2(op2) {
  return (gpu, [x2], _a, [meta]) => {
    const y = gpu.output(meta);
    mapElements(gpu, { name: op2, expr: UNARY_WGSL[op2], operands: [broadcastOperand(x2, x2.shape)], out: y, outType: storageType(meta.dtype) });
    return [y];
  };
}
function binaryKernel2(op2) {
  return (gpu, [a, b], _a, [meta]) => {
    const y = gpu.output(meta);
    mapElements(gpu, {
      name: op2,
      expr: BINARY_WGSL[op2],
      out: y,
      outType: storageType(meta.dtype),
      operands: [broadcastOperand(a, meta.shape), broadcastOperand(b, meta.shape)]
    });
    return [y];
  };
}
var whereKernel2 = (gpu, [c, a, b], _a, [meta]) => {
  const y = gpu.output(meta);
  mapElements(gpu, {
    name: "where",
    expr: "select(c, b, a != 0u)",
    out: y,
    outType: storageType(meta.dtype),
    T: storageType(meta.dtype),
    // Operand order (cond, a, b) reads as values (a, b, c): the expression picks b when the condition a holds.
    operands: [broadcastOperand(c, meta.shape), broadcastOperand(a, meta.shape), broadcastOperand(b, meta.shape)]
  });
  return [y];
};
function castExpr(from, to) {
  if (to === "u32") return from === "f32" ? "select(0u, 1u, a != 0.0 && !isnanf(a))" : `select(0u, 1u, a != ${from}(0))`;
  if (to === "i32" && from === "f32") return "select(i32(a), 0, isnanf(a))";
  return `${to}(a)`;
}
var castKernel2 = (gpu, [x2], { dtype }, [meta]) => {
  const y = gpu.output(meta);
  const from = storageType(x2.dtype), to = storageType(dtype);
  mapElements(gpu, { name: `cast:${from}>${to}`, expr: castExpr(from, to), operands: [broadcastOperand(x2, x2.shape)], out: y, outType: to });
  return [y];
};
var powScalarKernel2 = (gpu, [x2], { exponent }, [meta]) => {
  const y = gpu.output(meta);
  const integral = Number.isInteger(exponent) && Math.abs(exponent) < 2 ** 31;
  const [name, expr] = integral ? ["powi", "powi_(a, params.p)"] : exponent === 0.5 ? ["sqrtPow", "select(sqrt_(a) + 0.0, inff(), a == -inff())"] : ["powf", "pow_(a, params.p)"];
  mapElements(gpu, {
    name,
    expr,
    operands: [broadcastOperand(x2, x2.shape)],
    out: y,
    outType: "f32",
    extra: { p: integral ? ["i32", exponent] : ["f32", exponent] }
  });
  return [y];
};
var fillKernel2 = (gpu, _ins, { value }, [meta]) => {
  const y = gpu.output(meta);
  const type = storageType(meta.dtype);
  const view = new DataView(new ArrayBuffer(4));
  if (type === "f32") view.setFloat32(0, value, true);
  else if (type === "i32") view.setInt32(0, Math.trunc(value), true);
  else view.setUint32(0, value ? 1 : 0, true);
  mapElements(gpu, { name: "fill", expr: "bitcast<T>(params.bits)", operands: [], out: y, outType: type, T: type, extra: { bits: ["u32", view.getUint32(0, true)] } });
  return [y];
};

// kernels/loss/softmaxCrossEntropy.wgsl
var softmaxCrossEntropy_default = "// Row statistics of the fused softmax cross-entropy (SPEC \xA77): m = max_c z and s = sum_c exp(z - m), so exp\n// never overflows. One invocation per row (class counts are small); NaN in a row propagates as on the CPU.\n\nfn maxNan(a: f32, b: f32) -> f32 {\n  let nan = (bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u || (bitcast<u32>(b) & 0x7fffffffu) > 0x7f800000u;\n  return select(max(a, b), a + b, nan);\n}\n\nfn rowMaxSum(row: u32) -> vec2<f32> {\n  var m = -inff();\n  for (var c = 0u; c < params.C; c = c + 1u) { m = maxNan(m, z[row * params.C + c]); }\n  var s = 0.0;\n  for (var c = 0u; c < params.C; c = c + 1u) { s = s + exp(z[row * params.C + c] - m); }\n  return vec2<f32>(m, s);\n}\n";

// kernels/loss/webgpu.ts
var softmaxCrossEntropyKernel2 = (gpu, [logits, labels], _a, [meta]) => {
  const y = gpu.output(meta);
  const p = cachedProgram("softmaxCrossEntropy", () => ({
    params: { n: "u32", C: "u32" },
    inputs: { z: "f32", labels: "i32" },
    outputs: { loss: "f32" },
    helpers: softmaxCrossEntropy_default,
    element: [
      "  let ms = rowMaxSum(i);",
      "  let label = labels[i];",
      "  if (label < 0 || u32(label) >= params.C) { loss[i] = nanf(); return; }",
      "  loss[i] = log(ms.y) - (z[i * params.C + u32(label)] - ms.x);"
    ].join("\n")
  }));
  gpu.dispatch(p, { inputs: [logits, labels], outputs: [y], params: { n: logits.shape[0], C: logits.shape[1] } });
  return [y];
};
var softmaxCrossEntropyGradKernel2 = (gpu, [logits, labels, dy], _a, [meta]) => {
  const y = gpu.output(meta);
  const p = cachedProgram("softmaxCrossEntropyGrad", () => ({
    params: { n: "u32", C: "u32", dyStride: "u32" },
    inputs: { z: "f32", labels: "i32", dy: "f32" },
    outputs: { dz: "f32" },
    helpers: softmaxCrossEntropy_default,
    element: [
      "  let ms = rowMaxSum(i);",
      "  let label = labels[i];",
      "  let scale = dy[i * params.dyStride];",
      "  for (var c = 0u; c < params.C; c = c + 1u) {",
      "    let hot = select(0.0, 1.0, i32(c) == label);",
      "    dz[i * params.C + c] = (exp(z[i * params.C + c] - ms.x) / ms.y - hot) * scale;",
      "  }"
    ].join("\n")
  }));
  gpu.dispatch(p, {
    inputs: [logits, labels, dy],
    outputs: [y],
    params: { n: logits.shape[0], C: logits.shape[1], dyStride: dy.size === 1 ? 0 : 1 }
  });
  return [y];
};

// kernels/matmul/webgpu.ts
init_shape();
init_errors();

// kernels/reduce/webgpu.ts
init_shape();

// kernels/reduce/reduceTree.wgsl
var reduceTree_default = "// Workgroup tree reduction: workgroup g reduces slice (g % split) of output element (g / split). Each\n// invocation folds a strided share of the slice, then the workgroup halves its partials log2(WG) times.\n// The generated helpers define T, identity(), combine(a, b), outBase(o) and redOffset(r) (reduce/webgpu.ts).\n\nvar<workgroup> partial: array<T, WG>;\n\n@compute @workgroup_size(WG)\nfn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,\n        @builtin(local_invocation_index) lid: u32) {\n  let g = workgroupIndex(wid, nwg);\n  if (g >= params.n) { return; } // uniform per workgroup: barriers below stay in uniform control flow\n  let o = g / params.split;\n  let begin = (g % params.split) * params.chunk;\n  let end = min(begin + params.chunk, params.r);\n  let base = outBase(o);\n  var acc = identity();\n  for (var r = begin + lid; r < end; r = r + WG) {\n    acc = combine(acc, x[base + redOffset(r)]);\n  }\n  partial[lid] = acc;\n  workgroupBarrier();\n  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {\n    if (lid < stride) {\n      partial[lid] = combine(partial[lid], partial[lid + stride]);\n    }\n    workgroupBarrier();\n  }\n  if (lid == 0u) {\n    y[g] = partial[0];\n  }\n}\n";

// kernels/reduce/webgpu.ts
var TREE_WG = 64;
var SERIAL_MAX = 32;
var SERIAL_MIN_OUTPUTS = 2048;
var SERIAL_LONG = 1024;
var TARGET_GROUPS = 128;
function collapse(shape, strides) {
  const out = { shape: [], strides: [] };
  shape.forEach((d, i) => {
    if (d === 1) return;
    const r = out.shape.length;
    if (r > 0 && out.strides[r - 1] === strides[i] * d) {
      out.shape[r - 1] *= d;
      out.strides[r - 1] = strides[i];
    } else {
      out.shape.push(d);
      out.strides.push(strides[i]);
    }
  });
  return out;
}
function offsetFn(name, prefix, rank) {
  if (rank === 0) return `fn ${name}(k: u32) -> u32 { return 0u; }`;
  if (rank === 1) return `fn ${name}(k: u32) -> u32 { return k * ${dimAt(`params.${prefix}Stride`, 0)}; }`;
  const lines = [`fn ${name}(k: u32) -> u32 {`, "  var rem = k;", "  var off = 0u;"];
  for (let d = rank - 1; d > 0; d--) {
    lines.push(
      `  off += (rem % ${dimAt(`params.${prefix}Shape`, d)}) * ${dimAt(`params.${prefix}Stride`, d)};`,
      `  rem = rem / ${dimAt(`params.${prefix}Shape`, d)};`
    );
  }
  lines.push(`  return off + rem * ${dimAt(`params.${prefix}Stride`, 0)};`, "}");
  return lines.join("\n");
}
function helpers(kind, T2, keptRank, redRank) {
  const big = T2 === "f32" ? "inff()" : "bitcast<i32>(0x7fffffffu)";
  const small = T2 === "f32" ? "-inff()" : "bitcast<i32>(0x80000000u)";
  const id = kind === "sum" ? "T(0)" : kind === "max" ? small : big;
  const nan = T2 === "f32" ? "((bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u || (bitcast<u32>(b) & 0x7fffffffu) > 0x7f800000u)" : "false";
  const comb = kind === "sum" ? "a + b" : `select(${kind}(a, b), a + b, ${nan})`;
  return [
    `alias T = ${T2};`,
    `fn identity() -> T { return ${id}; }`,
    `fn combine(a: T, b: T) -> T { return ${comb}; }`,
    offsetFn("outBase", "kept", keptRank),
    offsetFn("redOffset", "red", redRank)
  ].join("\n");
}
function reduceStrided(gpu, kind, x2, kept, red, out) {
  const T2 = storageType(x2.dtype);
  const O = kept.shape.reduce((p2, d) => p2 * d, 1), R = red.shape.reduce((p2, d) => p2 * d, 1);
  if (O === 0) return;
  const values = {
    n: O,
    r: R,
    split: 1,
    chunk: R,
    keptShape: kept.shape,
    keptStride: kept.strides,
    redShape: red.shape,
    redStride: red.strides
  };
  const params = { n: "u32", r: "u32", split: "u32", chunk: "u32", keptShape: "dims", keptStride: "dims", redShape: "dims", redStride: "dims" };
  const variant = `${kind}|${T2}|k${kept.shape.length}|r${red.shape.length}`;
  if (R <= SERIAL_MAX || O >= SERIAL_MIN_OUTPUTS && R <= SERIAL_LONG) {
    const p2 = cachedProgram(`reduceSerial|${variant}`, () => ({
      params,
      inputs: { x: T2 },
      outputs: { y: T2 },
      helpers: helpers(kind, T2, kept.shape.length, red.shape.length),
      element: "  let base = outBase(i);\n  var acc = identity();\n  for (var r = 0u; r < params.r; r++) { acc = combine(acc, x[base + redOffset(r)]); }\n  y[i] = acc;"
    }));
    gpu.dispatch(p2, { inputs: [x2], outputs: [out], params: values });
    return;
  }
  let split = O >= TARGET_GROUPS ? 1 : Math.min(Math.ceil(TARGET_GROUPS / O), Math.ceil(R / (TREE_WG * 8)));
  const chunk = Math.ceil(R / split);
  split = Math.ceil(R / chunk);
  const p = cachedProgram(`reduceTree|${variant}`, () => ({
    params,
    inputs: { x: T2 },
    outputs: { y: T2 },
    workgroupSize: TREE_WG,
    helpers: helpers(kind, T2, kept.shape.length, red.shape.length),
    main: reduceTree_default
  }));
  const target = split === 1 ? out : gpu.scratch(x2.dtype, [O * split]);
  gpu.dispatch(p, { inputs: [x2], outputs: [target], params: { ...values, n: O * split, split, chunk }, workgroups: O * split });
  if (split > 1) reduceStrided(gpu, kind, target, { shape: [O], strides: [split] }, { shape: [split], strides: [1] }, out);
}
function splitAxes(shape, axes) {
  const st = stridesOf(shape);
  const pick = (want) => shape.map((_, i) => i).filter((i) => axes.includes(i) === want);
  const kIdx = pick(false), rIdx = pick(true);
  const kept = collapse(kIdx.map((i) => shape[i]), kIdx.map((i) => st[i]));
  const red = collapse(rIdx.map((i) => shape[i]), rIdx.map((i) => st[i]));
  if (kept.shape.length > MAX_RANK || red.shape.length > MAX_RANK) throw new Error(`reduce: more than ${MAX_RANK} non-mergeable axes`);
  return { kept, red };
}
function reduceKernel(kind) {
  return (gpu, [x2], { axes }, [meta]) => {
    const y = gpu.output(meta);
    const { kept, red } = splitAxes(x2.shape, axes);
    reduceStrided(gpu, kind, x2, kept, red, y);
    return [y];
  };
}
var sumKernel2 = reduceKernel("sum");
var maxKernel2 = reduceKernel("max");
var minKernel2 = reduceKernel("min");
var argmaxKernel2 = (gpu, [x2], { axis }, [meta]) => {
  const y = gpu.output(meta);
  const T2 = storageType(x2.dtype);
  const inner = x2.shape.slice(axis + 1).reduce((p2, d) => p2 * d, 1);
  const lowest = T2 === "f32" ? "-inff()" : "bitcast<i32>(0x80000000u)";
  const p = cachedProgram(`argmax|${T2}`, () => ({
    params: { n: "u32", len: "u32", inner: "u32" },
    inputs: { x: T2 },
    outputs: { y: "i32" },
    element: [
      "  let base = (i / params.inner) * params.len * params.inner + i % params.inner;",
      `  var best = ${lowest};`,
      "  var at = 0;",
      "  for (var k = 0u; k < params.len; k++) {",
      "    let v = x[base + k * params.inner];",
      "    if (v > best) { best = v; at = i32(k); }",
      "  }",
      "  y[i] = at;"
    ].join("\n")
  }));
  gpu.dispatch(p, { inputs: [x2], outputs: [y], params: { n: y.size, len: x2.shape[axis], inner } });
  return [y];
};

// kernels/matmul/matmulNarrow.wgsl
var matmulNarrow_default = "// Matmul for outputs with a narrow side (SNN layers: [51200,100]\xB7[100,4], and the weight gradient\n// [100,51200]\xB7[51200,4]) and for small outputs with long K. Invocation i owns TB outputs along the narrow\n// side for one index of the wide side, over one slice of K: thread = ((b\xB7S + s)\xB7NB + block)\xB7W + w.\n// With S > 1 slices, C holds partial sums [S][batch\xB7M\xB7N] that matmul/webgpu.ts adds up in a second pass.\n// Helpers from matmul/webgpu.ts: TB, NARROW_N (true: the narrow side is N), batchOffsets(b).\n\nfn matmulNarrow(i: u32) {\n  let w = i % params.W;\n  let t = i / params.W;\n  let block = t % params.NB;\n  let t2 = t / params.NB;\n  let s = t2 % params.S;\n  let b = t2 / params.S;\n  let offs = batchOffsets(b);\n  let kBegin = s * params.chunk;\n  let kEnd = min(kBegin + params.chunk, params.K);\n  let t0 = block * TB;\n  var acc: array<f32, TB>;\n  for (var j = 0u; j < TB; j = j + 1u) { acc[j] = 0.0; }\n  if (NARROW_N) {\n    // Row w of A times TB columns of B (clamped: columns past N repeat the last one and are not stored).\n    let aRow = offs.x + w * params.sAm;\n    for (var k = kBegin; k < kEnd; k = k + 1u) {\n      let av = A[aRow + k * params.sAk];\n      let bRow = offs.y + k * params.sBk;\n      for (var j = 0u; j < TB; j = j + 1u) {\n        acc[j] = acc[j] + av * B[bRow + min(t0 + j, params.N - 1u) * params.sBn];\n      }\n    }\n  } else {\n    let bCol = offs.y + w * params.sBn;\n    for (var k = kBegin; k < kEnd; k = k + 1u) {\n      let bv = B[bCol + k * params.sBk];\n      let aCol = offs.x + k * params.sAk;\n      for (var j = 0u; j < TB; j = j + 1u) {\n        acc[j] = acc[j] + A[aCol + min(t0 + j, params.M - 1u) * params.sAm] * bv;\n      }\n    }\n  }\n  let base = s * params.batch * params.M * params.N + b * params.M * params.N;\n  for (var j = 0u; j < TB; j = j + 1u) {\n    let nj = t0 + j;\n    if (NARROW_N && nj < params.N) { C[base + w * params.N + nj] = acc[j]; }\n    if (!NARROW_N && nj < params.M) { C[base + nj * params.N + w] = acc[j]; }\n  }\n}\n";

// kernels/matmul/matmulTiled.wgsl
var matmulTiled_default = "// C = A\xB7B for outputs that are not narrow. Invocation (row block, column quad) owns an R\xD74 register tile:\n// per step of k it loads one quad of B's row k and R elements of A's column k (the same for the whole\n// workgroup, whose invocations run along N), and does R vec4 FMAs. Software rasterisers vectorise across\n// invocations, and this layout keeps their loads of B contiguous. Transposes and batch broadcasting are\n// strides (uniforms). Generated helpers (matmul/webgpu.ts): R, batchOffsets(b), loadB4(base, k, quad),\n// storeC4(batch, row, quad, value).\n\n@compute @workgroup_size(WG)\nfn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,\n        @builtin(local_invocation_index) lid: u32) {\n  let g = workgroupIndex(wid, nwg);\n  let quads = (params.N + 3u) / 4u;\n  let colTiles = (quads + WG - 1u) / WG;\n  let perBatch = ((params.M + R - 1u) / R) * colTiles;\n  if (g >= perBatch * params.batch) { return; }\n  let b = g / perBatch;\n  let m0 = ((g % perBatch) / colTiles) * R;\n  let quad = ((g % perBatch) % colTiles) * WG + lid;\n  let q = min(quad, quads - 1u); // lanes past the edge compute a copy of the last quad and store nothing\n  let offs = batchOffsets(b);\n  var acc: array<vec4<f32>, R>;\n  for (var r = 0u; r < R; r = r + 1u) { acc[r] = vec4<f32>(0.0); }\n  for (var k = 0u; k < params.K; k = k + 1u) {\n    let bq = loadB4(offs.y, k, q);\n    let aCol = offs.x + k * params.sAk;\n    for (var r = 0u; r < R; r = r + 1u) {\n      acc[r] = fma(vec4<f32>(A[aCol + min(m0 + r, params.M - 1u) * params.sAm]), bq, acc[r]);\n    }\n  }\n  if (quad < quads) {\n    for (var r = 0u; r < R; r = r + 1u) {\n      if (m0 + r < params.M) { storeC4(b, m0 + r, quad, acc[r]); }\n    }\n  }\n}\n";

// kernels/matmul/subgroupTile.ts
init_shape();

// kernels/matmul/subgroupTile.wgsl.ts
var range2 = (n) => Array.from({ length: n }, (_, i) => i);
function pSource(t, r, kk) {
  const { sg, tm } = t;
  if (t.p === "k") return { j: Math.floor(r / sg), lane: r % sg, comp: kk };
  if (t.p === "r") {
    const v2 = kk * (tm / 4) + Math.floor(r / 4);
    return { j: Math.floor(v2 / sg), lane: v2 % sg, comp: r % 4 };
  }
  const v = r * 4 + kk;
  return { j: Math.floor(v / sg), lane: v % sg, comp: null };
}
function subgroupTileMain(t) {
  const { sg: SG, tm: TM, tc: TC2 } = t;
  const loadsP = t.p === "s" ? Math.ceil(4 * TM / SG) : Math.ceil(TM / SG);
  const quadsQ = t.q === "c" ? TC2 / 4 : TC2;
  const L = [];
  const add3 = (...s2) => L.push(...s2);
  add3("@compute @workgroup_size(WG)");
  add3("fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,");
  add3("        @builtin(subgroup_invocation_id) l: u32) {");
  add3("  let g = workgroupIndex(wid, nwg);");
  add3("  let perSlice = params.tilesR * params.tilesC;");
  add3("  if (g >= perSlice * params.S * params.batch) { return; } // uniform per workgroup");
  add3("  let b = g / (perSlice * params.S);");
  add3("  let s = (g / perSlice) % params.S;");
  add3("  let t = g % perSlice;");
  add3("  let span = params.groupRows * params.tilesC;");
  add3("  let first = (t / span) * params.groupRows;");
  add3("  let rows = min(params.groupRows, params.tilesR - first);");
  add3("  let r0 = (first + (t % span) % rows) * TM;");
  add3("  let c0 = ((t % span) / rows) * (SG * TC);");
  add3("  let offs = batchOffsets(b);");
  add3("  let kBegin = s * params.kChunk;");
  add3("  let kEnd = min(kBegin + params.kChunk, params.K);");
  for (const j of range2(loadsP)) {
    if (t.p === "k") {
      add3(`  let p${j} = offs.x + min(r0 + min(${j * SG}u + l, TM - 1u), params.R - 1u) * params.sPr;`);
    } else if (t.p === "r") {
      add3(`  let v${j} = min(${j * SG}u + l, TM - 1u);`);
      add3(`  let pk${j} = v${j} / ${TM / 4}u;`);
      add3(`  let p${j} = offs.x + min(r0 + 4u * (v${j} % ${TM / 4}u), params.R - 4u);`);
    } else {
      add3(`  let v${j} = min(${j * SG}u + l, ${4 * TM - 1}u);`);
      add3(`  let pk${j} = v${j} % 4u;`);
      add3(`  let p${j} = offs.x + min(r0 + v${j} / 4u, params.R - 1u) * params.sPr;`);
    }
  }
  for (const q of range2(quadsQ)) {
    if (t.q === "c") add3(`  let q${q} = offs.y + min(c0 + ${4 * q * SG}u + 4u * l, params.qLastQuad);`);
    else add3(`  let q${q} = offs.y + min(c0 + ${q * SG}u + l, params.Cn - 1u) * params.sQc;`);
  }
  for (const r of range2(TM)) {
    add3("  " + range2(quadsQ).map((q) => t.q === "c" ? `var a${r}_${q} = vec4<f32>(0.0);` : `var a${r}_${q} = 0.0;`).join(" "));
  }
  add3("  for (var k = kBegin; k < kEnd; k = k + 4u) {");
  for (const j of range2(loadsP)) {
    if (t.p !== "k") {
      const quad = t.p === "r";
      const at = (kr) => quad ? `P[(p${j} + ${kr} * params.sPk) / 4u]` : `P[p${j} + ${kr} * params.sPk]`;
      add3(t.ragged ? `    let pv${j} = select(${quad ? "vec4<f32>(0.0)" : "0.0"}, ${at(`min(k + pk${j}, params.K - 1u)`)}, k + pk${j} < kEnd);` : `    let pv${j} = ${at(`(k + pk${j})`)};`);
    } else {
      add3(`    let pv${j} = P[(p${j} + k) / 4u];`);
    }
  }
  if (t.q === "k") for (const q of range2(quadsQ)) add3(`    let qv${q} = Q[(q${q} + k) / 4u];`);
  for (const kk of range2(4)) {
    add3("    {");
    if (t.q === "c") {
      for (const q of range2(quadsQ)) {
        const load = `Q[(q${q} + min(k + ${kk}u, params.K - 1u) * params.sQk) / 4u]`;
        add3(t.ragged && kk > 0 ? `    let qv${q} = select(vec4<f32>(0.0), ${load}, k + ${kk}u < kEnd);` : `    let qv${q} = Q[(q${q} + (k + ${kk}u) * params.sQk) / 4u];`);
      }
    }
    for (const r of range2(TM)) {
      const src = pSource(t, r, kk);
      const value = src.comp === null ? `pv${src.j}` : `pv${src.j}[${src.comp}]`;
      const fmas = range2(quadsQ).map((q) => t.q === "c" ? `a${r}_${q} = fma(vec4<f32>(x), qv${q}, a${r}_${q});` : `a${r}_${q} = fma(x, qv${q}[${kk}], a${r}_${q});`);
      add3(`      { let x = subgroupBroadcast(${value}, ${src.lane}u); ${fmas.join(" ")} }`);
    }
    add3("    }");
  }
  add3("  }");
  add3("  let base = s * params.sliceStride + b * params.R * params.Cn;");
  for (const r of range2(TM)) {
    add3(`  if (r0 + ${r}u < params.R) {`);
    add3(`    let row = base + (r0 + ${r}u) * params.sOr;`);
    for (const q of range2(quadsQ)) {
      if (t.quadStore) {
        add3(`    { let c = c0 + ${4 * q * SG}u + 4u * l; if (c < params.Cn) { O[(row + c) / 4u] = a${r}_${q}; } }`);
      } else if (t.q === "c") {
        for (const e of range2(4)) {
          add3(`    { let c = c0 + ${4 * q * SG + e}u + 4u * l; if (c < params.Cn) { O[row + c * params.sOc] = a${r}_${q}[${e}]; } }`);
        }
      } else {
        add3(`    { let c = c0 + ${q * SG}u + l; if (c < params.Cn) { O[row + c * params.sOc] = a${r}_${q}; } }`);
      }
    }
    add3("  }");
  }
  add3("}");
  return L.join("\n");
}

// kernels/matmul/subgroupTile.ts
var MIN_WORKGROUPS = 64;
var MIN_K_SLICE = 256;
var WIDE_TM = 16;
var TC = 4;
var GROUP_ROWS = 8;
var WIDE = 16;
var PARAMS = {
  R: "u32",
  Cn: "u32",
  K: "u32",
  batch: "u32",
  brank: "u32",
  tilesR: "u32",
  tilesC: "u32",
  groupRows: "u32",
  S: "u32",
  kChunk: "u32",
  sPr: "u32",
  sPk: "u32",
  sQk: "u32",
  sQc: "u32",
  qLastQuad: "u32",
  sOr: "u32",
  sOc: "u32",
  sliceStride: "u32",
  bshape: "dims",
  pBatch: "dims",
  qBatch: "dims"
};
var BATCH_OFFSETS = `
fn batchOffsets(b: u32) -> vec2<u32> {
  var rem = b;
  var off = vec2<u32>(0u, 0u);
  for (var d = i32(params.brank) - 1; d >= 0; d = d - 1) {
    let q = rem % dim(params.bshape, u32(d));
    rem = rem / dim(params.bshape, u32(d));
    off = off + q * vec2<u32>(dim(params.pBatch, u32(d)), dim(params.qBatch, u32(d)));
  }
  return off;
}`;
function batchStrides(own, full2, matSize) {
  const st = stridesOf(own);
  const lead = full2.length - own.length;
  return full2.map((_, d) => d < lead || own[d - lead] === 1 ? 0 : st[d - lead] * matSize);
}
function pLayout(P, R, K) {
  if (P.sk === 1 && P.si % 4 === 0 && K % 4 === 0) return "k";
  if (P.si === 1 && P.sk % 4 === 0 && R % 4 === 0) return "r";
  return "s";
}
function qLayout(Q, Cn, K) {
  if (Q.si === 1 && Q.sk % 4 === 0 && Cn % 4 === 0) return "c";
  if (Q.sk === 1 && Q.si % 4 === 0 && K % 4 === 0) return "k";
  return null;
}
function operandStrides(M2, N, K, tA, tB) {
  return { A: { si: tA ? 1 : K, sk: tA ? M2 : 1 }, B: { si: tB ? K : 1, sk: tB ? 1 : N } };
}
function planSubgroupMatmul(M2, N, K, tA, tB, batch, sg) {
  const { A: A2, B } = operandStrides(M2, N, K, tA, tB);
  const normal2 = { swap: false, P: A2, Q: B, R: M2, Cn: N };
  const swapped = { swap: true, P: B, Q: A2, R: N, Cn: M2 };
  const wide = Math.min(M2, N) >= WIDE;
  const candidates = wide ? [normal2, swapped] : [N < M2 ? swapped : normal2];
  const o = candidates.find((c) => qLayout(c.Q, c.Cn, K) !== null) ?? candidates[0];
  const ragged = K % 4 !== 0;
  const q0 = qLayout(o.Q, o.Cn, K);
  const copyQ = q0 === null || ragged && q0 === "k";
  const tm = wide ? WIDE_TM : Math.min(WIDE_TM, Math.ceil(o.R / 4) * 4);
  const q = copyQ ? "c" : q0;
  const shape = { sg, tm, tc: TC, p: pLayout(o.P, o.R, K), q, ragged, quadStore: q === "c" && !o.swap && N % 4 === 0 };
  const tilesR = Math.ceil(o.R / tm), tilesC = Math.ceil(o.Cn / (sg * TC));
  const tiles = batch * tilesR * tilesC;
  const split = tiles >= MIN_WORKGROUPS ? 1 : Math.max(1, Math.min(Math.ceil(MIN_WORKGROUPS / tiles), Math.floor(K / MIN_K_SLICE)));
  const kChunk = Math.max(4, Math.ceil(K / split / 4) * 4);
  return { swap: o.swap, shape, copyQ, R: o.R, Cn: o.Cn, tilesR, tilesC, S: Math.max(1, Math.ceil(K / kChunk)), kChunk };
}
function relayout(gpu, t, rows, cols, sRow, sCol) {
  const ld = Math.ceil(cols / 4) * 4;
  const out = gpu.scratch("float32", [...t.shape.slice(0, -2), rows, ld]);
  const p = cachedProgram("matmulRelayout", () => ({
    params: { n: "u32", rows: "u32", cols: "u32", ld: "u32", sRow: "u32", sCol: "u32", mat: "u32" },
    inputs: { x: "f32" },
    outputs: { y: "f32" },
    element: [
      "  let j = i % params.ld;",
      "  let r = (i / params.ld) % params.rows;",
      "  let b = i / (params.ld * params.rows);",
      "  y[i] = select(0.0, x[b * params.mat + r * params.sRow + min(j, params.cols - 1u) * params.sCol], j < params.cols);"
    ].join("\n")
  }));
  gpu.dispatch(p, { inputs: [t], outputs: [out], params: { n: out.size, rows, cols, ld, sRow, sCol, mat: rows * cols } });
  return { t: out, ld };
}
function subgroupMatmul(gpu, a, b, tA, tB, dims, y) {
  const { M: M2, N, K, bshape } = dims;
  const batch = sizeOf(bshape);
  const plan = planSubgroupMatmul(M2, N, K, tA, tB, batch, gpu.subgroupSize);
  const { shape, R, Cn, S: S2 } = plan;
  const st = operandStrides(M2, N, K, tA, tB);
  const P = plan.swap ? { t: b, st: st.B } : { t: a, st: st.A };
  let Q = plan.swap ? { t: a, st: st.A } : { t: b, st: st.B };
  if (plan.copyQ) {
    const c = relayout(gpu, Q.t, K, Cn, Q.st.sk, Q.st.si);
    Q = { t: c.t, st: { si: 1, sk: c.ld } };
  }
  const { sg, tm, tc, p, q, ragged, quadStore } = shape;
  const key = `matmulSubgroup|sg${sg}|P${p}|Q${q}|${tm}x${tc}${ragged ? "|ragged" : ""}${quadStore ? "|quadStore" : ""}`;
  const program2 = cachedProgram(key, () => ({
    params: PARAMS,
    inputs: { P: p === "s" ? "f32" : "vec4<f32>", Q: "vec4<f32>" },
    outputs: { O: quadStore ? "vec4<f32>" : "f32" },
    workgroupSize: sg,
    enable: ["subgroups"],
    helpers: `const SG: u32 = ${sg}u;
const TM: u32 = ${tm}u;
const TC: u32 = ${tc}u;
${BATCH_OFFSETS}`,
    main: subgroupTileMain(shape)
  }));
  const target = S2 === 1 ? y : gpu.scratch("float32", [S2, y.size]);
  const matSize = (t) => t.shape.at(-1) * t.shape.at(-2);
  const values = {
    R,
    Cn,
    K,
    batch,
    brank: bshape.length,
    tilesR: plan.tilesR,
    tilesC: plan.tilesC,
    groupRows: GROUP_ROWS,
    S: S2,
    kChunk: plan.kChunk,
    sPr: P.st.si,
    sPk: P.st.sk,
    sQk: Q.st.sk,
    sQc: Q.st.si,
    qLastQuad: q === "c" ? Q.st.sk - 4 : 0,
    // O is C (row r = m) or Cᵀ (row r = n, stored in C's column).
    sOr: plan.swap ? 1 : N,
    sOc: plan.swap ? N : 1,
    sliceStride: y.size,
    bshape,
    pBatch: batchStrides(P.t.shape.slice(0, -2), bshape, matSize(P.t)),
    qBatch: batchStrides(Q.t.shape.slice(0, -2), bshape, matSize(Q.t))
  };
  gpu.dispatch(program2, { inputs: [P.t, Q.t], outputs: [target], params: values, workgroups: plan.tilesR * plan.tilesC * batch * S2 });
  if (S2 > 1) reduceStrided(gpu, "sum", target, { shape: [y.size], strides: [1] }, { shape: [S2], strides: [y.size] }, y);
}

// kernels/matmul/webgpu.ts
var NARROW_MAX = 8;
var NARROW_TARGET_INVOCATIONS = 16384;
var MIN_K_SLICE2 = 256;
var MIN_TILES_LONG_K = 4;
var TILE_ROWS = 8;
var matmulTuning = {
  /** Use the lane-tiled kernel on software adapters with fixed-width subgroups (false: the GPU kernels). */
  laneTiled: true
};
var PARAMS2 = {
  M: "u32",
  N: "u32",
  K: "u32",
  batch: "u32",
  brank: "u32",
  sAm: "u32",
  sAk: "u32",
  sBk: "u32",
  sBn: "u32",
  bshape: "dims",
  aBatch: "dims",
  bBatch: "dims"
};
var BATCH_OFFSETS2 = `
fn batchOffsets(b: u32) -> vec2<u32> {
  var rem = b;
  var off = vec2<u32>(0u, 0u);
  for (var d = i32(params.brank) - 1; d >= 0; d = d - 1) {
    let q = rem % dim(params.bshape, u32(d));
    rem = rem / dim(params.bshape, u32(d));
    off = off + q * vec2<u32>(dim(params.aBatch, u32(d)), dim(params.bBatch, u32(d)));
  }
  return off;
}`;
var TILED_VEC4 = `
fn loadB4(base: u32, k: u32, quad: u32) -> vec4<f32> {
  return B[base / 4u + k * (params.N / 4u) + quad];
}
fn storeC4(b: u32, row: u32, quad: u32, v: vec4<f32>) {
  C[(b * params.M * params.N + row * params.N) / 4u + quad] = v;
}`;
var TILED_STRIDED = `
fn loadB4(base: u32, k: u32, quad: u32) -> vec4<f32> {
  let row = base + k * params.sBk;
  let last = params.N - 1u;
  return vec4<f32>(B[row + min(4u * quad, last) * params.sBn], B[row + min(4u * quad + 1u, last) * params.sBn],
                   B[row + min(4u * quad + 2u, last) * params.sBn], B[row + min(4u * quad + 3u, last) * params.sBn]);
}
fn storeC4(b: u32, row: u32, quad: u32, v: vec4<f32>) {
  let at = b * params.M * params.N + row * params.N + 4u * quad;
  for (var j = 0u; j < 4u; j = j + 1u) {
    if (4u * quad + j < params.N) { C[at + j] = v[j]; }
  }
}`;
function batchStrides2(own, full2, matSize) {
  const st = stridesOf(own);
  const lead = full2.length - own.length;
  return full2.map((_, d) => d < lead || own[d - lead] === 1 ? 0 : st[d - lead] * matSize);
}
function narrowBlock(n) {
  return n <= 1 ? 1 : n <= 2 ? 2 : n <= 4 ? 4 : 8;
}
var matmulKernel2 = (gpu, [a, b], { transposeA: tA, transposeB: tB }, [meta]) => {
  const y = gpu.output(meta);
  const as = a.shape, bs = b.shape;
  const [M2, K] = tA ? [as.at(-1), as.at(-2)] : [as.at(-2), as.at(-1)];
  const N = tB ? bs.at(-2) : bs.at(-1);
  const bshape = broadcastShapes("matmul", as.slice(0, -2), bs.slice(0, -2));
  if (bshape.length > MAX_RANK) throw new SpikegradError(`matmul: more than ${MAX_RANK} batch axes`);
  const batch = sizeOf(bshape);
  if (y.size === 0) return [y];
  const common = {
    M: M2,
    N,
    K,
    batch,
    brank: bshape.length,
    // A stored [M,K] (or [K,M] when transposed), B stored [K,N] (or [N,K]).
    sAm: tA ? 1 : K,
    sAk: tA ? M2 : 1,
    sBk: tB ? 1 : N,
    sBn: tB ? K : 1,
    bshape,
    aBatch: batchStrides2(as.slice(0, -2), bshape, M2 * K),
    bBatch: batchStrides2(bs.slice(0, -2), bshape, K * N)
  };
  if (gpu.software && gpu.subgroupSize !== null && matmulTuning.laneTiled) {
    subgroupMatmul(gpu, a, b, tA, tB, { M: M2, N, K, bshape }, y);
    return [y];
  }
  const quads = Math.ceil(N / 4);
  const wg = quads >= 48 ? 64 : 16;
  const tiles = batch * Math.ceil(M2 / TILE_ROWS) * Math.ceil(quads / wg);
  const narrow = Math.min(M2, N) <= NARROW_MAX || tiles < MIN_TILES_LONG_K && K >= 4 * MIN_K_SLICE2;
  if (!narrow) {
    const vec4 = N % 4 === 0 && !tB;
    const p2 = cachedProgram(`matmulTiled|${vec4 ? "vec4" : "strided"}|${wg}`, () => ({
      params: PARAMS2,
      inputs: { A: "f32", B: vec4 ? "vec4<f32>" : "f32" },
      outputs: { C: vec4 ? "vec4<f32>" : "f32" },
      workgroupSize: wg,
      helpers: `const R: u32 = ${TILE_ROWS}u;
${BATCH_OFFSETS2}
${vec4 ? TILED_VEC4 : TILED_STRIDED}`,
      main: matmulTiled_default
    }));
    gpu.dispatch(p2, { inputs: [a, b], outputs: [y], params: common, workgroups: tiles });
    return [y];
  }
  const narrowN = N <= M2;
  const [W, narrowLen] = narrowN ? [M2, N] : [N, M2];
  const TB = narrowBlock(Math.min(narrowLen, NARROW_MAX));
  const NB = Math.ceil(narrowLen / TB);
  const base = batch * W * NB;
  let S2 = Math.max(1, Math.min(Math.ceil(NARROW_TARGET_INVOCATIONS / base), Math.floor(K / MIN_K_SLICE2)));
  const chunk = Math.max(1, Math.ceil(K / S2));
  S2 = Math.max(1, Math.ceil(K / chunk));
  const p = cachedProgram(`matmulNarrow|${narrowN ? "N" : "M"}|${TB}`, () => ({
    params: { n: "u32", W: "u32", NB: "u32", S: "u32", chunk: "u32", ...PARAMS2 },
    inputs: { A: "f32", B: "f32" },
    outputs: { C: "f32" },
    helpers: `const TB: u32 = ${TB}u;
const NARROW_N: bool = ${narrowN};
${BATCH_OFFSETS2}
${matmulNarrow_default}`,
    element: "  matmulNarrow(i);"
  }));
  const target = S2 === 1 ? y : gpu.scratch("float32", [S2, y.size]);
  gpu.dispatch(p, { inputs: [a, b], outputs: [target], params: { n: base * S2, W, NB, S: S2, chunk, ...common } });
  if (S2 > 1) reduceStrided(gpu, "sum", target, { shape: [y.size], strides: [1] }, { shape: [S2], strides: [y.size] }, y);
  return [y];
};

// kernels/matmul/linearWebgpu.ts
var addKernel = binaryKernel2("add");
var linearGpu = (gpu, [x2, w, b], _attrs, [meta]) => {
  const product2 = gpu.scratch(meta.dtype, meta.shape);
  const intoScratch = { ...gpu, output: () => product2 };
  matmulKernel2(intoScratch, [x2, w], { transposeA: false, transposeB: false }, [meta]);
  return addKernel(gpu, [product2, b], {}, [meta]);
};

// kernels/neuron/alifBackward.wgsl
var alifBackward_default = "// Reverse time for ALIF neuron j (CPU twin: alifRunGradKernel). gV, gA: gradients reaching V_t and a_t from\n// step t+1. A spike's slope is \u03C3/k in V and \u2212\u03B2\xB7\u03C3/k in a; the previous spike s' enters V' = V \u2212 K\xB7s' and\n// a' = a + s', so s\u0304' = \u2212K\xB7V\u0304' + \u0101' flows into both through u unless detached.\n// Params beyond LIF's backward: beta, decayA = 1 \u2212 coefA/\u03C4_a.\nfn alifBackward(j: u32) {\n  let n = params.n;\n  let last = params.steps - 1u;\n  var gV = 0.0;\n  var gA = 0.0;\n  var slope = surrogateGrad(surrogateArg(vs[last * n + j], params.beta * as_[last * n + j]));\n  for (var k = 0u; k < params.steps; k++) {\n    let t = last - k;\n    let o = t * n + j;\n    let g = cotS(o) * slope * params.invK;\n    let vbar = gV + g + cotV(o);\n    let abar = gA - params.beta * g + cotA(o);\n    dx[o] = params.gain * vbar;\n    var pv = v0[j];\n    var pa = a0[j];\n    if (t > 0u) { pv = vs[o - n]; pa = as_[o - n]; }\n    let sp = surrogateGrad(surrogateArg(pv, params.beta * pa));\n    slope = sp;\n    let vrbar = params.decay * vbar;\n    let arbar = params.decayA * abar;\n    if (params.detach == 1u) {\n      gV = vrbar;\n      gA = arbar;\n    } else {\n      var K = params.k;\n      if (params.soft == 0u) { K = pv - params.VReset; }\n      let gs = (-K * vrbar + arbar) * sp * params.invK;\n      gV = vrbar + gs;\n      gA = arbar - params.beta * gs;\n    }\n  }\n  dv0[j] = gV;\n  da0[j] = gA;\n}\n";

// kernels/neuron/alifForward.wgsl
var alifForward_default = "// ALIF: LIF plus the adaptation a (threshold V_th + \u03B2\xB7a); V and a stay in registers across T.\n// Params beyond LIF's: beta, tauA, coefA. Inputs x [T, n], v0 [n], a0 [n]; outputs spikes, vs, as_.\nfn alifForward(j: u32) {\n  let n = params.n;\n  var v = v0[j];\n  var a = a0[j];\n  var last = spikeOf(v, params.beta * a);\n  for (var t = 0u; t < params.steps; t++) {\n    let o = t * n + j;\n    v = integrate(v, last, x[o]);\n    var ar = a;\n    if (last) { ar = a + 1.0; }\n    a = ar + ((-ar) / params.tauA) * params.coefA;\n    vs[o] = v;\n    as_[o] = a;\n    last = spikeOf(v, params.beta * a);\n    spikes[o] = select(0.0, 1.0, last);\n  }\n}\n";

// kernels/neuron/lifBackward.wgsl
var lifBackward_default = "// Reverse time for neuron j (CPU twin: lifRunGradKernel). carry is the gradient reaching V_t from step t+1;\n// cotS/cotV return the spike and membrane cotangents (0 when absent); surrogateGrad is the spkFun's \u03C3'.\n// Params: decay = 1 \u2212 coef/\u03C4, gain = coef\xB7R/\u03C4, invK = 1/k, detach (u32).\nfn lifBackward(j: u32) {\n  let n = params.n;\n  let last = params.steps - 1u;\n  var carry = 0.0;\n  var slope = surrogateGrad(surrogateArg(vs[last * n + j], 0.0));\n  for (var k = 0u; k < params.steps; k++) {\n    let t = last - k;\n    let o = t * n + j;\n    let vbar = carry + cotS(o) * slope * params.invK + cotV(o);\n    dx[o] = params.gain * vbar;\n    var pv = v0[j];\n    if (t > 0u) { pv = vs[o - n]; }\n    let sp = surrogateGrad(surrogateArg(pv, 0.0));\n    slope = sp;\n    let vrbar = params.decay * vbar;\n    if (params.detach == 1u) {\n      carry = vrbar;\n    } else if (params.soft == 1u) {\n      carry = vrbar * (1.0 - sp);\n    } else {\n      carry = vrbar * (1.0 - (pv - params.VReset) * sp * params.invK);\n    }\n  }\n  dv0[j] = carry;\n}\n";

// kernels/neuron/lifCommon.wgsl
var lifCommon_default = "// Shared by the LIF and ALIF kernels (kernels/neuron/webgpu.ts). The float order is SPEC \xA71's, as in the\n// CPU twin (kernels/neuron/cpu.ts). Params: VTh, VReset, VRest, R, tau, coef, k (all f32), soft (u32).\n\n// H(((V \u2212 V_th) \u2212 shift) / k): the spike decision, u >= 0 (so u = \u22120 spikes, like the CPU twin).\nfn spikeOf(v: f32, shift: f32) -> bool {\n  return ((v - params.VTh) - shift) / params.k >= 0.0;\n}\n\n// u = ((V \u2212 V_th) \u2212 shift) / k, the argument of the surrogate.\nfn surrogateArg(v: f32, shift: f32) -> f32 {\n  return ((v - params.VTh) - shift) / params.k;\n}\n\n// Reset by the previous spike (soft: V \u2212 k, hard: V \u2212 (V \u2212 V_reset)), then one exponential-Euler step.\nfn integrate(pv: f32, spiked: bool, current: f32) -> f32 {\n  var vr = pv;\n  if (spiked) {\n    if (params.soft == 1u) { vr = pv - params.k; } else { vr = pv - (pv - params.VReset); }\n  }\n  let num = (-vr + params.VRest) + params.R * current;\n  return vr + (num / params.tau) * params.coef;\n}\n";

// kernels/neuron/lifForward.wgsl
var lifForward_default = "// One invocation per neuron and batch element j < params.n: the whole time loop with V in a register.\n// Writes the spikes and V after each step (what the backward pass needs); inputs x [T, n], v0 [n].\nfn lifForward(j: u32) {\n  let n = params.n;\n  var v = v0[j];\n  var last = spikeOf(v, 0.0); // the spike of V_t is step t's output and step t+1's reset\n  for (var t = 0u; t < params.steps; t++) {\n    let o = t * n + j;\n    v = integrate(v, last, x[o]);\n    vs[o] = v;\n    last = spikeOf(v, 0.0);\n    spikes[o] = select(0.0, 1.0, last);\n  }\n}\n";

// kernels/neuron/webgpu.ts
var LIF_PARAMS = {
  n: "u32",
  steps: "u32",
  VTh: "f32",
  VReset: "f32",
  VRest: "f32",
  R: "f32",
  tau: "f32",
  coef: "f32",
  k: "f32",
  soft: "u32"
};
var GRAD_PARAMS = { decay: "f32", gain: "f32", invK: "f32", detach: "u32" };
var ALIF_PARAMS = { beta: "f32", tauA: "f32", coefA: "f32", decayA: "f32" };
function lifParams(a, n, steps) {
  return {
    n,
    steps,
    VTh: a.VTh,
    VReset: a.VReset,
    VRest: a.VRest,
    R: a.R,
    tau: a.tau,
    coef: a.coef,
    k: a.k,
    soft: a.reset === "soft" ? 1 : 0,
    // Backward factors in float64, rounded once into the uniform.
    decay: 1 - a.coef / a.tau,
    gain: a.coef * a.R / a.tau,
    invK: 1 / a.k,
    detach: a.detachReset ? 1 : 0
  };
}
function cotangent(name, buffer) {
  return `fn ${name}(o: u32) -> f32 { return ${buffer ? `${buffer}[o]` : "0.0"}; }`;
}
var lifRunGpu = (gpu, [x2, v0], a, outs) => {
  const p = cachedProgram("lifRun", () => ({
    params: LIF_PARAMS,
    inputs: { x: "f32", v0: "f32" },
    outputs: { spikes: "f32", vs: "f32" },
    helpers: `${lifCommon_default}
${lifForward_default}`,
    element: "lifForward(i);"
  }));
  const spikes2 = gpu.output(outs[0]), vs = gpu.output(outs[1]);
  gpu.dispatch(p, { inputs: [x2, v0], outputs: [spikes2, vs], params: lifParams(a, v0.size, x2.shape[0]) });
  return [spikes2, vs];
};
var lifRunGradGpu = (gpu, ins, a, outs) => {
  const [v0, vs] = [ins[0], ins[1]];
  const cots = [a.hasDS ? "dS" : null, a.hasDV ? "dV" : null];
  const p = cachedProgram(`lifRunGrad|${a.spkFun.key}|${cots.map((c) => c ?? "-").join(",")}`, () => ({
    params: { ...LIF_PARAMS, ...GRAD_PARAMS },
    inputs: { v0: "f32", vs: "f32", ...Object.fromEntries(cots.filter((c) => c).map((c) => [c, "f32"])) },
    outputs: { dx: "f32", dv0: "f32" },
    helpers: [a.spkFun.wgslGrad("surrogateGrad"), cotangent("cotS", cots[0]), cotangent("cotV", cots[1]), lifCommon_default, lifBackward_default].join("\n"),
    element: "lifBackward(i);"
  }));
  const dx = gpu.output(outs[0]), dv0 = gpu.output(outs[1]);
  gpu.dispatch(p, { inputs: ins, outputs: [dx, dv0], params: lifParams(a, v0.size, vs.shape[0]) });
  return [dx, dv0];
};
function alifParams(a, n, steps) {
  return { ...lifParams(a, n, steps), beta: a.beta, tauA: a.tauA, coefA: a.coefA, decayA: 1 - a.coefA / a.tauA };
}
var alifRunGpu = (gpu, [x2, v0, a0], a, outs) => {
  const p = cachedProgram("alifRun", () => ({
    params: { ...LIF_PARAMS, ...ALIF_PARAMS },
    inputs: { x: "f32", v0: "f32", a0: "f32" },
    outputs: { spikes: "f32", vs: "f32", as_: "f32" },
    helpers: `${lifCommon_default}
${alifForward_default}`,
    element: "alifForward(i);"
  }));
  const res = outs.map((o) => gpu.output(o));
  gpu.dispatch(p, { inputs: [x2, v0, a0], outputs: res, params: alifParams(a, v0.size, x2.shape[0]) });
  return res;
};
var alifRunGradGpu = (gpu, ins, a, outs) => {
  const [v0, vs] = [ins[0], ins[2]];
  const cots = [a.hasDS ? "dS" : null, a.hasDV ? "dV" : null, a.hasDA ? "dA" : null];
  const p = cachedProgram(`alifRunGrad|${a.spkFun.key}|${cots.map((c) => c ?? "-").join(",")}`, () => ({
    params: { ...LIF_PARAMS, ...GRAD_PARAMS, ...ALIF_PARAMS },
    inputs: { v0: "f32", a0: "f32", vs: "f32", as_: "f32", ...Object.fromEntries(cots.filter((c) => c).map((c) => [c, "f32"])) },
    outputs: { dx: "f32", dv0: "f32", da0: "f32" },
    helpers: [
      a.spkFun.wgslGrad("surrogateGrad"),
      cotangent("cotS", cots[0]),
      cotangent("cotV", cots[1]),
      cotangent("cotA", cots[2]),
      lifCommon_default,
      alifBackward_default
    ].join("\n"),
    element: "alifBackward(i);"
  }));
  const res = outs.map((o) => gpu.output(o));
  gpu.dispatch(p, { inputs: ins, outputs: res, params: alifParams(a, v0.size, vs.shape[0]) });
  return res;
};

// kernels/synapse/decayBackward.wgsl
var decayBackward_default = "// Backward of g_t = decay\xB7g_{t\u22121} + x_t for element j: dx_t = \u1E21_t = dG_t + decay\xB7\u1E21_{t+1}, dg0 = decay\xB7\u1E21_1.\nfn decayBackward(j: u32) {\n  let n = params.n;\n  var carry = 0.0;\n  for (var k = 0u; k < params.steps; k++) {\n    let o = (params.steps - 1u - k) * n + j;\n    let gb = dG[o] + carry;\n    dx[o] = gb;\n    carry = params.decay * gb;\n  }\n  dg0[j] = carry;\n}\n";

// kernels/synapse/dualExponBackward.wgsl
var dualExponBackward_default = "// Reverse time for element j: \u1E21r_t = \u2212amp\xB7dOut_t + decayRise\xB7\u1E21r_{t+1}, \u1E21d_t = amp\xB7dOut_t + decayDecay\xB7\u1E21d_{t+1},\n// dx_t = \u1E21r_t + \u1E21d_t. cotRise/cotDecay give the final states' gradients (0 when absent).\nfn dualExponBackward(j: u32) {\n  let n = params.n;\n  var cr = cotRise(j);\n  var cd = cotDecay(j);\n  for (var k = 0u; k < params.steps; k++) {\n    let o = (params.steps - 1u - k) * n + j;\n    let g = params.amp * dOut[o];\n    let br = cr - g;\n    let bd = cd + g;\n    dx[o] = br + bd;\n    cr = params.decayRise * br;\n    cd = params.decayDecay * bd;\n  }\n  dr0[j] = cr;\n  dd0[j] = cd;\n}\n";

// kernels/synapse/dualExponForward.wgsl
var dualExponForward_default = "// g_rise and g_decay decay (exp-Euler), both receive x, out = amp\xB7(g_decay \u2212 g_rise) (CPU twin\n// dualExponRunKernel). The final states are written once at the end.\nfn dualExponForward(j: u32) {\n  let n = params.n;\n  var gr = r0[j];\n  var gd = d0[j];\n  for (var t = 0u; t < params.steps; t++) {\n    let o = t * n + j;\n    let xi = x[o];\n    gr = (gr + ((-gr) / params.tauRise) * params.coefRise) + xi;\n    gd = (gd + ((-gd) / params.tauDecay) * params.coefDecay) + xi;\n    ys[o] = params.amp * (gd - gr);\n  }\n  rT[j] = gr;\n  dT[j] = gd;\n}\n";

// kernels/synapse/exponForward.wgsl
var exponForward_default = "// One invocation per element j < params.n: g \u2190 g + coef\xB7((\u2212g)/\u03C4), then g \u2190 g + x (SPEC \xA72; CPU twin\n// exponRunKernel). Writes g after every step (the output).\nfn exponForward(j: u32) {\n  let n = params.n;\n  var g = g0[j];\n  for (var t = 0u; t < params.steps; t++) {\n    let o = t * n + j;\n    g = g + ((-g) / params.tau) * params.coef;\n    g = g + x[o];\n    gs[o] = g;\n  }\n}\n";

// kernels/synapse/leakyForward.wgsl
var leakyForward_default = "// r \u2190 decay\xB7r + x for element j (LeakyRateReadout's integrator; CPU twin leakyRunKernel).\nfn leakyForward(j: u32) {\n  let n = params.n;\n  var r = r0[j];\n  for (var t = 0u; t < params.steps; t++) {\n    let o = t * n + j;\n    r = params.decay * r + x[o];\n    rs[o] = r;\n  }\n}\n";

// kernels/synapse/webgpu.ts
var exponRunGpu = (gpu, [x2, g0], a, [out]) => {
  const p = cachedProgram("exponRun", () => ({
    params: { n: "u32", steps: "u32", tau: "f32", coef: "f32" },
    inputs: { x: "f32", g0: "f32" },
    outputs: { gs: "f32" },
    helpers: exponForward_default,
    element: "exponForward(i);"
  }));
  const gs = gpu.output(out);
  gpu.dispatch(p, { inputs: [x2, g0], outputs: [gs], params: { n: g0.size, steps: x2.shape[0], tau: a.tau, coef: a.coef } });
  return [gs];
};
var leakyRunGpu = (gpu, [x2, r0], a, [out]) => {
  const p = cachedProgram("leakyRun", () => ({
    params: { n: "u32", steps: "u32", decay: "f32" },
    inputs: { x: "f32", r0: "f32" },
    outputs: { rs: "f32" },
    helpers: leakyForward_default,
    element: "leakyForward(i);"
  }));
  const rs = gpu.output(out);
  gpu.dispatch(p, { inputs: [x2, r0], outputs: [rs], params: { n: r0.size, steps: x2.shape[0], decay: a.decay } });
  return [rs];
};
var decayRunGradGpu = (gpu, [dG], a, outs) => {
  const p = cachedProgram("decayRunGrad", () => ({
    params: { n: "u32", steps: "u32", decay: "f32" },
    inputs: { dG: "f32" },
    outputs: { dx: "f32", dg0: "f32" },
    helpers: decayBackward_default,
    element: "decayBackward(i);"
  }));
  const [dx, dg0] = [gpu.output(outs[0]), gpu.output(outs[1])];
  const T2 = dG.shape[0];
  gpu.dispatch(p, { inputs: [dG], outputs: [dx, dg0], params: { n: dG.size / T2, steps: T2, decay: a.decay } });
  return [dx, dg0];
};
var DUAL_PARAMS = { n: "u32", steps: "u32", tauRise: "f32", coefRise: "f32", tauDecay: "f32", coefDecay: "f32", amp: "f32" };
var dualExponRunGpu = (gpu, [x2, r0, d0], a, outs) => {
  const p = cachedProgram("dualExponRun", () => ({
    params: DUAL_PARAMS,
    inputs: { x: "f32", r0: "f32", d0: "f32" },
    outputs: { ys: "f32", rT: "f32", dT: "f32" },
    helpers: dualExponForward_default,
    element: "dualExponForward(i);"
  }));
  const res = outs.map((o) => gpu.output(o));
  gpu.dispatch(p, { inputs: [x2, r0, d0], outputs: res, params: { n: r0.size, steps: x2.shape[0], ...a } });
  return res;
};
var dualExponRunGradGpu = (gpu, ins, a, outs) => {
  const dOut = ins[0];
  const key = `dualExponRunGrad|${a.hasDRise ? "R" : "-"}${a.hasDDecay ? "D" : "-"}`;
  const p = cachedProgram(key, () => ({
    params: { ...DUAL_PARAMS, decayRise: "f32", decayDecay: "f32" },
    inputs: { dOut: "f32", ...a.hasDRise ? { dRise: "f32" } : {}, ...a.hasDDecay ? { dDecay: "f32" } : {} },
    outputs: { dx: "f32", dr0: "f32", dd0: "f32" },
    helpers: [
      `fn cotRise(j: u32) -> f32 { return ${a.hasDRise ? "dRise[j]" : "0.0"}; }`,
      `fn cotDecay(j: u32) -> f32 { return ${a.hasDDecay ? "dDecay[j]" : "0.0"}; }`,
      dualExponBackward_default
    ].join("\n"),
    element: "dualExponBackward(i);"
  }));
  const res = outs.map((o) => gpu.output(o));
  const T2 = dOut.shape[0];
  const params = {
    n: dOut.size / T2,
    steps: T2,
    tauRise: a.tauRise,
    coefRise: a.coefRise,
    tauDecay: a.tauDecay,
    coefDecay: a.coefDecay,
    amp: a.amp,
    decayRise: 1 - a.coefRise / a.tauRise,
    decayDecay: 1 - a.coefDecay / a.tauDecay
  };
  gpu.dispatch(p, { inputs: ins, outputs: res, params });
  return res;
};

// kernels/movement/webgpu.ts
init_shape();
init_errors();
function copyStrided(gpu, x2, out, strides, offset = 0) {
  const type = storageType(x2.dtype);
  mapElements(gpu, { name: "copy", expr: "a", operands: [{ tensor: x2, type, strides, offset }], out, outType: type });
}
var permuteKernel2 = (gpu, [x2], { perm }, [meta]) => {
  const y = gpu.output(meta);
  const st = stridesOf(x2.shape);
  copyStrided(gpu, x2, y, perm.map((p) => st[p]));
  return [y];
};
var broadcastToKernel2 = (gpu, [x2], { shape }, [meta]) => {
  const y = gpu.output(meta);
  copyStrided(gpu, x2, y, broadcastStrides(x2.shape, shape));
  return [y];
};
var sliceKernel2 = (gpu, [x2], { begin }, [meta]) => {
  const y = gpu.output(meta);
  const st = stridesOf(x2.shape);
  copyStrided(gpu, x2, y, st, begin.reduce((p, b, i) => p + b * st[i], 0));
  return [y];
};
var padKernel2 = (gpu, [x2], { before }, [meta]) => {
  const y = gpu.output(meta);
  const T2 = storageType(x2.dtype);
  const r = meta.shape.length;
  if (r > MAX_RANK) throw new SpikegradError(`pad: rank ${r} exceeds the WebGPU limit of ${MAX_RANK}`);
  const p = cachedProgram(`pad|${T2}|r${r}`, () => {
    const body = ["  var rem = i;", "  var src = 0u;", "  var inside = true;"];
    for (let d = r - 1; d >= 0; d--) {
      body.push(
        `  { let q = ${d === 0 ? "rem" : `rem % ${dimAt("params.outShape", d)}`};`,
        `    let c = q - ${dimAt("params.before", d)};`,
        `    inside = inside && c < ${dimAt("params.inShape", d)};`,
        `    src += c * ${dimAt("params.inStride", d)};`,
        d === 0 ? "  }" : `    rem = rem / ${dimAt("params.outShape", d)}; }`
      );
    }
    body.push(`  if (inside) { y[i] = x[src]; } else { y[i] = ${T2}(0); }`);
    return {
      params: { n: "u32", outShape: "dims", inShape: "dims", inStride: "dims", before: "dims" },
      inputs: { x: T2 },
      outputs: { y: T2 },
      element: body.join("\n")
    };
  });
  gpu.dispatch(p, {
    inputs: [x2],
    outputs: [y],
    params: { n: y.size, outShape: meta.shape, inShape: x2.shape, inStride: stridesOf(x2.shape), before }
  });
  return [y];
};
var concatKernel2 = (gpu, ins, { axis }, [meta]) => {
  const y = gpu.output(meta);
  const r = meta.shape.length;
  const ax = axis < 0 ? axis + r : axis;
  const T2 = storageType(meta.dtype);
  const tail = sizeOf(meta.shape.slice(ax + 1));
  const rowOut = meta.shape[ax] * tail;
  const p = cachedProgram(`concatBlock|${T2}`, () => ({
    params: { n: "u32", rowIn: "u32", rowOut: "u32", col: "u32" },
    inputs: { x: T2 },
    outputs: { y: T2 },
    element: "  y[(i / params.rowIn) * params.rowOut + params.col + i % params.rowIn] = x[i];"
  }));
  let col = 0;
  for (const t of ins) {
    const rowIn = t.shape[ax] * tail;
    gpu.dispatch(p, { inputs: [t], outputs: [y], params: { n: t.size, rowIn, rowOut, col } });
    col += rowIn;
  }
  return [y];
};
var gatherKernel2 = (gpu, [x2, idx], { axis }, [meta]) => {
  const y = gpu.output(meta);
  const xs = x2.shape;
  const ax = axis < 0 ? axis + xs.length : axis;
  const T2 = storageType(x2.dtype);
  const p = cachedProgram(`gather|${T2}`, () => ({
    params: { n: "u32", post: "u32", m: "u32", len: "u32" },
    inputs: { x: T2, idx: "i32" },
    outputs: { y: T2 },
    element: [
      "  let q = i % params.post;",
      "  let t = i / params.post;",
      "  let j = idx[t % params.m];",
      `  if (j >= 0 && u32(j) < params.len) { y[i] = x[((t / params.m) * params.len + u32(j)) * params.post + q]; } else { y[i] = ${T2}(0); }`
    ].join("\n")
  }));
  gpu.dispatch(p, { inputs: [x2, idx], outputs: [y], params: { n: y.size, post: sizeOf(xs.slice(ax + 1)), m: idx.size, len: xs[ax] } });
  return [y];
};
var oneHotKernel2 = (gpu, [idx], { depth }, [meta]) => {
  const y = gpu.output(meta);
  const p = cachedProgram("oneHot", () => ({
    params: { n: "u32", depth: "u32" },
    inputs: { idx: "i32" },
    outputs: { y: "f32" },
    element: "  y[i] = select(0.0, 1.0, idx[i / params.depth] == i32(i % params.depth));"
  }));
  gpu.dispatch(p, { inputs: [idx], outputs: [y], params: { n: y.size, depth } });
  return [y];
};

// kernels/optim/adam.wgsl
var adam_default = "// Adam, in place (twin: kernels/optim/cpu.ts adamUpdateKernel; optax scale_by_adam, SPEC \xA76): bias-corrected\n// moments, eps outside the square root. c1 = 1 - beta1^step and c2 = 1 - beta2^step come from the host in\n// float64. Coupled weight decay adds wd\xB7p to the gradient; decoupled (AdamW) adds it to the update.\n\nfn adamStep(i: u32) {\n  let pi = p[i];\n  let gi = select(g[i] + params.weightDecay * pi, g[i], params.decoupled != 0u);\n  let m = (1.0 - params.beta1) * gi + params.beta1 * mu[i];\n  let v = (1.0 - params.beta2) * gi * gi + params.beta2 * nu[i];\n  mu[i] = m;\n  nu[i] = v;\n  var u = (m / params.c1) / (sqrt(v / params.c2) + params.eps);\n  if (params.decoupled != 0u) { u = u + params.weightDecay * pi; }\n  p[i] = pi - params.lr * u;\n}\n";

// kernels/optim/webgpu.ts
var adamUpdateKernel2 = (gpu, [p, mu, nu], [g], a) => {
  const prog = cachedProgram("adam", () => ({
    params: { n: "u32", lr: "f32", beta1: "f32", beta2: "f32", eps: "f32", c1: "f32", c2: "f32", weightDecay: "f32", decoupled: "u32" },
    inputs: { g: "f32" },
    outputs: { p: "f32", mu: "f32", nu: "f32" },
    helpers: adam_default,
    element: "  adamStep(i);"
  }));
  gpu.dispatch(prog, {
    inputs: [g],
    outputs: [p, mu, nu],
    params: {
      n: p.size,
      lr: a.lr,
      beta1: a.beta1,
      beta2: a.beta2,
      eps: a.eps,
      weightDecay: a.weightDecay,
      decoupled: a.decoupled ? 1 : 0,
      c1: 1 - Math.pow(a.beta1, a.step),
      c2: 1 - Math.pow(a.beta2, a.step)
    }
  });
};
var sgdUpdateKernel2 = (gpu, targets, [g], a) => {
  const withTrace = targets.length > 1 && a.momentum !== 0;
  const prog = cachedProgram(`sgd|${withTrace ? "momentum" : "plain"}`, () => ({
    params: { n: "u32", lr: "f32", momentum: "f32", nesterov: "u32", weightDecay: "f32" },
    inputs: { g: "f32" },
    outputs: withTrace ? { p: "f32", trace: "f32" } : { p: "f32" },
    element: [
      "  let gi = g[i] + params.weightDecay * p[i];",
      ...withTrace ? ["  let t = gi + params.momentum * trace[i];", "  trace[i] = t;", "  let u = select(t, gi + params.momentum * t, params.nesterov != 0u);"] : ["  let u = gi;"],
      "  p[i] = p[i] - params.lr * u;"
    ].join("\n")
  }));
  gpu.dispatch(prog, {
    inputs: [g],
    outputs: withTrace ? [targets[0], targets[1]] : [targets[0]],
    params: { n: targets[0].size, lr: a.lr, momentum: a.momentum, nesterov: a.nesterov ? 1 : 0, weightDecay: a.weightDecay }
  });
};

// kernels/spike/webgpu.ts
var spikeKernel2 = (gpu, [x2], _a, [meta]) => {
  const y = gpu.output(meta);
  const p = cachedProgram("spike", () => ({
    params: { n: "u32" },
    inputs: { x: "f32" },
    outputs: { y: "f32" },
    element: "  y[i] = select(0.0, 1.0, x[i] >= 0.0);"
  }));
  gpu.dispatch(p, { inputs: [x2], outputs: [y], params: { n: x2.size } });
  return [y];
};
var BODY = {
  spikeGrad: "  y[i] = dy[i] * surrogate(x[i]);",
  surrogateGrad: "  y[i] = surrogate(x[i]);",
  surrogateFun: "  y[i] = surrogate(x[i]);"
};
function surrogateMap(kind, gpu, ins, s2, meta) {
  const y = gpu.output(meta);
  const inputs = kind === "spikeGrad" ? { x: "f32", dy: "f32" } : { x: "f32" };
  const p = cachedProgram(`${kind}:${s2.key}`, () => ({
    params: { n: "u32" },
    inputs,
    outputs: { y: "f32" },
    helpers: kind === "surrogateFun" ? s2.wgslFun("surrogate") : s2.wgslGrad("surrogate"),
    element: BODY[kind]
  }));
  gpu.dispatch(p, { inputs: ins, outputs: [y], params: { n: ins[0].size } });
  return [y];
}
var spikeGradKernel2 = (gpu, ins, { surrogate }, [meta]) => surrogateMap("spikeGrad", gpu, ins, surrogate, meta);
var surrogateGradKernel2 = (gpu, ins, { surrogate }, [meta]) => surrogateMap("surrogateGrad", gpu, ins, surrogate, meta);
var surrogateFunKernel2 = (gpu, ins, { surrogate }, [meta]) => surrogateMap("surrogateFun", gpu, ins, surrogate, meta);

// kernels/webgpu/registry.ts
var elementwise2 = {
  ...Object.fromEntries(UNARY_OPS.map((op2) => [op2, unaryKernel2(op2)])),
  ...Object.fromEntries(BINARY_OPS.map((op2) => [op2, binaryKernel2(op2)]))
};
var WEBGPU_KERNELS = {
  ...elementwise2,
  powScalar: powScalarKernel2,
  cast: castKernel2,
  where: whereKernel2,
  fill: fillKernel2,
  sum: sumKernel2,
  max: maxKernel2,
  min: minKernel2,
  argmax: argmaxKernel2,
  permute: permuteKernel2,
  broadcastTo: broadcastToKernel2,
  slice: sliceKernel2,
  pad: padKernel2,
  concat: concatKernel2,
  gather: gatherKernel2,
  oneHot: oneHotKernel2,
  matmul: matmulKernel2,
  linear: linearGpu,
  softmaxCrossEntropy: softmaxCrossEntropyKernel2,
  softmaxCrossEntropyGrad: softmaxCrossEntropyGradKernel2,
  spike: spikeKernel2,
  spikeGrad: spikeGradKernel2,
  surrogateGrad: surrogateGradKernel2,
  surrogateFun: surrogateFunKernel2,
  lifRun: lifRunGpu,
  lifRunGrad: lifRunGradGpu,
  alifRun: alifRunGpu,
  alifRunGrad: alifRunGradGpu,
  exponRun: exponRunGpu,
  leakyRun: leakyRunGpu,
  decayRunGrad: decayRunGradGpu,
  dualExponRun: dualExponRunGpu,
  dualExponRunGrad: dualExponRunGradGpu
};
var WEBGPU_UPDATES = {
  adam: adamUpdateKernel2,
  sgd: sgdUpdateKernel2
};

// kernels/webgpu/backend.ts
var MIN_POOL_CAP = 256 * 1024 * 1024;
var WebGpuBackend = class _WebGpuBackend {
  name = "webgpu";
  description;
  supportsFloat64 = false;
  counters = { ops: 0, dispatches: 0, submits: 0, readbacks: 0 };
  device;
  adapter;
  #pool;
  #pipelines;
  #batch;
  #maxBinding;
  #maxPerDim;
  #bytesInUse = 0;
  #peak = 0;
  #live = 0;
  #lost = null;
  #closed = false;
  #error = null;
  #scratch = [];
  #ctx;
  /** Opens the process's device; throws a SpikegradError saying why when there is none. */
  static async create(opts = {}) {
    const d = await openDevice();
    if ("unavailable" in d) throw new SpikegradError(`setBackend('webgpu'): ${d.unavailable}`);
    return new _WebGpuBackend(d.device, d.adapter, opts);
  }
  constructor(device, adapter, opts = {}) {
    this.device = device;
    this.adapter = adapter;
    this.description = `WebGPU: ${adapterName(adapter)}${adapter.software ? " (software adapter)" : ""}`;
    this.#pool = new BufferPool(device);
    this.#batch = new CommandBatch(device, this.#pool, this.counters, opts.submitEvery ?? SUBMIT_EVERY);
    this.#batch.afterSubmit = () => this.#pool.trim(Math.max(MIN_POOL_CAP, this.#peak));
    this.#maxBinding = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    this.#maxPerDim = device.limits.maxComputeWorkgroupsPerDimension;
    this.#pipelines = new PipelineCache(device, this.#batch.arena, (msg) => {
      if (!this.#error?.includes("failed to compile")) this.#error = msg;
    });
    this.#pool.onDestroy = () => this.#pipelines.forgetBindGroups();
    void device.lost.then((info) => {
      if (!this.#closed) this.#lost = `${info.reason}${info.message ? `: ${info.message}` : ""}`;
    });
    device.onuncapturederror = (ev) => {
      this.#error ??= `webgpu device error: ${ev.error.message}`;
    };
    this.#ctx = {
      output: (meta) => this.#tensorStorage(meta.dtype, meta.shape, "output"),
      scratch: (dtype, shape) => {
        const t = this.#tensorStorage(dtype, shape, "scratch");
        this.#scratch.push(t.dataId);
        return t;
      },
      dispatch: (p, args) => this.#dispatch(p, args),
      maxWorkgroupStorageBytes: device.limits.maxComputeWorkgroupStorageSize,
      subgroupSize: device.features.has("subgroups") && adapter.subgroupMinSize > 0 && adapter.subgroupMinSize === adapter.subgroupMaxSize ? adapter.subgroupMinSize : null,
      software: adapter.software
    };
  }
  /** Throws if the backend cannot run work any more (shut down, device lost). */
  #check(what) {
    if (this.#closed) throw new SpikegradError(`${what}: the WebGPU backend was shut down; call setBackend('webgpu') for a new one (tensors of the old one are gone)`);
    if (this.#lost) {
      throw new SpikegradError(`${what}: the WebGPU device was lost (${this.#lost}); its tensors are gone. Call shutdown() and setBackend('webgpu') to continue on a new device`);
    }
  }
  /**
   * Awaits a Dawn promise. On a software adapter the wait must not spin the core the adapter computes on
   * (quietWait.ts); on a GPU the spin costs nothing the device needs, and a timer would add latency.
   */
  #wait(dawnCall) {
    return this.adapter.software ? quietly(dawnCall) : dawnCall();
  }
  /** Reports (once) an error the device raised since the last report: a failed compile or a rejected command. */
  async #throwDeviceError() {
    await this.#pipelines.settled();
    const e = this.#error;
    this.#error = null;
    if (e) throw new SpikegradError(e);
  }
  #tensorStorage(dtype, shape, what) {
    const size = sizeOf(shape);
    const bytes = size * 4;
    if (bytes > this.#maxBinding) {
      throw new SpikegradError(
        `${what}: a ${dtype} tensor ${fmtShape(shape)} needs ${bytes} bytes, more than this device allows in one buffer (${this.#maxBinding} bytes); split the work or use the CPU backend`
      );
    }
    const s2 = { buf: this.#pool.acquire(bytes, STORAGE_USAGE), refs: 1 };
    this.#bytesInUse += s2.buf.size;
    this.#live++;
    if (this.#bytesInUse > this.#peak) this.#peak = this.#bytesInUse;
    return { dataId: s2, shape, dtype, size };
  }
  upload(values, dtype) {
    this.#check("upload");
    const t = this.#tensorStorage(dtype, [values.length], "upload");
    if (values.length > 0) {
      const data = dtype === "bool" ? Uint32Array.from(values) : dtype === "int32" ? values instanceof Int32Array ? values : Int32Array.from(values) : values instanceof Float32Array ? values : Float32Array.from(values);
      this.device.queue.writeBuffer(t.dataId.buf.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
    }
    return t.dataId;
  }
  async read(id, dtype, size) {
    this.#check("read");
    if (size === 0) return allocArray(dtype, 0);
    const bytes = size * 4;
    const staging = this.#pool.acquire(bytes, STAGING_USAGE);
    this.#batch.flush((enc) => enc.copyBufferToBuffer(id.buf.buffer, 0, staging.buffer, 0, bytes));
    this.counters.readbacks++;
    let raw;
    try {
      await this.#wait(() => staging.buffer.mapAsync(1, 0, bytes));
      raw = staging.buffer.getMappedRange(0, bytes).slice(0);
      staging.buffer.unmap();
      this.#pool.release(staging);
    } catch (e) {
      this.#check("read");
      throw new SpikegradError(`read: mapping the staging buffer failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    await this.#throwDeviceError();
    if (dtype === "bool") return Uint8Array.from(new Uint32Array(raw));
    return dtype === "int32" ? new Int32Array(raw) : new Float32Array(raw);
  }
  incRef(id) {
    id.refs++;
  }
  release(id) {
    const s2 = id;
    if (s2.refs <= 0 || --s2.refs > 0) return;
    this.#bytesInUse -= s2.buf.size;
    this.#live--;
    if (!this.#closed) this.#batch.release(s2.buf);
  }
  run(op2, inputs, attrs, outs) {
    this.#check(op2);
    const kernel = WEBGPU_KERNELS[op2];
    if (!kernel) throw new SpikegradError(`webgpu backend: no kernel for op '${op2}'`);
    for (const o of outs) this.#checkSize(op2, o.dtype, o.shape);
    const results = this.#withScratch(() => kernel(this.#ctx, inputs, attrs, outs));
    return results.map((r) => r.dataId);
  }
  update(kernel, targets, inputs, attrs) {
    this.#check(kernel);
    for (const t of targets) {
      if (inputs.some((i) => i.dataId === t.dataId)) throw new SpikegradError(`${kernel}: an input shares storage with a tensor it updates in place`);
    }
    this.#withScratch(() => WEBGPU_UPDATES[kernel](this.#ctx, targets, inputs, attrs));
  }
  /**
   * Runs one program outside the op table (prototyping a kernel, tests): allocates `outputs`, dispatches,
   * and returns their storage, to wrap as tensors with `new Tensor(backend, info.dataId, info.shape, info.dtype)`.
   */
  runProgram(p, args) {
    this.#check(p.key);
    for (const o of args.outputs) this.#checkSize(p.key, o.dtype, o.shape);
    const outs = args.outputs.map((o) => this.#ctx.output(o));
    this.#dispatch(p, { inputs: args.inputs, outputs: outs, params: args.params, ...args.workgroups !== void 0 ? { workgroups: args.workgroups } : {} });
    return outs;
  }
  #checkSize(op2, dtype, shape) {
    const bytes = sizeOf(shape) * 4;
    if (bytes > this.#maxBinding) {
      throw new SpikegradError(
        `${op2}: output ${dtype} ${fmtShape(shape)} needs ${bytes} bytes, more than this device allows in one buffer (maxStorageBufferBindingSize ${this.#maxBinding} bytes); split the work or use the CPU backend`
      );
    }
  }
  #withScratch(fn) {
    const outer = this.#scratch;
    this.#scratch = [];
    try {
      return fn();
    } finally {
      for (const s2 of this.#scratch) this.release(s2);
      this.#scratch = outer;
    }
  }
  #dispatch(p, args) {
    const count = p.spec.element !== void 0 ? Math.ceil(args.params.n / p.workgroupSize) : args.workgroups ?? 0;
    if (args.inputs.length !== p.inputNames.length || args.outputs.length !== p.outputNames.length) {
      throw new SpikegradError(`program '${p.key}': expected ${p.inputNames.length} inputs and ${p.outputNames.length} outputs, got ${args.inputs.length} and ${args.outputs.length}`);
    }
    if (count === 0) return;
    const [x2, y] = splitWorkgroups(count, this.#maxPerDim);
    const offset = this.#batch.reserve(p.paramBytes);
    packParams(p, args.params, this.#batch.params, offset);
    const { pipeline, bindGroup } = this.#pipelines.get(p, [...args.inputs, ...args.outputs].map((t) => t.dataId.buf));
    this.#batch.dispatch(pipeline, bindGroup, offset, x2, y);
  }
  /** Dispatches per command-buffer submit (bench/dispatch.ts sweeps it). */
  get submitEvery() {
    return this.#batch.submitEvery;
  }
  set submitEvery(n) {
    if (!Number.isInteger(n) || n < 1) throw new SpikegradError(`submitEvery: expected a positive integer, got ${n}`);
    this.flush();
    this.#batch.submitEvery = n;
  }
  /** Submits the open batch of dispatches, if any. */
  flush() {
    this.#batch.flush();
  }
  memory() {
    return {
      bytesInUse: this.#bytesInUse,
      liveBuffers: this.#live,
      bytesAllocated: this.#pool.allocatedBytes + ARENA_BYTES,
      peakBytesInUse: this.#peak
    };
  }
  resetPeak() {
    this.#peak = this.#bytesInUse;
  }
  /** Runtime statistics beyond MemoryInfo: compiled pipelines, pooled buffers. */
  stats() {
    return { pipelines: this.#pipelines.size, pooledBuffers: this.#pool.bufferCount, pooledFreeBytes: this.#pool.freeBytes };
  }
  async sync() {
    this.#check("sync");
    this.flush();
    await this.#wait(() => this.device.queue.onSubmittedWorkDone());
    this.#check("sync");
    await this.#throwDeviceError();
  }
  async shutdown() {
    if (this.#closed) return;
    if (!this.#lost) {
      this.flush();
      await this.device.queue.onSubmittedWorkDone().catch(() => {
      });
    }
    this.#closed = true;
    this.#pipelines.forgetBindGroups();
    this.device.destroy();
  }
};

// kernels/webgpu/index.ts
var webgpuFactory = {
  create: () => WebGpuBackend.create(),
  probe: probeWebGpu
};

// engine/index.ts
init_api();
init_tensor();
init_scope();
init_tape();
init_grad();
init_state();
init_backends();
init_errors();
init_ops();
init_random();
init_transform();
init_environ();

// index.ts
init_surrogate();
init_nn();
init_init();

// optim/index.ts
init_optimizer();
init_adam();

// optim/sgd.ts
init_errors();
init_optimizer();

// optim/index.ts
init_schedule();
init_clip();

// index.ts
init_metric();
registerBackend("cpu", { create: async () => new CpuBackend() }, () => new CpuBackend());
registerBackend("webgpu", webgpuFactory);

// bench/cpuSeedStep.ts
init_surrogate();

// train/compare.ts
init_errors();
init_environ();
init_backends();
init_random();
var TUTORIAL_CONFIG = Object.freeze({
  epochs: 150,
  seeds: 1,
  seed: 2024,
  nIn: 100,
  nRec: 4,
  nOut: 2,
  steps: 200,
  batch: 256,
  rateHz: 5,
  dt: 1,
  lr: 3e-3,
  mode: "sequence"
});

// bench/cpuSeedStep.ts
init_tutorial();
var arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== void 0 ? process.argv[i + 1] : fallback;
};
var modes = arg("modes", "sequence").split(",");
var iters = Number(arg("iters", "30"));
var surrogateName = arg("surrogate", "ReluGrad");
var withOps = process.argv.includes("--ops");
var label = arg("label", "");
var be = await setBackend("cpu");
var gcMs = 0;
if (withOps) new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ["gc"] });
var opTime = /* @__PURE__ */ new Map();
if (withOps) {
  const wrap = (name) => {
    const orig = be[name].bind(be);
    be[name] = (op2, ...rest) => {
      const t0 = performance.now();
      const r = orig(op2, ...rest);
      const e = opTime.get(op2) ?? { ms: [0], calls: 0 };
      e.ms[e.ms.length - 1] += performance.now() - t0;
      e.calls++;
      opTime.set(op2, e);
      return r;
    };
  };
  wrap("run");
  wrap("update");
}
var makeSurrogate = surrogate_exports[surrogateName];
if (!makeSurrogate) throw new Error(`unknown surrogate ${surrogateName}`);
for (const mode of modes) {
  const n = mode === "step" ? Math.min(iters, 5) : iters;
  random_exports.seed(TUTORIAL_CONFIG.seed);
  const trainer = environ_exports.context({ dt: 1 }, () => tutorialTrainer(new makeSurrogate(), { ...TUTORIAL_CONFIG, mode }));
  const times = [], cpuTimes = [], gcTimes = [];
  let loss = NaN, ops = 0;
  opTime.clear();
  for (let i = 0; i < n + 3; i++) {
    if (i === 3) opTime.clear();
    const o0 = be.counters.ops;
    const c0 = process.cpuUsage(), gc0 = gcMs;
    const t0 = performance.now();
    const l = trainer.step();
    loss = await l.item();
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    l.dispose();
    ops = be.counters.ops - o0;
    if (withOps) await new Promise((res) => setImmediate(res));
    if (i >= 3) {
      times.push(dt);
      cpuTimes.push((c.user + c.system) / 1e3);
      gcTimes.push(gcMs - gc0);
    }
    for (const e of opTime.values()) e.ms.push(0);
  }
  trainer.dispose();
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const r = (x2) => Number(x2.toPrecision(4));
  const cpuMs = r([...cpuTimes].sort((a, b) => a - b)[Math.floor(cpuTimes.length / 2)]);
  console.log(JSON.stringify({ bench: "cpuSeedStep", label, mode, surrogate: surrogateName, iters: n, medianMs: r(q(0.5)), p90Ms: r(q(0.9)), minMs: r(sorted[0]), cpuMs, opsPerStep: ops, loss }));
  if (withOps) {
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const rows = [...opTime].map(([op2, e]) => ({ op: op2, msPerStep: median(e.ms.slice(0, n)), meanMs: e.ms.slice(0, n).reduce((a, b) => a + b, 0) / n, callsPerStep: e.calls / n })).sort((a, b) => b.msPerStep - a.msPerStep);
    const kernels = rows.reduce((a, x2) => a + x2.msPerStep, 0);
    for (const x2 of rows) console.log(`  ${x2.op.padEnd(24)} ${x2.msPerStep.toFixed(3).padStart(8)} ms (mean ${x2.meanMs.toFixed(3)})  ${String(x2.callsPerStep).padStart(5)} calls`);
    console.log(`  ${"kernels (sum of medians)".padEnd(24)} ${kernels.toFixed(3).padStart(8)} ms; the rest of the median step: ${(q(0.5) - kernels).toFixed(3)} ms`);
    console.log(`  ${"garbage collection".padEnd(24)} ${(gcTimes.reduce((a, b) => a + b, 0) / n).toFixed(3).padStart(8)} ms per step (mean; pauses may fall inside kernels)`);
  }
}
await shutdown();
