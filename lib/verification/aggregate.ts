/**
 * Scores from stored sufficient statistics: the per-init-time value of a
 * score, and its aggregate over init times following verification.md §3–§5
 * (per-init area means first, then the arithmetic mean over init times; the
 * RMSE-like scores take the square root after the time mean).
 *
 * Init times with no valid point in the region (count 0), and per-time values
 * that are NaN (e.g. ACC with a zero-variance anomaly), are left out of the
 * time mean, as xarray's skipna does in WB2. No usable init time gives NaN.
 */
import { accCentred, accRatioOfAggregates, accUncentred } from "./acc";
import type { AnomalyStats, DeterministicStats, EnsembleStats, SufficientStats, WindVectorStats } from "./stats";

export const DETERMINISTIC_SCORES = [
  "mse",
  "rmse",
  "rmse-legacy",
  "bias",
  "mae",
  "acc-wb2",
  "acc-wbx",
  "acc-centred",
] as const;
export const WIND_VECTOR_SCORES = ["wind-vector-mse", "wind-vector-rmse"] as const;
export const ENSEMBLE_SCORES = [
  "crps-fair",
  "crps-ecdf",
  "crps-skill",
  "crps-spread",
  "ensemble-mean-mse",
  "ensemble-mean-rmse",
  "ensemble-mean-bias",
  "ensemble-variance",
  "spread",
  "spread-legacy",
  "debiased-ensemble-mean-mse",
  "spread-skill-ratio",
  "spread-skill-ratio-corrected",
  "spread-skill-ratio-unbiased",
] as const;

export type DeterministicScore = (typeof DETERMINISTIC_SCORES)[number];
export type WindVectorScore = (typeof WIND_VECTOR_SCORES)[number];
export type EnsembleScore = (typeof ENSEMBLE_SCORES)[number];
export type ScoreName = DeterministicScore | WindVectorScore | EnsembleScore;

export const SCORE_NAMES: readonly ScoreName[] = [...DETERMINISTIC_SCORES, ...WIND_VECTOR_SCORES, ...ENSEMBLE_SCORES];

export function scoreKind(score: ScoreName): SufficientStats["kind"] {
  if ((DETERMINISTIC_SCORES as readonly string[]).includes(score)) return "deterministic";
  if ((WIND_VECTOR_SCORES as readonly string[]).includes(score)) return "wind-vector";
  if ((ENSEMBLE_SCORES as readonly string[]).includes(score)) return "ensemble";
  throw new Error(`unknown score ${score}`);
}

function anomalyOf(s: DeterministicStats, score: string): AnomalyStats {
  if (!s.anomaly) throw new Error(`${score} needs anomaly statistics (score with a climatology)`);
  return s.anomaly;
}

/** Σ w D / M(M−1) / Σw: the WB2 CRPS spread E|X − X′|, 0 for one member. */
function crpsSpreadMean(s: EnsembleStats): number {
  const m = s.members;
  return m > 1 ? s.sumWPairAbsDiff / (m * (m - 1)) / s.sumW : 0;
}

function deterministicValue(s: DeterministicStats, score: DeterministicScore): number {
  switch (score) {
    case "acc-wb2":
    case "acc-wbx":
      return accUncentred(anomalyOf(s, score));
    case "acc-centred":
      return accCentred(anomalyOf(s, score));
  }
  if (s.count === 0) return NaN;
  switch (score) {
    case "mse":
      return s.sumWSqErr / s.sumW;
    case "rmse":
    case "rmse-legacy":
      return Math.sqrt(s.sumWSqErr / s.sumW);
    case "bias":
      return s.sumWErr / s.sumW;
    case "mae":
      return s.sumWAbsErr / s.sumW;
  }
}

function windVectorValue(s: WindVectorStats, score: WindVectorScore): number {
  if (s.count === 0) return NaN;
  const mse = s.sumWSqErr / s.sumW;
  return score === "wind-vector-mse" ? mse : Math.sqrt(mse);
}

