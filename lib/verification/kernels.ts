/**
 * Segment kernels: the inner loops of the deterministic and ensemble scores.
 * Each writes one record of sums per scoring segment (segments.ts) into
 * `out`; reduceSegments folds the records into classes in segment order.
 * They run in the calling thread or in a worker (parallel.ts) on shared
 * memory; the code is the same, so the records are bit-identical.
 *
 * Deterministic record (DET_RECORD values), over points where f and o are
 * valid (error e = f − o), and, for the anomaly part, where c is valid too
 * (o′ = o − c, f′ = o′ + e):
 *   [n, Σw, Σw·e, Σw·|e|, Σw·e², n′, Σ′w, Σ′w·e, Σ′w·e², Σ′w·o′, Σ′w·o′², Σ′w·e·o′]
 * The anomaly sums of f′ follow: Σw f′ = Σw o′ + Σw e, Σw f′o′ = Σw o′² + Σw e o′,
 * Σw f′² = Σw o′² + 2 Σw e o′ + Σw e², which needs 6 sums per point instead of 12.
 *
 * NaN handling without a test per point: a segment is summed without checks
 * first; NaN propagates into the sums, and only then is the segment summed
 * again with per-point checks (same order of operations, so a segment
 * without NaN gets the same result either way).
 *
 * Ensemble record (ENS_RECORD values), over points where y and all M members
 * are valid: [n, Σw, Σw·S, Σw·D, Σw·s², Σw·(x̄ − y), Σw·(x̄ − y)²], plus a
 * rank histogram of M + 1 bins per segment.
 */
import type { Field } from "./deterministic";

export const DET_RECORD = 12;
export const ENS_RECORD = 7;

/** The part of ScoringSegments the kernels need. */
export interface SegmentView {
  start: Int32Array;
  weight: Float64Array;
  uniform: boolean;
}

function detUniformAnomaly(f: Field, o: Field, c: Field, seg: SegmentView, s0: number, s1: number, lo: number, hi: number, out: Float64Array): void {
  const { start, weight } = seg;
  for (let s = s0; s < s1; s++) {
    const a = start[s] > lo ? start[s] : lo;
    const b = start[s + 1] < hi ? start[s + 1] : hi;
    const base = s * DET_RECORD;
    let cnt = b > a ? b - a : 0;
    let acnt = cnt;
    let se = 0;
    let sae = 0;
    let se2 = 0;
    let so = 0;
    let soo = 0;
    let seo = 0;
    for (let p = a; p < b; p++) {
      const op = o[p];
      const e = f[p] - op;
      const oa = op - c[p];
      se += e;
      sae += Math.abs(e);
      se2 += e * e;
      so += oa;
      soo += oa * oa;
      seo += e * oa;
    }
    let ase = se;
    let ase2 = se2;
    const check = se + so;
    if (check !== check) {
      cnt = 0;
      acnt = 0;
      se = 0;
      sae = 0;
      se2 = 0;
      ase = 0;
      ase2 = 0;
      so = 0;
      soo = 0;
      seo = 0;
      for (let p = a; p < b; p++) {
        const op = o[p];
        const e = f[p] - op;
        if (e !== e) continue;
        cnt++;
        se += e;
        sae += Math.abs(e);
        se2 += e * e;
        const oa = op - c[p];
        if (oa !== oa) continue;
        acnt++;
        ase += e;
        ase2 += e * e;
        so += oa;
        soo += oa * oa;
        seo += e * oa;
      }
    }
    const wt = weight[s];
    out[base] = cnt;
    out[base + 1] = wt * cnt;
    out[base + 2] = wt * se;
    out[base + 3] = wt * sae;
    out[base + 4] = wt * se2;
    out[base + 5] = acnt;
    out[base + 6] = wt * acnt;
    out[base + 7] = wt * ase;
    out[base + 8] = wt * ase2;
    out[base + 9] = wt * so;
    out[base + 10] = wt * soo;
    out[base + 11] = wt * seo;
  }
}

