/**
 * ScoringPool: the deterministic and ensemble kernels split over worker
 * threads on shared memory.
 *
 * A field's scoring segments (segments.ts) are cut into `threads` ranges of
 * about equal point counts; the calling thread scores the first range and
 * `threads − 1` persistent workers the others, each writing its
 * per-segment records into one SharedArrayBuffer. The records are then
 * reduced in segment order exactly as accumulateDeterministic /
 * accumulateEnsemble do, so the statistics are bit-identical to the
 * single-thread functions for any thread count.
 *
 * Memory: inputs already in SharedArrayBuffers are used in place; others are
 * copied into staging buffers owned by the pool (one per input role, grown to
 * the largest field seen, reused), so memory stays bounded by one field of
 * each role. Weights and segment tables are shared once per weights array.
 * One call at a time (calls are serialised internally).
 *
 * With the SIMD kernels all of that lives in the pool's wasm memory
 * (SimdMemory, which frees and reuses blocks): one staging block per role,
 * replaced only when outgrown (the old one freed); the weights arrays and
 * segment tables of the last SIMD_TABLES calls, keyed by identity and held
 * weakly, the evicted ones freed; `close()` frees them all. So a pool reused
 * across many runs, weights arrays and region sets stays bounded by its
 * largest field per role plus SIMD_TABLES tables.
 *
 * Kernels: `"simd"` (the default where WebAssembly SIMD and shared memory
 * exist) runs the WebAssembly kernels of simd-wat.ts; `"js"` the JavaScript
 * kernels of kernels.ts, the reference. The SIMD kernels read one shared
 * WebAssembly.Memory (`pool.memory`) that every thread of the pool
 * instantiates them with: fields allocated there (`pool.allocField`) are
 * read in place, others are copied into staging buffers in it. Float64
 * fields, and ensembles of more than MAX_SIMD_MEMBERS members, use the JS
 * kernels. Either kernel gives bit-identical statistics for any thread
 * count; the two kernels agree to rounding (different order of additions).
 */
import os from "node:os";
import { Worker } from "node:worker_threads";
import { accumulateDeterministic, checkDeterministicInput, type DeterministicInput, deterministicStatsFromClasses, type Field } from "./deterministic";
import { accumulateEnsemble, checkEnsembleInput, type EnsembleInput, ensembleStatsFromClasses } from "./ensemble";
import { DET_RECORD, ENS_RECORD, reduceSegments, type SegmentView } from "./kernels";
import { runKernelTask, type KernelReply, type KernelTask } from "./parallel-tasks";
import { deterministicModule, ensembleModule, MAX_SIMD_MEMBERS, simdSupported } from "./simd-compile";
import { SimdMemory } from "./simd-run";
import type { RegionSet } from "./regions";
import { scoringSegments, splitSegments, type ScoringSegments } from "./segments";
import type { DeterministicStats, EnsembleStats } from "./stats";

/** Threads used when none are given: the machine's parallelism, at most 4. */
export function defaultScoringThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

/** Below this many points a field is scored in the calling thread (messages would cost more). */
export const MIN_PARALLEL_POINTS = 32_768;

type Pending = { resolve: () => void; reject: (e: Error) => void };

/** Which implementation of the kernels a pool runs. */
export type ScoringKernel = "simd" | "js";

export interface ScoringPoolOptions {
  /** Fields with fewer points are scored in the calling thread (default MIN_PARALLEL_POINTS). */
  minPoints?: number;
  /** Default: "simd" where supported (simdSupported()), else "js". */
  kernel?: ScoringKernel;
  /** Share the wasm memory of another pool (e.g. to score the same allocated fields with other thread counts). */
  memory?: SimdMemory;
}

function isF32(a: Field): a is Float32Array {
  return a instanceof Float32Array;
}

function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== "undefined" && a.buffer instanceof SharedArrayBuffer;
}

