/**
 * Scoring segments: the runs of consecutive points that share a region
 * class and (on grids with row-constant weights) the same area weight.
 *
 * The kernels (kernels.ts) keep the sums of a segment in local variables and
 * write one record per segment; with a uniform weight they sum unweighted
 * terms and multiply by the weight once at the end of the segment, which
 * takes the weight load and about half the multiplications out of the inner
 * loop. Grids whose weights vary from point to point (unstructured meshes)
 * get one segment per class run and per-point weights instead.
 *
 * Per-segment records are reduced to classes, and classes to regions, in a
 * fixed order, so a field scored in one thread or split over workers at
 * segment boundaries gives bit-identical sums.
 */
import type { RegionSet } from "./regions";

export interface ScoringSegments {
  /** Number of points of the grid. */
  size: number;
  /** Number of segments. */
  count: number;
  /** Segment s covers points start[s] … start[s + 1] − 1 (length count + 1). */
  start: Int32Array;
  /** Region class of each segment. */
  cls: Int32Array;
  /** True if every point of a segment has the segment's weight; false: per-point weights, weight[s] = 1. */
  uniform: boolean;
  weight: Float64Array;
}

/** Below this mean segment length the per-point-weight layout is used. */
const MIN_MEAN_UNIFORM_LENGTH = 16;

const cache = new WeakMap<RegionSet, WeakMap<Float64Array, ScoringSegments>>();

function build(regions: RegionSet, weights: Float64Array): ScoringSegments {
  const n = regions.size;
  if (weights.length !== n) throw new Error(`weights have ${weights.length} points, the region set ${n}`);
  const { runStart, runClass } = regions;
  const starts: number[] = [];
  const classes: number[] = [];
  const ws: number[] = [];
  const limit = n / MIN_MEAN_UNIFORM_LENGTH;
  for (let r = 0; r < runClass.length && starts.length <= limit; r++) {
    const end = runStart[r + 1];
    let p = runStart[r];
    while (p < end) {
      const wp = weights[p];
      let q = p + 1;
      while (q < end && weights[q] === wp) q++;
      starts.push(p);
      classes.push(runClass[r]);
      ws.push(wp);
      p = q;
    }
  }
  if (starts.length <= limit) {
    return {
      size: n,
      count: starts.length,
      start: Int32Array.from([...starts, n]),
      cls: Int32Array.from(classes),
      uniform: true,
      weight: Float64Array.from(ws),
    };
  }
  return {
    size: n,
    count: runClass.length,
    start: Int32Array.from(runStart),
    cls: Int32Array.from(runClass),
    uniform: false,
    weight: new Float64Array(runClass.length).fill(1),
  };
}

/**
 * The segments of a region set under the given weights, built once and
 * cached per (region set, weights array). The weights must not be modified
 * in place afterwards.
 */
export function scoringSegments(regions: RegionSet, weights: Float64Array): ScoringSegments {
  let byWeights = cache.get(regions);
  if (!byWeights) {
    byWeights = new WeakMap();
    cache.set(regions, byWeights);
  }
  let seg = byWeights.get(weights);
  if (!seg) {
    seg = build(regions, weights);
    byWeights.set(weights, seg);
  }
  return seg;
}

/** The segments [s0, s1) that overlap the point range [lo, hi). */
export function segmentsInRange(seg: ScoringSegments, lo: number, hi: number): { s0: number; s1: number } {
  if (lo >= hi) return { s0: 0, s1: 0 };
  // last segment starting at or before lo, first segment starting at or after hi
  let a = 0;
  let b = seg.count;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (seg.start[mid + 1] <= lo) a = mid + 1;
    else b = mid;
  }
  let c = a;
  let d = seg.count;
  while (c < d) {
    const mid = (c + d) >> 1;
    if (seg.start[mid] < hi) c = mid + 1;
    else d = mid;
  }
  return { s0: a, s1: c };
}

/**
 * Split segments [0, count) into `parts` consecutive ranges of about equal
 * point counts. Returns part boundaries b[0] = 0 … b[parts] = count.
 */
export function splitSegments(seg: ScoringSegments, parts: number): number[] {
  const bounds = [0];
  for (let i = 1; i < parts; i++) {
    const target = Math.round((seg.size * i) / parts);
    let s = bounds[i - 1];
    while (s < seg.count && seg.start[s] < target) s++;
    bounds.push(s);
  }
  bounds.push(seg.count);
  return bounds;
}