function detUniformPlain(f: Field, o: Field, seg: SegmentView, s0: number, s1: number, lo: number, hi: number, out: Float64Array): void {
  const { start, weight } = seg;
  for (let s = s0; s < s1; s++) {
    const a = start[s] > lo ? start[s] : lo;
    const b = start[s + 1] < hi ? start[s + 1] : hi;
    const base = s * DET_RECORD;
    let cnt = b > a ? b - a : 0;
    let se = 0;
    let sae = 0;
    let se2 = 0;
    for (let p = a; p < b; p++) {
      const e = f[p] - o[p];
      se += e;
      sae += Math.abs(e);
      se2 += e * e;
    }
    if (se !== se) {
      cnt = 0;
      se = 0;
      sae = 0;
      se2 = 0;
      for (let p = a; p < b; p++) {
        const e = f[p] - o[p];
        if (e !== e) continue;
        cnt++;
        se += e;
        sae += Math.abs(e);
        se2 += e * e;
      }
    }
    const wt = weight[s];
    out[base] = cnt;
    out[base + 1] = wt * cnt;
    out[base + 2] = wt * se;
    out[base + 3] = wt * sae;
    out[base + 4] = wt * se2;
    for (let k = 5; k < DET_RECORD; k++) out[base + k] = 0;
  }
}

function detWeighted(f: Field, o: Field, c: Field | null, w: Float64Array, seg: SegmentView, s0: number, s1: number, lo: number, hi: number, out: Float64Array): void {
  const { start } = seg;
  for (let s = s0; s < s1; s++) {
    const a = start[s] > lo ? start[s] : lo;
    const b = start[s + 1] < hi ? start[s + 1] : hi;
    let cnt = 0;
    let sw = 0;
    let se = 0;
    let sae = 0;
    let se2 = 0;
    let acnt = 0;
    let asw = 0;
    let ase = 0;
    let ase2 = 0;
    let so = 0;
    let soo = 0;
    let seo = 0;
    for (let p = a; p < b; p++) {
      const op = o[p];
      const e = f[p] - op;
      if (e !== e) continue;
      const wp = w[p];
      const we = wp * e;
      cnt++;
      sw += wp;
      se += we;
      sae += Math.abs(we);
      se2 += we * e;
      if (c === null) continue;
      const oa = op - c[p];
      if (oa !== oa) continue;
      const woa = wp * oa;
      acnt++;
      asw += wp;
      ase += we;
      ase2 += we * e;
      so += woa;
      soo += woa * oa;
      seo += we * oa;
    }
    const base = s * DET_RECORD;
    out[base] = cnt;
    out[base + 1] = sw;
    out[base + 2] = se;
    out[base + 3] = sae;
    out[base + 4] = se2;
    out[base + 5] = acnt;
    out[base + 6] = asw;
    out[base + 7] = ase;
    out[base + 8] = ase2;
    out[base + 9] = so;
    out[base + 10] = soo;
    out[base + 11] = seo;
  }
}

/**
 * Deterministic records of segments [s0, s1), restricted to points [lo, hi),
 * into out[s · DET_RECORD …]. `c` null: no anomaly sums (zeros).
 */
export function deterministicSegments(
  f: Field,
  o: Field,
  c: Field | null,
  w: Float64Array,
  seg: SegmentView,
  s0: number,
  s1: number,
  lo: number,
  hi: number,
  out: Float64Array,
): void {
  if (!seg.uniform) detWeighted(f, o, c, w, seg, s0, s1, lo, hi, out);
  else if (c) detUniformAnomaly(f, o, c, seg, s0, s1, lo, hi, out);
  else detUniformPlain(f, o, seg, s0, s1, lo, hi, out);
}

/**
 * Ensemble records of segments [s0, s1) restricted to points [lo, hi) into
 * out[s · ENS_RECORD …] and hist[s · (M + 1) …]. `members` is member-major
 * (member k of point p at k · n + p, n = truth.length). `x` (M float64) and
 * `order` (M int32) are scratch arrays.
 *
 * Per point: the errors x_k − y are gathered in the sorted order of the
 * previous valid point and insertion-sorted. Neighbouring points of a real
 * (spatially smooth) ensemble order their members almost alike, so the sort
 * does close to O(M) work; on white noise it is O(M²). From the sorted
 * errors: S = Σ|e_k|/M, D = 2 Σ_k (2k + 1 − M) e_k (k from 0; Σ(2k + 1 − M) = 0,
 * so sorting e = x − y instead of x gives the same D), mean error, variance
 * (two-pass about the mean) and the rank of y (ties share the weight).
 */
