/**
 * Streaming kernels for deterministic scores (verification.md §3, §4): one
 * pass over the points accumulates, per region, the weighted sums of
 * DeterministicStats. NaN in f or o drops the point from every sum of the
 * error block; NaN in f, o or c drops it from the anomaly block.
 */
import type { RegionSet } from "./regions";
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

// Accumulator layout, per class.
const N = 0;
const W = 1;
const WE = 2;
const WAE = 3;
const WE2 = 4;
const AN = 5;
const AW = 6;
const AF = 7;
const AO = 8;
const AFO = 9;
const AFF = 10;
const AOO = 11;
const STRIDE_PLAIN = 5;
const STRIDE_ANOM = 12;

// The passes walk the region set's runs and keep the sums of a run in local
// variables (registers), adding them to the class accumulators at the end of
// the run. Weights are non-negative, so |w·e| = w·|e|.

function errorPass(
  f: Field,
  o: Field,
  w: Float64Array,
  regions: RegionSet,
  acc: Float64Array,
  stride: number,
  lo: number,
  hi: number,
): void {
  const { runStart, runClass } = regions;
  for (let r = 0; r < runClass.length; r++) {
    const start = Math.max(runStart[r], lo);
    const end = Math.min(runStart[r + 1], hi);
    if (start >= end) continue;
    let cnt = 0;
    let sw = 0;
    let swe = 0;
    let swae = 0;
    let swe2 = 0;
    for (let p = start; p < end; p++) {
      const e = f[p] - o[p];
      if (e !== e) continue;
      const wp = w[p];
      const we = wp * e;
      cnt++;
      sw += wp;
      swe += we;
      swae += Math.abs(we);
      swe2 += we * e;
    }
    const b = runClass[r] * stride;
    acc[b + N] += cnt;
    acc[b + W] += sw;
    acc[b + WE] += swe;
    acc[b + WAE] += swae;
    acc[b + WE2] += swe2;
  }
}

function errorAndAnomalyPass(
  f: Field,
  o: Field,
  c: Field,
  w: Float64Array,
  regions: RegionSet,
  acc: Float64Array,
  lo: number,
  hi: number,
): void {
  const { runStart, runClass } = regions;
  for (let r = 0; r < runClass.length; r++) {
    const start = Math.max(runStart[r], lo);
    const end = Math.min(runStart[r + 1], hi);
    if (start >= end) continue;
    let cnt = 0;
    let sw = 0;
    let swe = 0;
    let swae = 0;
    let swe2 = 0;
    let acnt = 0;
    let asw = 0;
    let sf = 0;
    let so = 0;
    let sfo = 0;
    let sff = 0;
    let soo = 0;
    for (let p = start; p < end; p++) {
      const fp = f[p];
      const op = o[p];
      const e = fp - op;
      if (e !== e) continue;
      const wp = w[p];
      const we = wp * e;
      cnt++;
      sw += wp;
      swe += we;
      swae += Math.abs(we);
      swe2 += we * e;
      const cp = c[p];
      if (cp !== cp) continue;
      const fa = fp - cp;
      const oa = op - cp;
      const wfa = wp * fa;
      const woa = wp * oa;
      acnt++;
      asw += wp;
      sf += wfa;
      so += woa;
      sfo += wfa * oa;
      sff += wfa * fa;
      soo += woa * oa;
    }
    const b = runClass[r] * STRIDE_ANOM;
    acc[b + N] += cnt;
    acc[b + W] += sw;
    acc[b + WE] += swe;
    acc[b + WAE] += swae;
    acc[b + WE2] += swe2;
    acc[b + AN] += acnt;
    acc[b + AW] += asw;
    acc[b + AF] += sf;
    acc[b + AO] += so;
    acc[b + AFO] += sfo;
    acc[b + AFF] += sff;
    acc[b + AOO] += soo;
  }
}

/**
 * Accumulate deterministic sufficient statistics for every region of the set
 * in one pass. Returns one record per region, in the region set's order.
 * `range` restricts the pass to points [start, end), so that workers can
 * split a field; merge their results with addStats.
 */
export function accumulateDeterministic(
  input: DeterministicInput,
  regions: RegionSet,
  range?: PointRange,
): DeterministicStats[] {
  const { forecast, truth, climatology, weights } = input;
  checkLengths(forecast.length, [truth, climatology, weights], regions);
  checkRange(range, forecast.length);
  const lo = range?.start ?? 0;
  const hi = range?.end ?? forecast.length;
  const stride = climatology ? STRIDE_ANOM : STRIDE_PLAIN;
  const acc = new Float64Array(regions.classCount * stride);
  if (climatology) errorAndAnomalyPass(forecast, truth, climatology, weights, regions, acc, lo, hi);
  else errorPass(forecast, truth, weights, regions, acc, stride, lo, hi);
  return sumClassesIntoRegions(acc, stride, regions).map((s) => {
    const stats: DeterministicStats = {
      kind: "deterministic",
      count: s[N],
      sumW: s[W],
      sumWErr: s[WE],
      sumWAbsErr: s[WAE],
      sumWSqErr: s[WE2],
    };
    if (climatology) {
      const anomaly: AnomalyStats = {
        count: s[AN],
        sumW: s[AW],
        sumWF: s[AF],
        sumWO: s[AO],
        sumWFO: s[AFO],
        sumWFF: s[AFF],
        sumWOO: s[AOO],
      };
      stats.anomaly = anomaly;
    }
    return stats;
  });
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
