/**
 * Running the SIMD kernels (simd-wat.ts): the memory they read and the task
 * that one thread runs. No binaryen here: worker threads import this module
 * (through parallel-tasks.ts) and get compiled modules in their tasks.
 */

const PAGE = 65_536;
/** Largest shared wasm32 memory: 65,536 pages = 4 GiB. */
const MAX_PAGES = 65_536;
/**
 * Bytes left readable after every array: the last group of a segment loads
 * whole vectors past its end (masked). The farthest is the ensemble kernel's
 * weight load for lanes 2–3 of a group starting at the last point: 24 bytes
 * past the end of the float64 weights.
 */
const SLACK = 32;

let memoryIds = 0;

/**
 * A shared WebAssembly.Memory with a bump allocator. Arrays allocated here
 * are read by the kernels in place, by every thread of a ScoringPool; its
 * buffer is a SharedArrayBuffer. Growing never moves data (old views stay
 * valid); allocations live as long as the memory.
 */
export class SimdMemory {
  readonly memory: WebAssembly.Memory;
  /** Distinguishes instances of different memories in a thread's instance cache. */
  readonly id = `m${++memoryIds}-${process.pid}`;
  private top = 64;
  private readonly offsets = new WeakMap<ArrayBufferView, number>();

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  }

  /** Bytes allocated so far. */
  get allocated(): number {
    return this.top;
  }

  /** Reserve `bytes` (16-byte aligned, followed by readable slack) and return the byte offset. */
  alloc(bytes: number): number {
    const off = this.top;
    const end = off + Math.ceil((bytes + SLACK) / 16) * 16;
    const pages = Math.ceil(end / PAGE);
    const have = this.memory.buffer.byteLength / PAGE;
    if (pages > MAX_PAGES) throw new Error(`SIMD scoring memory would exceed 4 GiB (${end} bytes requested); use the JS kernels for fields this large`);
    if (pages > have) this.memory.grow(pages - have);
    this.top = end;
    return off;
  }

  /** A new float32 array in this memory, read by the kernels without a copy. */
  float32(length: number): Float32Array {
    const off = this.alloc(4 * length);
    const a = new Float32Array(this.memory.buffer, off, length);
    this.offsets.set(a, off);
    return a;
  }

  /** Byte offset of an array allocated here, or undefined. */
  offsetOf(a: ArrayBufferView): number | undefined {
    return this.offsets.get(a);
  }
}

interface SimdTaskBase {
  id: number;
  /** Instance cache key: memory id + module kind. */
  key: string;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  s0: number;
  s1: number;
  lo: number;
  hi: number;
  /** Byte offsets in the memory. */
  weights: number;
  start: number;
  segWeight: number;
  uniform: boolean;
  out: number;
}

export interface SimdDeterministicTask extends SimdTaskBase {
  kind: "simd-deterministic";
  forecast: number;
  truth: number;
  /** Byte offset, or -1 without climatology. */
  climatology: number;
}

export interface SimdEnsembleTask extends SimdTaskBase {
  kind: "simd-ensemble";
  members: number;
  points: number;
  truth: number;
  hist: number;
}

export type SimdTask = SimdDeterministicTask | SimdEnsembleTask;

type DetFn = (f: number, o: number, c: number, w: number, start: number, segw: number, uniform: number, s0: number, s1: number, lo: number, hi: number, out: number) => void;
type EnsFn = (members: number, n: number, truth: number, w: number, start: number, segw: number, uniform: number, s0: number, s1: number, lo: number, hi: number, out: number, hist: number) => void;

/**
 * Segments per call. V8 runs a WebAssembly function first as baseline code
 * (Liftoff, 2–10× slower for these kernels) and switches to optimised code on
 * a later call once it is hot, so calls are kept short.
 */
const CHUNK = 64;

/** Run one SIMD task; `instances` caches one instance per (memory, module) for this thread. */
export function runSimdTask(t: SimdTask, instances: Map<string, WebAssembly.Instance>): void {
  let inst = instances.get(t.key);
  if (!inst) {
    inst = new WebAssembly.Instance(t.module, { env: { memory: t.memory } });
    instances.set(t.key, inst);
  }
  const u = t.uniform ? 1 : 0;
  if (t.kind === "simd-deterministic") {
    const anomaly = t.climatology >= 0;
    const fn = inst.exports[anomaly ? "det_anom" : "det_plain"] as DetFn;
    for (let s = t.s0; s < t.s1; s += CHUNK) {
      fn(t.forecast, t.truth, anomaly ? t.climatology : 0, t.weights, t.start, t.segWeight, u, s, Math.min(s + CHUNK, t.s1), t.lo, t.hi, t.out);
    }
  } else {
    const fn = inst.exports.ens as EnsFn;
    for (let s = t.s0; s < t.s1; s += CHUNK) {
      fn(t.members, t.points, t.truth, t.weights, t.start, t.segWeight, u, s, Math.min(s + CHUNK, t.s1), t.lo, t.hi, t.out, t.hist);
    }
  }
}