export function ensembleSegments(
  members: Field,
  m: number,
  truth: Field,
  w: Float64Array,
  seg: SegmentView,
  s0: number,
  s1: number,
  lo: number,
  hi: number,
  out: Float64Array,
  hist: Float64Array,
  x: Float64Array,
  order: Int32Array,
): void {
  const { start, weight, uniform } = seg;
  const n = truth.length;
  const bins = m + 1;
  const invM = 1 / m;
  const invM1 = m > 1 ? 1 / (m - 1) : 0;
  for (let k = 0; k < m; k++) order[k] = k * n;
  for (let s = s0; s < s1; s++) {
    const a = start[s] > lo ? start[s] : lo;
    const b = start[s + 1] < hi ? start[s + 1] : hi;
    const hb = s * bins;
    for (let k = 0; k < bins; k++) hist[hb + k] = 0;
    let cnt = 0;
    let sw = 0;
    let sS = 0;
    let sD = 0;
    let sV = 0;
    let sME = 0;
    let sMSE = 0;
    points: for (let p = a; p < b; p++) {
      const y = truth[p];
      if (y !== y) continue;
      // One pass over the members, gathered in the previous point's sorted
      // order and insertion-sorted as they come. The order-free sums (Σe,
      // Σe², Σ of the negative e, count below) are taken on the way; D is kept up to date under
      // insertions: a value inserted at position j adds (2j + 1 − M)·v, and
      // each value it shifts up one place adds 2·x.
      let sum = 0;
      let sq = 0;
      let neg = 0;
      let d = 0;
      let below = 0;
      let prev = -Infinity;
      let coef = 1 - m;
      for (let k = 0; k < m; k++, coef += 2) {
        const v = members[order[k] + p] - y;
        sum += v;
        sq += v * v;
        if (v < 0) {
          below++;
          neg += v;
        }
        if (v >= prev) {
          x[k] = v;
          d += coef * v;
          prev = v;
        } else {
          const id = order[k];
          let j = k - 1;
          let shifted = 0;
          while (j >= 0 && x[j] > v) {
            const u = x[j];
            x[j + 1] = u;
            order[j + 1] = order[j];
            shifted += u;
            j--;
          }
          x[j + 1] = v;
          order[j + 1] = id;
          d += (2 * j + 3 - m) * v + 2 * shifted;
        }
      }
      if (sum !== sum) {
        // a NaN member drops the point (its order may be scrambled: that only costs the next point time)
        for (let k = 0; k < m; k++) {
          const v = members[k * n + p];
          if (v !== v) continue points;
        }
      }
      // Σ|e| = Σe − 2·Σ_{e<0} e; the members equal to the truth follow the negative ones
      const absErr = sum - 2 * neg;
      let ties = 0;
      while (below + ties < m && x[below + ties] === 0) ties++;
      const me = sum * invM;
      // Σ(x − x̄)² = Σe² − M·ē² (e = x − y; exact to ~1e-16·Σe², ample for
      // errors not many orders above the spread); never below 0
      const ssd = sq - sum * me;
      const var_ = ssd > 0 ? ssd * invM1 : 0;
      const wp = uniform ? 1 : w[p];
      cnt++;
      sw += wp;
      sS += wp * absErr * invM;
      sD += wp * 2 * d;
      sV += wp * var_;
      sME += wp * me;
      sMSE += wp * me * me;
      if (ties === 0) hist[hb + below] += wp;
      else {
        const share = wp / (ties + 1);
        for (let k = 0; k <= ties; k++) hist[hb + below + k] += share;
      }
    }
    const wt = weight[s];
    const base = s * ENS_RECORD;
    out[base] = cnt;
    out[base + 1] = wt * sw;
    out[base + 2] = wt * sS;
    out[base + 3] = wt * sD;
    out[base + 4] = wt * sV;
    out[base + 5] = wt * sME;
    out[base + 6] = wt * sMSE;
    if (wt !== 1) for (let k = 0; k < bins; k++) hist[hb + k] *= wt;
  }
}

/**
 * Fold per-segment records (stride k) of segments [s0, s1) into per-class
 * sums, in segment order.
 */
export function reduceSegments(records: Float64Array, k: number, cls: Int32Array, classCount: number, s0: number, s1: number): Float64Array {
  const acc = new Float64Array(classCount * k);
  for (let s = s0; s < s1; s++) {
    const src = s * k;
    const dst = cls[s] * k;
    for (let j = 0; j < k; j++) acc[dst + j] += records[src + j];
  }
  return acc;
}
