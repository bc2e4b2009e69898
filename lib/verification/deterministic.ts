/**
 * Streaming kernels for deterministic scores (verification.md §3, §4): one
 * pass over the points accumulates, per region, the weighted sums of
 * DeterministicStats. NaN in f or o drops the point from every sum of the
 * error block; NaN in f, o or c drops it from the anomaly block.
 */
import { DET_RECORD, deterministicSegments, reduceSegments } from "./kernels";
import type { RegionSet } from "./regions";
import { scoringSegments, segmentsInRange } from "./segments";
import type { AnomalyStats, DeterministicStats, WindVectorStats } from "./stats";

export type Field = Float32Array | Float64Array;

export interface DeterministicInput {
  forecast: Field;
  truth: Field;
  /** Climatology at the valid time, same points; enables the anomaly (ACC) sums. */
  climatology?: Field;
  /** Per-point area weights (full grid; the region set masks them). */
  weights: Float64Array;
}

export interface WindVectorInput {
  forecastU: Field;
  forecastV: Field;
  truthU: Field;
  truthV: Field;
  weights: Float64Array;
}

/** A half-open range of point indices [start, end). */
export interface PointRange {
  start: number;
  end: number;
}

export function checkRange(range: PointRange | undefined, n: number): void {
  if (range === undefined) return;
  const { start, end } = range;
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= n)) {
    throw new Error(`bad point range [${start}, ${end}) for ${n} points`);
  }
}

function checkLengths(n: number, fields: (Field | Float64Array | undefined)[], regions: RegionSet): void {
  if (regions.size !== n) throw new Error(`region set has ${regions.size} points, fields have ${n}`);
  for (const f of fields) {
    if (f !== undefined && f.length !== n) throw new Error("fields, weights and regions differ in length");
  }
}

/** Sum per-class accumulators (stride k) into per-region totals. */
export function sumClassesIntoRegions(acc: Float64Array, stride: number, regions: RegionSet): Float64Array[] {
  return regions.regionClasses.map((classes) => {
    const out = new Float64Array(stride);
    for (let i = 0; i < classes.length; i++) {
      const base = classes[i] * stride;
      for (let k = 0; k < stride; k++) out[k] += acc[base + k];
    }
    return out;
  });
}

export function checkDeterministicInput(input: DeterministicInput, regions: RegionSet): void {
  checkLengths(input.forecast.length, [input.truth, input.climatology, input.weights], regions);
}

/** Per-region stats from per-class deterministic records (layout: kernels.ts). */
export function deterministicStatsFromClasses(acc: Float64Array, regions: RegionSet, withAnomaly: boolean): DeterministicStats[] {
  return sumClassesIntoRegions(acc, DET_RECORD, regions).map((s) => {
    const stats: DeterministicStats = {
      kind: "deterministic",
      count: s[0],
      sumW: s[1],
      sumWErr: s[2],
      sumWAbsErr: s[3],
      sumWSqErr: s[4],
    };
    if (withAnomaly) {
      const [ase, ase2, so, soo, seo] = [s[7], s[8], s[9], s[10], s[11]];
      const anomaly: AnomalyStats = {
        count: s[5],
        sumW: s[6],
        sumWF: so + ase,
        sumWO: so,
        sumWFO: soo + seo,
        sumWFF: soo + 2 * seo + ase2,
        sumWOO: soo,
      };
      stats.anomaly = anomaly;
    }
    return stats;
  });
}

/**
 * Accumulate deterministic sufficient statistics for every region of the set
 * in one pass. Returns one record per region, in the region set's order.
 * `range` restricts the pass to points [start, end), so that workers can
 * split a field; merge their results with addStats. (ScoringPool in
 * parallel.ts splits at segment boundaries instead, which gives the same
 * bits as one call over the whole field.)
 */
export function accumulateDeterministic(
  input: DeterministicInput,
  regions: RegionSet,
  range?: PointRange,
): DeterministicStats[] {
  const { forecast, truth, climatology, weights } = input;
  checkDeterministicInput(input, regions);
  checkRange(range, forecast.length);
  const lo = range?.start ?? 0;
  const hi = range?.end ?? forecast.length;
  const seg = scoringSegments(regions, weights);
  const { s0, s1 } = segmentsInRange(seg, lo, hi);
  const records = new Float64Array(seg.count * DET_RECORD);
  deterministicSegments(forecast, truth, climatology ?? null, weights, seg, s0, s1, lo, hi, records);
  const acc = reduceSegments(records, DET_RECORD, seg.cls, regions.classCount, s0, s1);
  return deterministicStatsFromClasses(acc, regions, climatology !== undefined);
}

/** Accumulate wind-vector squared-error sums (u and v together) for every region. */
export function accumulateWindVector(input: WindVectorInput, regions: RegionSet, range?: PointRange): WindVectorStats[] {
  const { forecastU, forecastV, truthU, truthV, weights: w } = input;
  const n = forecastU.length;
  checkLengths(n, [forecastV, truthU, truthV, w], regions);
  checkRange(range, n);
  const lo = range?.start ?? 0;
  const hi = range?.end ?? n;
  const { runStart, runClass } = regions;
  const acc = new Float64Array(regions.classCount * 3);
  for (let r = 0; r < runClass.length; r++) {
    const start = Math.max(runStart[r], lo);
    const end = Math.min(runStart[r + 1], hi);
    if (start >= end) continue;
    let cnt = 0;
    let sw = 0;
    let swe2 = 0;
    for (let p = start; p < end; p++) {
      const du = forecastU[p] - truthU[p];
      const dv = forecastV[p] - truthV[p];
      const e2 = du * du + dv * dv;
      if (e2 !== e2) continue;
      cnt++;
      sw += w[p];
      swe2 += w[p] * e2;
    }
    const b = runClass[r] * 3;
    acc[b] += cnt;
    acc[b + 1] += sw;
    acc[b + 2] += swe2;
  }
  return sumClassesIntoRegions(acc, 3, regions).map((s) => ({
    kind: "wind-vector" as const,
    count: s[0],
    sumW: s[1],
    sumWSqErr: s[2],
  }));
}