export class ScoringPool {
  readonly threads: number;
  private workers: Worker[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 1;
  /** Tasks completed by worker threads so far. */
  workerTasks = 0;
  private failed: Error | null = null;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  private staging = new Map<string, SharedArrayBuffer>();
  private sharedWeights = new WeakMap<Float64Array, Float64Array>();
  private sharedSegments = new WeakMap<ScoringSegments, SegmentView>();

  /** Fields with fewer points are scored in the calling thread. */
  readonly minPoints: number;
  readonly kernel: ScoringKernel;
  private simdMemory: SimdMemory | undefined;
  /** This thread's instances of the SIMD modules. */
  private simdInstances = new Map<string, WebAssembly.Instance>();
  /** Staging blocks in the wasm memory, one per input role, replaced (the old one freed) only when too small. */
  private simdStaging = new Map<string, { offset: number; bytes: number }>();
  /** Weights arrays and segment tables copied into the wasm memory: the last SIMD_TABLES of each, the evicted ones freed. */
  private simdWeights = new TableCache<Float64Array, number>(SIMD_TABLES);
  private simdSegments = new TableCache<ScoringSegments, { start: number; segWeight: number }>(SIMD_TABLES);
  /** The input of the SIMD call in flight: keeps its allocField arrays from being collected (and freed) while the kernels read them. */
  private simdInput: unknown = null;

  constructor(threads: number = defaultScoringThreads(), options: ScoringPoolOptions = {}) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`ScoringPool: threads must be a positive integer, got ${threads}`);
    this.threads = threads;
    this.minPoints = options.minPoints ?? MIN_PARALLEL_POINTS;
    this.kernel = options.kernel ?? (simdSupported() ? "simd" : "js");
    if (this.kernel === "simd" && !simdSupported()) throw new Error("ScoringPool: kernel \"simd\" needs WebAssembly SIMD and shared memory, which this runtime lacks; use kernel \"js\"");
    this.simdMemory = options.memory;
  }

  /** The shared WebAssembly memory of the SIMD kernels (created on first use). */
  get memory(): SimdMemory {
    return (this.simdMemory ??= new SimdMemory());
  }

  /**
   * A float32 field in the pool's wasm memory: the SIMD kernels read it in
   * place (no staging copy). Its space is given back by `freeField`, or when
   * the array is garbage-collected.
   */
  allocField(length: number): Float32Array {
    return this.memory.float32(length);
  }

  /** Give back the space of an `allocField` array now; the array must not be used afterwards. */
  freeField(a: Float32Array): void {
    this.memory.release(a);
  }

  /** Error of a worker that failed; the pool then scores in the calling thread. */
  get workerError(): Error | null {
    return this.failed;
  }

  /** accumulateDeterministic over the whole field, split over the pool's threads. */
  deterministic(input: DeterministicInput, regions: RegionSet): Promise<DeterministicStats[]> {
    return this.serialise(() => this.runDeterministic(input, regions));
  }

  /** accumulateEnsemble over the whole field, split over the pool's threads. */
  ensemble(input: EnsembleInput, regions: RegionSet): Promise<EnsembleStats[]> {
    return this.serialise(() => this.runEnsemble(input, regions));
  }

  /**
   * Stop the workers and free the pool's staging buffers, weights and
   * segment tables in the wasm memory (fields from `allocField` stay). The
   * pool can still be used afterwards, in the calling thread only.
   */
  async close(): Promise<void> {
    this.closed = true;
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.terminate()));
    await this.serialise(async () => {
      this.staging.clear();
      this.simdInstances.clear();
      if (!this.simdMemory) return;
      const mem = this.simdMemory;
      for (const s of this.simdStaging.values()) mem.free(s.offset);
      this.simdStaging.clear();
      this.simdWeights.clear((off) => mem.free(off));
      this.simdSegments.clear((v) => {
        mem.free(v.start);
        mem.free(v.segWeight);
      });
    });
  }

  private serialise<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private useWorkers(points: number): boolean {
    return this.threads > 1 && !this.failed && !this.closed && points >= this.minPoints;
  }

  private async runDeterministic(input: DeterministicInput, regions: RegionSet): Promise<DeterministicStats[]> {
    const n = input.forecast.length;
    if (this.kernel === "simd" && isF32(input.forecast) && isF32(input.truth) && (input.climatology === undefined || isF32(input.climatology))) {
      return this.simdDeterministic(input, regions);
    }
    if (!this.useWorkers(n)) return accumulateDeterministic(input, regions);
    checkDeterministicInput(input, regions);
    const seg = scoringSegments(regions, input.weights);
    const out = this.stage("det-out", new Float64Array(0), seg.count * DET_RECORD) as Float64Array;
    const base = {
      seg: this.shareSegments(seg),
      weights: this.shareWeights(input.weights),
      lo: 0,
      hi: n,
      out,
      forecast: this.shareField("forecast", input.forecast),
      truth: this.shareField("truth", input.truth),
      climatology: input.climatology ? this.shareField("climatology", input.climatology) : null,
    };
    const ok = await this.split(seg, (s0, s1, id) => ({ kind: "deterministic", id, s0, s1, ...base }));
    if (!ok) return accumulateDeterministic(input, regions);
    const acc = reduceSegments(out, DET_RECORD, seg.cls, regions.classCount, 0, seg.count);
    return deterministicStatsFromClasses(acc, regions, input.climatology !== undefined);
  }

  private async runEnsemble(input: EnsembleInput, regions: RegionSet): Promise<EnsembleStats[]> {
    checkEnsembleInput(input, regions);
    const n = input.truth.length;
    if (this.kernel === "simd" && isF32(input.members) && isF32(input.truth) && input.memberCount <= MAX_SIMD_MEMBERS) {
      return this.simdEnsemble(input, regions);
    }
    if (!this.useWorkers(n)) return accumulateEnsemble(input, regions);
    const m = input.memberCount;
    const seg = scoringSegments(regions, input.weights);
    const out = this.stage("ens-out", new Float64Array(0), seg.count * ENS_RECORD) as Float64Array;
    const hist = this.stage("ens-hist", new Float64Array(0), seg.count * (m + 1)) as Float64Array;
    const base = {
      seg: this.shareSegments(seg),
      weights: this.shareWeights(input.weights),
      lo: 0,
      hi: n,
      out,
      hist,
      members: this.shareField("members", input.members),
      memberCount: m,
      truth: this.shareField("truth", input.truth),
    };
    const ok = await this.split(seg, (s0, s1, id) => ({ kind: "ensemble", id, s0, s1, ...base }));
    if (!ok) return accumulateEnsemble(input, regions);
    const acc = reduceSegments(out, ENS_RECORD, seg.cls, regions.classCount, 0, seg.count);
    const hacc = reduceSegments(hist, m + 1, seg.cls, regions.classCount, 0, seg.count);
    return ensembleStatsFromClasses(acc, hacc, m, regions);
  }

  private async simdDeterministic(input: DeterministicInput, regions: RegionSet): Promise<DeterministicStats[]> {
    checkDeterministicInput(input, regions);
    const n = input.forecast.length;
    const seg = scoringSegments(regions, input.weights);
    const mem = this.memory;
    const records = seg.count * DET_RECORD;
    const base = {
      ...this.simdCommon("det", await deterministicModule(), seg, input.weights),
      out: this.simdStage("det-out", 8 * records),
      forecast: this.simdField("forecast", input.forecast as Float32Array),
      truth: this.simdField("truth", input.truth as Float32Array),
      climatology: input.climatology ? this.simdField("climatology", input.climatology as Float32Array) : -1,
    };
    await this.runSimdTasks(input, seg, n, (s0, s1, id) => ({ kind: "simd-deterministic", id, s0, s1, ...base }));
    const out = new Float64Array(mem.memory.buffer, base.out, records);
    const acc = reduceSegments(out, DET_RECORD, seg.cls, regions.classCount, 0, seg.count);
    return deterministicStatsFromClasses(acc, regions, input.climatology !== undefined);
  }

  private async simdEnsemble(input: EnsembleInput, regions: RegionSet): Promise<EnsembleStats[]> {
    const n = input.truth.length;
    const m = input.memberCount;
    const seg = scoringSegments(regions, input.weights);
    const mem = this.memory;
    const records = seg.count * ENS_RECORD;
    const bins = seg.count * (m + 1);
    const base = {
      ...this.simdCommon(`ens${m}`, await ensembleModule(m), seg, input.weights),
      out: this.simdStage("ens-out", 8 * records),
      hist: this.simdStage("ens-hist", 8 * bins),
      members: this.simdField("members", input.members as Float32Array),
      points: n,
      truth: this.simdField("truth", input.truth as Float32Array),
    };
    await this.runSimdTasks(input, seg, n, (s0, s1, id) => ({ kind: "simd-ensemble", id, s0, s1, ...base }));
    const out = new Float64Array(mem.memory.buffer, base.out, records);
    const hist = new Float64Array(mem.memory.buffer, base.hist, bins);
    const acc = reduceSegments(out, ENS_RECORD, seg.cls, regions.classCount, 0, seg.count);
    const hacc = reduceSegments(hist, m + 1, seg.cls, regions.classCount, 0, seg.count);
    return ensembleStatsFromClasses(acc, hacc, m, regions);
  }

  /** The task fields common to the SIMD kernels: module, memory, whole field, weights and segment tables in the memory. */
  private simdCommon(kind: string, module: WebAssembly.Module, seg: ScoringSegments, weights: Float64Array) {
    const mem = this.memory;
    return {
      key: `${mem.id}:${kind}`,
      module,
      memory: mem.memory,
      lo: 0,
      hi: seg.size,
      weights: this.simdWeightsOf(weights),
      ...this.simdSegmentsOf(seg),
      uniform: seg.uniform,
    };
  }

  /** Runs the tasks of one SIMD call, keeping its input (and so its allocField arrays) alive until they finish. */
  private async runSimdTasks(input: unknown, seg: ScoringSegments, points: number, task: (s0: number, s1: number, id: number) => KernelTask): Promise<void> {
    this.simdInput = input;
    try {
      await this.runTasks(seg, points, task);
    } finally {
      this.simdInput = null;
    }
  }

  /** Run a task over all segments: split over the threads when the field is large enough, else (or if a worker failed) in this thread. */
  private async runTasks(seg: ScoringSegments, points: number, task: (s0: number, s1: number, id: number) => KernelTask): Promise<void> {
    if (this.useWorkers(points) && (await this.split(seg, task))) return;
    runKernelTask(task(0, seg.count, 0), this.simdInstances);
  }

  /** Byte offset of a float32 field in the wasm memory: in place if allocated there, else a copy in the staging buffer of `role`. */
  private simdField(role: string, a: Float32Array): number {
    const mem = this.memory;
    const at = mem.offsetOf(a);
    if (at !== undefined) return at;
    const off = this.simdStage(role, a.byteLength);
    new Float32Array(mem.memory.buffer, off, a.length).set(a);
    return off;
  }

  /** The staging block of `role`, at least `bytes` long: reused when big enough, else the old one is freed and a new one allocated. */
  private simdStage(role: string, bytes: number): number {
    const mem = this.memory;
    let s = this.simdStaging.get(role);
    if (!s || s.bytes < bytes) {
      if (s) {
        this.simdStaging.delete(role);
        mem.free(s.offset);
      }
      s = { offset: mem.alloc(bytes), bytes };
      this.simdStaging.set(role, s);
    }
    return s.offset;
  }

  private simdWeightsOf(w: Float64Array): number {
    const mem = this.memory;
    return this.simdWeights.get(
      w,
      () => {
        const off = mem.alloc(w.byteLength);
        new Float64Array(mem.memory.buffer, off, w.length).set(w);
        return off;
      },
      (off) => mem.free(off),
    );
  }

  private simdSegmentsOf(seg: ScoringSegments): { start: number; segWeight: number } {
    const mem = this.memory;
    return this.simdSegments.get(
      seg,
      () => {
        const start = mem.alloc(seg.start.byteLength);
        new Int32Array(mem.memory.buffer, start, seg.start.length).set(seg.start);
        const segWeight = mem.alloc(seg.weight.byteLength);
        new Float64Array(mem.memory.buffer, segWeight, seg.weight.length).set(seg.weight);
        return { start, segWeight };
      },
      (v) => {
        mem.free(v.start);
        mem.free(v.segWeight);
      },
    );
  }

  /**
   * Run the task over `threads` segment ranges: ranges 1… in the workers,
   * range 0 here. False if a worker failed (the caller then redoes the field
   * in this thread).
   */
  private async split(seg: ScoringSegments, task: (s0: number, s1: number, id: number) => KernelTask): Promise<boolean> {
    const bounds = splitSegments(seg, this.threads);
    this.ensureWorkers();
    const waits: Promise<void>[] = [];
    for (let i = 1; i < this.threads; i++) {
      const id = this.nextId++;
      const w = this.workers[i - 1];
      waits.push(
        new Promise<void>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          w.ref();
          w.postMessage(task(bounds[i], bounds[i + 1], id));
        }),
      );
    }
    runKernelTask(task(bounds[0], bounds[1], 0), this.simdInstances);
    try {
      await Promise.all(waits);
      return true;
    } catch (err) {
      if (err instanceof KernelError) throw err;
      return false;
    } finally {
      if (this.pending.size === 0) for (const w of this.workers) w.unref();
    }
  }

  private ensureWorkers(): void {
    while (this.workers.length < this.threads - 1) {
      const w = new Worker(new URL("./parallel-worker.mjs", import.meta.url));
      w.unref();
      w.on("message", (r: KernelReply) => {
        const p = this.pending.get(r.id);
        if (!p) return;
        this.pending.delete(r.id);
        if (r.error) p.reject(new KernelError(r.error));
        else {
          this.workerTasks++;
          p.resolve();
        }
      });
      w.on("error", (err) => this.fail(err instanceof Error ? err : new Error(String(err))));
      w.on("exit", (code) => {
        if (!this.closed) this.fail(new Error(`scoring worker exited with code ${code}`));
      });
      this.workers.push(w);
    }
  }

  private fail(err: Error): void {
    this.failed ??= err;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
    const ws = this.workers;
    this.workers = [];
    for (const w of ws) void w.terminate();
  }

  /** A view of `a` in shared memory: `a` itself, or a copy in the staging buffer of `role`. */
  private shareField(role: string, a: Field): Field {
    if (isShared(a)) return a;
    const view = this.stage(role, a, a.length);
    view.set(a);
    return view;
  }

  private stage(role: string, like: Field, length: number): Field {
    const key = `${role}:${like instanceof Float32Array ? "f32" : "f64"}`;
    const bytes = length * like.BYTES_PER_ELEMENT;
    let buf = this.staging.get(key);
    if (!buf || buf.byteLength < bytes) {
      buf = new SharedArrayBuffer(bytes);
      this.staging.set(key, buf);
    }
    return like instanceof Float32Array ? new Float32Array(buf, 0, length) : new Float64Array(buf, 0, length);
  }

  private shareWeights(w: Float64Array): Float64Array {
    if (isShared(w)) return w;
    let s = this.sharedWeights.get(w);
    if (!s) {
      s = new Float64Array(new SharedArrayBuffer(w.byteLength));
      s.set(w);
      this.sharedWeights.set(w, s);
    }
    return s;
  }

  private shareSegments(seg: ScoringSegments): SegmentView {
    let v = this.sharedSegments.get(seg);
    if (!v) {
      const start = new Int32Array(new SharedArrayBuffer(seg.start.byteLength));
      start.set(seg.start);
      const weight = new Float64Array(new SharedArrayBuffer(seg.weight.byteLength));
      weight.set(seg.weight);
      v = { start, weight, uniform: seg.uniform };
      this.sharedSegments.set(seg, v);
    }
    return v;
  }
}

