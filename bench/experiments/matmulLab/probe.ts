/**
 * What one memory access costs in lavapipe, by kind: the number that decides a matmul design there.
 *
 *   LAB_THROTTLE=1 node scripts/run-ts.mjs bench/experiments/matmulLab/probe.ts
 *   (PROBE_ONLY=<name prefix>, PROBE_UNROLL=<accesses per iteration>, PROBE_LOOP_FREE=1, PROBE_REPS=<n>)
 *
 * Each probe is a loop of K iterations doing one access of the given kind per invocation and summing the
 * result (so the access stays live). Reported: CPU nanoseconds per SIMD chunk of 8 invocations per access,
 * i.e. (process CPU time) / (invocations / 8 · K), loop overhead included (the 'none' probe measures it).
 */
import { openLab, timeDispatches, type Dispatch } from './device.js';

const K = 4096;
/** Accesses per loop iteration, so that the loop's own cost (large in lavapipe) is amortised. */
const UNROLL = Number(process.env.PROBE_UNROLL ?? 8);
/** PROBE_LOOP_FREE=1: no loop, UNROLL accesses in straight-line code (lavapipe treats loop bodies as divergent). */
const LOOP_FREE = !!process.env.PROBE_LOOP_FREE;
const ITERS = LOOP_FREE ? UNROLL : K;
const INVOCATIONS = 64 * 256;

interface Probe {
  name: string;
  decl: string;
  /** Expression of type vec4f read at iteration k (a u32), by lane `l` (local_invocation_index) of workgroup `w`. */
  read: string;
  setup?: string;
  texture?: boolean;
}

const PROBES: Probe[] = [
  { name: 'none (loop + add only)', decl: '', read: 'vec4f(f32(k))' },
  { name: 'storage f32, lane-varying', decl: 'var<storage, read> S: array<f32>;', read: 'vec4f(S[k * 64u + l])' },
  { name: 'storage vec4f, lane-varying', decl: 'var<storage, read> S: array<vec4f>;', read: 'S[k * 64u + l]' },
  { name: 'storage f32, uniform', decl: 'var<storage, read> S: array<f32>;', read: 'vec4f(S[k + w])' },
  { name: 'storage vec4f, uniform', decl: 'var<storage, read> S: array<vec4f>;', read: 'S[k + w]' },
  {
    name: 'subgroupShuffle of a register, dynamic lane',
    decl: '',
    read: 'subgroupShuffle(vec4f(f32(l)), k & 7u)',
  },
  { name: 'uniform-buffer vec4f, lane-varying', decl: 'var<uniform> S: array<vec4f, 4096>;', read: 'S[(k * 64u + l) & 4095u]' },
  { name: 'workgroup vec4f, lane-varying', decl: '', read: 'T[(k * 64u + l) & 1023u]', setup: 'var<workgroup> T: array<vec4f, 1024>;' },
  {
    name: 'texture rgba32float textureLoad, lane-varying',
    decl: 'var S: texture_2d<f32>;',
    read: 'textureLoad(S, vec2u(l, k & 1023u), 0)',
    texture: true,
  },
];

function wgsl(p: Probe): string {
  const enableSub = p.read.includes('subgroup') ? 'enable subgroups;\n' : '';
  return `${enableSub}${p.setup ?? ''}
@group(0) @binding(0) ${p.decl || 'var<storage, read> S: array<f32>;'}
@group(0) @binding(1) var<storage, read_write> C: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) l: u32) {
  let w = wg.x;
  var acc = vec4f(0.0);
${LOOP_FREE ? '' : `  for (var k0 = 0u; k0 < ${K}u; k0 += ${UNROLL}u) {`}
${Array.from({ length: UNROLL }, (_, u) => `    { let k = ${LOOP_FREE ? '' : 'k0 + '}${u}u; acc += ${p.read}; }`).join('\n')}
${LOOP_FREE ? '' : '  }'}
  C[w * 64u + l] = acc.x + acc.y + acc.z + acc.w;
}`;
}

async function main(): Promise<void> {
  const lab = await openLab(['subgroups']);
  const { device } = lab;
  try {
    const src = device.createBuffer({ size: K * 64 * 16 + 4096 * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    const ubo = device.createBuffer({ size: 65536, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const tex = device.createTexture({ size: [64, 1024], format: 'rgba32float', usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
    const out = device.createBuffer({ size: INVOCATIONS * 4, usage: GPUBufferUsage.STORAGE });
    for (const p of PROBES.filter((q) => !process.env.PROBE_ONLY || q.name.startsWith(process.env.PROBE_ONLY!))) {
      const module = device.createShaderModule({ code: wgsl(p) });
      const info = await module.getCompilationInfo();
      if (info.messages.some((m) => m.type === 'error')) throw new Error(`${p.name}: ${info.messages.map((m) => m.message).join('; ')}`);
      const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const first = p.texture ? tex.createView() : { buffer: p.decl.includes('uniform') ? ubo : src };
      const entries: GPUBindGroupEntry[] = [{ binding: 1, resource: { buffer: out } }];
      if (p.decl) entries.unshift({ binding: 0, resource: first });
      const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      const d: Dispatch = { pipeline, bindGroup, workgroups: [INVOCATIONS / 64, 1, 1] };
      await timeDispatches(device, [d], 1);
      const reps = Number(process.env.PROBE_REPS ?? 2);
      // Best of 3: other processes on the machine only ever add time.
      let t = await timeDispatches(device, [d], reps);
      for (let i = 0; i < 4; i++) {
        const u = await timeDispatches(device, [d], reps);
        if (u.cpu < t.cpu) t = u;
      }
      const accesses = (INVOCATIONS / 8) * ITERS * reps;
      console.log(`${p.name.padEnd(64)} ${((t.cpu / accesses) * 1e9).toFixed(2).padStart(7)} ns CPU per 8-lane access (wall ${((t.wall / accesses) * 1e9).toFixed(2)})`);
    }
  } finally {
    await lab.close();
  }
}

await main();
