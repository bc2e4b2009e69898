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

function errorPass(
  f: Field,
  o: Field,
  w: Float64Array,
  cls: RegionSet["classOf"],
  acc: Float64Array,
  stride: number,
): void {
  const n = f.length;
  for (let p = 0; p < n; p++) {
    const e = f[p] - o[p];
    if (e !== e) continue;
    const wp = w[p];
    const we = wp * e;
    const b = cls[p] * stride;
    acc[b] += 1;
    acc[b + W] += wp;
    acc[b + WE] += we;
    acc[b + WAE] += e < 0 ? -we : we;
    acc[b + WE2] += we * e;
  }
}

function errorAndAnomalyPass(
  f: Field,
  o: Field,
  c: Field,
  w: Float64Array,
  cls: RegionSet["classOf"],
  acc: Float64Array,
): void {
  const n = f.length;
  for (let p = 0; p < n; p++) {
    const fp = f[p];
    const op = o[p];
    const e = fp - op;
    if (e !== e) continue;
    const wp = w[p];
    const we = wp * e;
    const b = cls[p] * STRIDE_ANOM;
    acc[b] += 1;
    acc[b + W] += wp;
    acc[b + WE] += we;
    acc[b + WAE] += e < 0 ? -we : we;
    acc[b + WE2] += we * e;
    const cp = c[p];
    if (cp !== cp) continue;
    const fa = fp - cp;
    const oa = op - cp;
    const wfa = wp * fa;
    acc[b + AN] += 1;
    acc[b + AW] += wp;
    acc[b + AF] += wfa;
    acc[b + AO] += wp * oa;
    acc[b + AFO] += wfa * oa;
    acc[b + AFF] += wfa * fa;
    acc[b + AOO] += wp * oa * oa;
  }
}

/**
 * Accumulate deterministic sufficient statistics for every region of the set
 * in one pass. Returns one record per region, in the region set's order.
 */
export function accumulateDeterministic(input: DeterministicInput, regions: RegionSet): DeterministicStats[] {
  const { forecast, truth, climatology, weights } = input;
  checkLengths(forecast.length, [truth, climatology, weights], regions);
  const stride = climatology ? STRIDE_ANOM : STRIDE_PLAIN;
  const acc = new Float64Array(regions.classCount * stride);
  if (climatology) errorAndAnomalyPass(forecast, truth, climatology, weights, regions.classOf, acc);
  else errorPass(forecast, truth, weights, regions.classOf, acc, stride);
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
export function accumulateWindVector(input: WindVectorInput, regions: RegionSet): WindVectorStats[] {
  const { forecastU, forecastV, truthU, truthV, weights: w } = input;
  const n = forecastU.length;
  checkLengths(n, [forecastV, truthU, truthV, w], regions);
  const cls = regions.classOf;
  const acc = new Float64Array(regions.classCount * 3);
  for (let p = 0; p < n; p++) {
    const du = forecastU[p] - truthU[p];
    const dv = forecastV[p] - truthV[p];
    const e2 = du * du + dv * dv;
    if (e2 !== e2) continue;
    const b = cls[p] * 3;
    acc[b] += 1;
    acc[b + 1] += w[p];
    acc[b + 2] += w[p] * e2;
  }
  return sumClassesIntoRegions(acc, 3, regions).map((s) => ({
    kind: "wind-vector" as const,
    count: s[0],
    sumW: s[1],
    sumWSqErr: s[2],
  }));
}