/** An error thrown by a kernel inside a worker (bad input), as opposed to a failed worker. */
export class KernelError extends Error {}

/** Weights arrays and segment tables a pool keeps in its wasm memory (each). */
export const SIMD_TABLES = 4;

/**
 * A small cache keyed by object identity, holding its keys weakly: the last
 * `limit` keys used; an evicted entry, or one whose key was collected, is
 * given to `dispose` when it leaves.
 */
class TableCache<K extends object, V> {
  private entries: { key: WeakRef<K>; value: V }[] = [];
  constructor(private readonly limit: number) {}

  get(key: K, make: () => V, dispose: (v: V) => void): V {
    const i = this.entries.findIndex((e) => e.key.deref() === key);
    if (i >= 0) {
      const [e] = this.entries.splice(i, 1);
      this.entries.push(e);
      return e.value;
    }
    const kept: { key: WeakRef<K>; value: V }[] = [];
    for (const e of this.entries) {
      if (e.key.deref() === undefined) dispose(e.value);
      else kept.push(e);
    }
    while (kept.length >= this.limit) dispose(kept.shift()!.value);
    const value = make();
    kept.push({ key: new WeakRef(key), value });
    this.entries = kept;
    return value;
  }

  clear(dispose: (v: V) => void): void {
    for (const e of this.entries) dispose(e.value);
    this.entries = [];
  }
}

