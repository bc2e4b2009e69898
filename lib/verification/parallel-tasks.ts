/**
 * Tasks of ScoringPool (parallel.ts): one segment kernel call on shared
 * memory. Worker threads run them from parallel-worker.mjs; the calling
 * thread runs its own share with the same function.
 */
import type { Field } from "./deterministic";
import { deterministicSegments, ensembleSegments, type SegmentView } from "./kernels";
import { runSimdTask, type SimdTask } from "./simd-run";

export interface KernelTaskBase {
  id: number;
  seg: SegmentView;
  s0: number;
  s1: number;
  lo: number;
  hi: number;
  weights: Float64Array;
  out: Float64Array;
}

export interface DeterministicTask extends KernelTaskBase {
  kind: "deterministic";
  forecast: Field;
  truth: Field;
  climatology: Field | null;
}

export interface EnsembleTask extends KernelTaskBase {
  kind: "ensemble";
  members: Field;
  memberCount: number;
  truth: Field;
  hist: Float64Array;
}

export type KernelTask = DeterministicTask | EnsembleTask | SimdTask;

export interface KernelReply {
  id: number;
  error?: string;
}

/** This thread's instances of SIMD modules (a worker serves one pool, so one memory). */
const threadInstances = new Map<string, WebAssembly.Instance>();

/** Run one task (also used in the calling thread for its own share, with the pool's instance cache). */
export function runKernelTask(t: KernelTask, instances = threadInstances): void {
  if (t.kind === "simd-deterministic" || t.kind === "simd-ensemble") {
    runSimdTask(t, instances);
  } else if (t.kind === "deterministic") {
    deterministicSegments(t.forecast, t.truth, t.climatology, t.weights, t.seg, t.s0, t.s1, t.lo, t.hi, t.out);
  } else {
    const m = t.memberCount;
    ensembleSegments(t.members, m, t.truth, t.weights, t.seg, t.s0, t.s1, t.lo, t.hi, t.out, t.hist, new Float64Array(m), new Int32Array(m));
  }
}
