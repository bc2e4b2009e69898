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
 * A shared WebAssembly.Memory with a first-fit allocator. Arrays allocated
 * here are read by the kernels in place, by every thread of a ScoringPool;
 * its buffer is a SharedArrayBuffer.
 *
 * Blocks are freed with `free` (adjacent free blocks merge, and a free block
 * at the top lowers the top), and reused by later allocations that fit, so
 * the memory stays bounded by the largest set of blocks live at once, plus
 * fragmentation. A WebAssembly.Memory never shrinks: its size is the
 * high-water mark (`highWater`). Growing never moves data (old views stay
 * valid). Arrays from `float32` are freed by `release(array)`, or when the
 * array is garbage-collected.
 */
export class SimdMemory {
  readonly memory: WebAssembly.Memory;
  /** Distinguishes instances of different memories in a thread's instance cache. */
  readonly id = `m${++memoryIds}-${process.pid}`;
  private top = 64;
  private high = 64;
  /** Live blocks: offset → size in bytes (slack included). */
  private readonly blocks = new Map<number, number>();
  /** Free blocks below `top`, sorted by offset, never adjacent (merged). */
  private readonly freeList: { off: number; size: number }[] = [];
  private readonly offsets = new WeakMap<ArrayBufferView, number>();
  private readonly collected = new FinalizationRegistry<number>((off) => this.free(off));

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  }

  /** Bytes in live blocks (slack and alignment included). */
  get allocated(): number {
    let sum = 0;
    for (const size of this.blocks.values()) sum += size;
    return sum;
  }

  /** Highest end of any block so far: the memory never needs more than this. */
  get highWater(): number {
    return this.high;
  }

  /** Reserve `bytes` (16-byte aligned, followed by readable slack) and return the byte offset; give it back with `free`. */
  alloc(bytes: number): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Error(`SimdMemory.alloc: bytes must be a non-negative integer, got ${bytes}`);
    const size = Math.ceil((bytes + SLACK) / 16) * 16;
    for (let i = 0; i < this.freeList.length; i++) {
      const b = this.freeList[i];
      if (b.size < size) continue;
      const off = b.off;
      if (b.size === size) this.freeList.splice(i, 1);
      else {
        b.off += size;
        b.size -= size;
      }
      this.blocks.set(off, size);
      return off;
    }
    const off = this.top;
    const end = off + size;
    const pages = Math.ceil(end / PAGE);
    const have = this.memory.buffer.byteLength / PAGE;
    if (pages > MAX_PAGES) throw new Error(`SIMD scoring memory would exceed 4 GiB (${end} bytes requested, ${this.allocated} in use); use the JS kernels for fields this large`);
    if (pages > have) this.memory.grow(pages - have);
    this.top = end;
    this.high = Math.max(this.high, end);
    this.blocks.set(off, size);
    return off;
  }

  /** Give back a block from `alloc`. Views of it must not be used afterwards. */
  free(off: number): void {
    const size = this.blocks.get(off);
    if (size === undefined) throw new Error(`SimdMemory.free: no block allocated at byte offset ${off}`);
    this.blocks.delete(off);
    const list = this.freeList;
    let i = 0;
    while (i < list.length && list[i].off < off) i++;
    const prev = i > 0 ? list[i - 1] : undefined;
    const next = i < list.length ? list[i] : undefined;
    let block: { off: number; size: number };
    if (prev && prev.off + prev.size === off) {
      prev.size += size;
      block = prev;
      i--;
    } else {
      block = { off, size };
      list.splice(i, 0, block);
    }
    if (next && block.off + block.size === next.off) {
      block.size += next.size;
      list.splice(i + 1, 1);
    }
    if (block.off + block.size === this.top) {
      this.top = block.off;
      list.splice(i, 1);
    }
  }

  /** A new float32 array in this memory, read by the kernels without a copy. Freed by `release` or when collected. */
  float32(length: number): Float32Array {
    const off = this.alloc(4 * length);
    const a = new Float32Array(this.memory.buffer, off, length);
    this.offsets.set(a, off);
    this.collected.register(a, off, a);
    return a;
  }

  /** Free an array from `float32` now (it must not be used afterwards). */
  release(a: ArrayBufferView): void {
    const off = this.offsets.get(a);
    if (off === undefined) throw new Error("SimdMemory.release: the array was not allocated in this memory (or was released already)");
    this.offsets.delete(a);
    this.collected.unregister(a);
    this.free(off);
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