function ensembleValue(s: EnsembleStats, score: EnsembleScore): number {
  if (s.count === 0) return NaN;
  const m = s.members;
  const skill = s.sumWSkill / s.sumW;
  const variance = s.sumWVariance / s.sumW;
  const emMse = s.sumWMeanSqErr / s.sumW;
  const ssr = Math.sqrt(variance) / Math.sqrt(emMse);
  switch (score) {
    case "crps-fair":
      return skill - 0.5 * crpsSpreadMean(s);
    case "crps-ecdf":
      return skill - s.sumWPairAbsDiff / (2 * m * m) / s.sumW;
    case "crps-skill":
      return skill;
    case "crps-spread":
      return crpsSpreadMean(s);
    case "ensemble-mean-mse":
      return emMse;
    case "ensemble-mean-rmse":
      return Math.sqrt(emMse);
    case "ensemble-mean-bias":
      return s.sumWMeanErr / s.sumW;
    case "ensemble-variance":
      return variance;
    case "spread":
    case "spread-legacy":
      return Math.sqrt(variance);
    case "debiased-ensemble-mean-mse":
      return emMse - variance / m;
    case "spread-skill-ratio":
      return ssr;
    case "spread-skill-ratio-corrected":
      return Math.sqrt((m + 1) / m) * ssr;
    case "spread-skill-ratio-unbiased":
      return Math.sqrt(variance / (emMse - variance / m));
  }
}

/** The value of a score for one init time (the per-init series used by the significance tests). */
export function perTimeScore(stats: SufficientStats, score: ScoreName): number {
  const kind = scoreKind(score);
  if (stats.kind !== kind) throw new Error(`score ${score} needs ${kind} statistics, got ${stats.kind}`);
  switch (stats.kind) {
    case "deterministic":
      return deterministicValue(stats, score as DeterministicScore);
    case "wind-vector":
      return windVectorValue(stats, score as WindVectorScore);
    case "ensemble":
      return ensembleValue(stats, score as EnsembleScore);
  }
}

function meanOfFinite(values: number[]): number {
  let s = 0;
  let k = 0;
  for (const v of values) {
    if (v === v) {
      s += v;
      k++;
    }
  }
  return k === 0 ? NaN : s / k;
}

function checkKind<T extends SufficientStats>(list: readonly SufficientStats[], kind: T["kind"]): T[] {
  for (const s of list) if (s.kind !== kind) throw new Error(`expected ${kind} statistics, got ${s.kind}`);
  return list as T[];
}

function checkMembers(list: readonly EnsembleStats[]): number {
  const m = list.length ? list[0].members : NaN;
  for (const s of list) if (s.members !== m) throw new Error("ensemble statistics with different member counts");
  return m;
}

/** Aggregate a score over init times (all records must be of the same variable, level, region and lead time). */
export function aggregateOverTime(stats: readonly SufficientStats[], score: ScoreName): number {
  const kind = scoreKind(score);
  switch (score) {
    case "rmse":
      return Math.sqrt(aggregateOverTime(stats, "mse"));
    case "wind-vector-rmse":
      return Math.sqrt(aggregateOverTime(stats, "wind-vector-mse"));
    case "ensemble-mean-rmse":
      return Math.sqrt(aggregateOverTime(stats, "ensemble-mean-mse"));
    case "spread":
      return Math.sqrt(aggregateOverTime(stats, "ensemble-variance"));
    case "acc-wbx": {
      const det = checkKind<DeterministicStats>(stats, "deterministic");
      return accRatioOfAggregates(det.map((s) => anomalyOf(s, score)).filter((a) => a.count > 0));
    }
    case "spread-skill-ratio":
    case "spread-skill-ratio-corrected":
    case "spread-skill-ratio-unbiased": {
      const ens = checkKind<EnsembleStats>(stats, "ensemble").filter((s) => s.count > 0);
      const m = checkMembers(ens);
      const variance = aggregateOverTime(ens, "ensemble-variance");
      const emMse = aggregateOverTime(ens, "ensemble-mean-mse");
      if (score === "spread-skill-ratio-unbiased") return Math.sqrt(variance / (emMse - variance / m));
      const ssr = Math.sqrt(variance) / Math.sqrt(emMse);
      return score === "spread-skill-ratio" ? ssr : Math.sqrt((m + 1) / m) * ssr;
    }
  }
  const list = checkKind(stats, kind);
  if (kind === "ensemble") checkMembers(list as EnsembleStats[]);
  return meanOfFinite(list.map((s) => perTimeScore(s, score)));
}

/**
 * Rank histogram over init times: per init the area-weighted relative
 * frequency of each of the M + 1 ranks, then the mean over init times. Sums to 1.
 */
export function aggregateRankHistogram(stats: readonly SufficientStats[]): Float64Array {
  const ens = checkKind<EnsembleStats>(stats, "ensemble").filter((s) => s.count > 0);
  if (ens.length === 0) return new Float64Array(0);
  const m = checkMembers(ens);
  const out = new Float64Array(m + 1);
  for (const s of ens) for (let k = 0; k <= m; k++) out[k] += s.rankHistogram[k] / s.sumW / ens.length;
  return out;
}
