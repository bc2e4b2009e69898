/**
 * Streaming kernel for ensemble scores (verification.md §5). One pass over
 * the points; per point the M members are copied to a scratch buffer and
 * sorted once (seeded insertion sort, kernels.ts), which gives the CRPS
 * terms S and D, the ensemble mean and variance, and the rank of the truth.
 *
 * Conventions (WB2): a point is used only if the truth and all M members are
 * valid (NaN anywhere drops it from every sum). With M = 1 the spread terms
 * D and s² are 0, so fair and ECDF CRPS both equal the MAE.
 */
import { checkRange, sumClassesIntoRegions, type Field, type PointRange } from "./deterministic";
import { ENS_RECORD, ensembleSegments, reduceSegments } from "./kernels";
import type { RegionSet } from "./regions";
import { scoringSegments, segmentsInRange } from "./segments";
import type { EnsembleStats } from "./stats";

export interface EnsembleInput {
  /** Member-major values: member m of point p at m · points + p (the forecast store layout). */
  members: Field;
  memberCount: number;
  truth: Field;
  weights: Float64Array;
}

/** Per-region stats from per-class ensemble records and histograms (layout: kernels.ts). */
export function ensembleStatsFromClasses(acc: Float64Array, hist: Float64Array, m: number, regions: RegionSet): EnsembleStats[] {
  const totals = sumClassesIntoRegions(acc, ENS_RECORD, regions);
  const hists = sumClassesIntoRegions(hist, m + 1, regions);
  return totals.map((s, r) => ({
    kind: "ensemble" as const,
    members: m,
    count: s[0],
    sumW: s[1],
    sumWSkill: s[2],
    sumWPairAbsDiff: s[3],
    sumWVariance: s[4],
    sumWMeanErr: s[5],
    sumWMeanSqErr: s[6],
    rankHistogram: Array.from(hists[r]),
  }));
}

export function checkEnsembleInput(input: EnsembleInput, regions: RegionSet): void {
  const { members, memberCount: m, truth, weights: w } = input;
  const n = truth.length;
  if (!Number.isInteger(m) || m < 1) throw new Error("accumulateEnsemble: memberCount must be a positive integer");
  if (members.length !== m * n) throw new Error("accumulateEnsemble: members must hold memberCount × points values");
  if (w.length !== n || regions.size !== n) throw new Error("accumulateEnsemble: truth, weights and regions differ in length");
}

/**
 * Accumulate ensemble sufficient statistics for every region of the set in
 * one pass; `range` restricts the pass to points [start, end) so that
 * workers can split a field (merge their results with addStats).
 */
export function accumulateEnsemble(input: EnsembleInput, regions: RegionSet, range?: PointRange): EnsembleStats[] {
  checkEnsembleInput(input, regions);
  const { members, memberCount: m, truth, weights: w } = input;
  const n = truth.length;
  checkRange(range, n);
  const lo = range?.start ?? 0;
  const hi = range?.end ?? n;
  const seg = scoringSegments(regions, w);
  const { s0, s1 } = segmentsInRange(seg, lo, hi);
  const records = new Float64Array(seg.count * ENS_RECORD);
  const hist = new Float64Array(seg.count * (m + 1));
  ensembleSegments(members, m, truth, w, seg, s0, s1, lo, hi, records, hist, new Float64Array(m), new Int32Array(m));
  const acc = reduceSegments(records, ENS_RECORD, seg.cls, regions.classCount, s0, s1);
  const hacc = reduceSegments(hist, m + 1, seg.cls, regions.classCount, s0, s1);
  return ensembleStatsFromClasses(acc, hacc, m, regions);
}
