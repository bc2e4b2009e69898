/**
 * Merging sufficient statistics of disjoint point sets of the same region
 * and init time (e.g. the parts of a field scored by different workers):
 * every field is a sum, so merging is addition.
 */
import type { AnomalyStats, SufficientStats } from "./stats";

function addAnomaly(a: AnomalyStats, b: AnomalyStats): AnomalyStats {
  return {
    count: a.count + b.count,
    sumW: a.sumW + b.sumW,
    sumWF: a.sumWF + b.sumWF,
    sumWO: a.sumWO + b.sumWO,
    sumWFO: a.sumWFO + b.sumWFO,
    sumWFF: a.sumWFF + b.sumWFF,
    sumWOO: a.sumWOO + b.sumWOO,
  };
}

export function addStats<T extends SufficientStats>(a: T, b: T): T {
  if (a.kind === "deterministic" && b.kind === "deterministic") {
    if ((a.anomaly === undefined) !== (b.anomaly === undefined)) throw new Error("addStats: anomaly sums on one side only");
    return {
      kind: "deterministic",
      count: a.count + b.count,
      sumW: a.sumW + b.sumW,
      sumWErr: a.sumWErr + b.sumWErr,
      sumWAbsErr: a.sumWAbsErr + b.sumWAbsErr,
      sumWSqErr: a.sumWSqErr + b.sumWSqErr,
      ...(a.anomaly && b.anomaly ? { anomaly: addAnomaly(a.anomaly, b.anomaly) } : {}),
    } as T;
  }
  if (a.kind === "wind-vector" && b.kind === "wind-vector") {
    return { kind: "wind-vector", count: a.count + b.count, sumW: a.sumW + b.sumW, sumWSqErr: a.sumWSqErr + b.sumWSqErr } as T;
  }
  if (a.kind === "ensemble" && b.kind === "ensemble") {
    if (a.members !== b.members) throw new Error("addStats: different member counts");
    return {
      kind: "ensemble",
      members: a.members,
      count: a.count + b.count,
      sumW: a.sumW + b.sumW,
      sumWSkill: a.sumWSkill + b.sumWSkill,
      sumWPairAbsDiff: a.sumWPairAbsDiff + b.sumWPairAbsDiff,
      sumWVariance: a.sumWVariance + b.sumWVariance,
      sumWMeanErr: a.sumWMeanErr + b.sumWMeanErr,
      sumWMeanSqErr: a.sumWMeanSqErr + b.sumWMeanSqErr,
      rankHistogram: a.rankHistogram.map((h, k) => h + b.rankHistogram[k]),
    } as T;
  }
  throw new Error(`addStats: cannot add ${a.kind} and ${b.kind}`);
}