let plainPool: ScoringPool | undefined;

/**
 * The pool behind accumulateDeterministicSimd and accumulateEnsembleSimd:
 * one thread, created on first use and kept for the process (or until
 * closeSimdPlainPool). Its wasm memory holds one staging block per input
 * role (as large as the largest field of that role seen so far), the last
 * SIMD_TABLES weights arrays and segment tables, and nothing else, so it is
 * bounded whatever the number of calls or of distinct weights and region
 * sets.
 */
export function simdPlainPool(): ScoringPool {
  return (plainPool ??= new ScoringPool(1, { kernel: "simd" }));
}

/** Drop the pool of the plain SIMD functions; its memory is collected (a later call makes a new one). */
export async function closeSimdPlainPool(): Promise<void> {
  const p = plainPool;
  plainPool = undefined;
  await p?.close();
}

/**
 * accumulateDeterministic with the SIMD kernels, in the calling thread; the
 * inputs are copied into a wasm memory first (pools avoid that with
 * allocField). Runs on simdPlainPool().
 */
export function accumulateDeterministicSimd(input: DeterministicInput, regions: RegionSet): Promise<DeterministicStats[]> {
  return simdPlainPool().deterministic(input, regions);
}

/** accumulateEnsemble with the SIMD kernels, in the calling thread (inputs copied into a wasm memory), on simdPlainPool(). */
export function accumulateEnsembleSimd(input: EnsembleInput, regions: RegionSet): Promise<EnsembleStats[]> {
  return simdPlainPool().ensemble(input, regions);
}
