/**
 * Streaming kernel for ensemble scores (verification.md §5). One pass over
 * the points; per point the M members are copied to a scratch buffer and
 * sorted once, which gives the CRPS terms S and D (O(M log M)), the ensemble
 * mean and variance, and the rank of the truth.
 *
 * Conventions (WB2): a point is used only if the truth and all M members are
 * valid (NaN anywhere drops it from every sum). With M = 1 the spread terms
 * D and s² are 0, so fair and ECDF CRPS both equal the MAE.
 */
import type { Field } from "./deterministic";
import { sumClassesIntoRegions } from "./deterministic";
import { pairAbsDiffSumSorted, sortMembers } from "./crps";
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

export function accumulateEnsemble(input: EnsembleInput, regions: RegionSet): EnsembleStats[] {
  const { members, memberCount: m, truth, weights: w } = input;
  const n = truth.length;
  if (!Number.isInteger(m) || m < 1) throw new Error("accumulateEnsemble: memberCount must be a positive integer");
  if (members.length !== m * n) throw new Error("accumulateEnsemble: members must hold memberCount × points values");
  if (w.length !== n || regions.size !== n) throw new Error("accumulateEnsemble: truth, weights and regions differ in length");
  const cls = regions.classOf;
  const bins = m + 1;
  const acc = new Float64Array(regions.classCount * K);
  const hist = new Float64Array(regions.classCount * bins);
  const x = new Float64Array(m);
  const invM = 1 / m;
  const invM1 = m > 1 ? 1 / (m - 1) : 0;
  points: for (let p = 0; p < n; p++) {
    const y = truth[p];
    if (y !== y) continue;
    let sum = 0;
    for (let k = 0, q = p; k < m; k++, q += n) {
      const v = members[q];
      if (v !== v) continue points;
      x[k] = v;
      sum += v;
    }
    sortMembers(x, m);
    const mean = sum * invM;
    let absErr = 0;
    let sq = 0;
    let below = 0;
    let ties = 0;
    for (let k = 0; k < m; k++) {
      const v = x[k];
      const d = v - y;
      if (d < 0) {
        absErr -= d;
        below++;
      } else {
        absErr += d;
        if (d === 0) ties++;
      }
      const dm = v - mean;
      sq += dm * dm;
    }
    const wp = w[p];
    const c = cls[p];
    const b = c * K;
    const me = mean - y;
    acc[b + N] += 1;
    acc[b + W] += wp;
    acc[b + WS] += wp * absErr * invM;
    acc[b + WD] += wp * pairAbsDiffSumSorted(x, m);
    acc[b + WV] += wp * sq * invM1;
    acc[b + WME] += wp * me;
    acc[b + WMSE] += wp * me * me;
    const h = c * bins + below;
    if (ties === 0) hist[h] += wp;
    else {
      const share = wp / (ties + 1);
      for (let k = 0; k <= ties; k++) hist[h + k] += share;
    }
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
