/**
 * Streaming kernel for ensemble scores (verification.md §5). One pass over
 * the points; per point the M members are copied to a scratch buffer and
 * sorted once (insertion sort, see below), which gives the CRPS terms S and D (O(M log M)), the ensemble
 * mean and variance, and the rank of the truth.
 *
 * Conventions (WB2): a point is used only if the truth and all M members are
 * valid (NaN anywhere drops it from every sum). With M = 1 the spread terms
 * D and s² are 0, so fair and ECDF CRPS both equal the MAE.
 */
import { checkRange, sumClassesIntoRegions, type Field, type PointRange } from "./deterministic";
import type { RegionSet } from "./regions";
import type { EnsembleStats } from "./stats";

export interface EnsembleInput {
  /** Member-major values: member m of point p at m · points + p (the forecast store layout). */
  members: Field;
  memberCount: number;
  truth: Field;
  weights: Float64Array;
}

const N = 0;
const W = 1;
const WS = 2;
const WD = 3;
const WV = 4;
const WME = 5;
const WMSE = 6;
const K = 7;

/**
 * Accumulate ensemble sufficient statistics for every region of the set in
 * one pass; `range` restricts the pass to points [start, end) so that
 * workers can split a field (merge their results with addStats).
 */
export function accumulateEnsemble(input: EnsembleInput, regions: RegionSet, range?: PointRange): EnsembleStats[] {
  const { members, memberCount: m, truth, weights: w } = input;
  const n = truth.length;
  if (!Number.isInteger(m) || m < 1) throw new Error("accumulateEnsemble: memberCount must be a positive integer");
  if (members.length !== m * n) throw new Error("accumulateEnsemble: members must hold memberCount × points values");
  if (w.length !== n || regions.size !== n) throw new Error("accumulateEnsemble: truth, weights and regions differ in length");
  checkRange(range, n);
  const { runStart, runClass } = regions;
  const bins = m + 1;
  const acc = new Float64Array(regions.classCount * K);
  const hist = new Float64Array(regions.classCount * bins);
  const x = new Float64Array(m);
  // Members are gathered in the sorted order of the previous valid point:
  // neighbouring points of a smooth field order their members almost alike,
  // so the (adaptive) insertion sort does close to O(M) work there.
  // order[k] = offset (member index × points) of the member in sorted position k.
  const order = new Int32Array(m);
  for (let k = 0; k < m; k++) order[k] = k * n;
  const invM = 1 / m;
  const invM1 = m > 1 ? 1 / (m - 1) : 0;
  const lo = range?.start ?? 0;
  const hi = range?.end ?? n;
  for (let r = 0; r < runClass.length; r++) {
    const start = Math.max(runStart[r], lo);
    const end = Math.min(runStart[r + 1], hi);
    if (start >= end) continue;
    const c = runClass[r];
    const b = c * K;
    const hb = c * bins;
    let cnt = 0;
    let sw = 0;
    let sS = 0;
    let sD = 0;
    let sV = 0;
    let sME = 0;
    let sMSE = 0;
    points: for (let p = start; p < end; p++) {
      const y = truth[p];
      if (y !== y) continue;
      let sum = 0;
      for (let k = 0; k < m; k++) {
        const v = members[order[k] + p];
        if (v !== v) continue points;
        x[k] = v;
        sum += v;
      }
      // Insertion sort of x, permuting `order` alongside.
      for (let i = 1; i < m; i++) {
        const v = x[i];
        if (x[i - 1] <= v) continue;
        const id = order[i];
        let j = i - 1;
        while (j >= 0 && x[j] > v) {
          x[j + 1] = x[j];
          order[j + 1] = order[j];
          j--;
        }
        x[j + 1] = v;
        order[j + 1] = id;
      }
      const mean = sum * invM;
      let absErr = 0;
      let sq = 0;
      let d = 0;
      let below = 0;
      let ties = 0;
      for (let k = 0; k < m; k++) {
        const v = x[k];
        const e = v - y;
        if (e < 0) {
          absErr -= e;
          below++;
        } else {
          absErr += e;
          if (e === 0) ties++;
        }
        const dm = v - mean;
        sq += dm * dm;
        d += (2 * k + 1 - m) * v;
      }
      const wp = w[p];
      const me = mean - y;
      cnt++;
      sw += wp;
      sS += wp * absErr * invM;
      sD += wp * 2 * d;
      sV += wp * sq * invM1;
      sME += wp * me;
      sMSE += wp * me * me;
      if (ties === 0) hist[hb + below] += wp;
      else {
        const share = wp / (ties + 1);
        for (let k = 0; k <= ties; k++) hist[hb + below + k] += share;
      }
    }
    acc[b + N] += cnt;
    acc[b + W] += sw;
    acc[b + WS] += sS;
    acc[b + WD] += sD;
    acc[b + WV] += sV;
    acc[b + WME] += sME;
    acc[b + WMSE] += sMSE;
  }
  const totals = sumClassesIntoRegions(acc, K, regions);
  const hists = sumClassesIntoRegions(hist, bins, regions);
  return totals.map((s, r) => ({
    kind: "ensemble" as const,
    members: m,
    count: s[N],
    sumW: s[W],
    sumWSkill: s[WS],
    sumWPairAbsDiff: s[WD],
    sumWVariance: s[WV],
    sumWMeanErr: s[WME],
    sumWMeanSqErr: s[WMSE],
    rankHistogram: Array.from(hists[r]),
  }));
}
