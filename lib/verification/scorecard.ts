/**
 * Scorecard cells (verification.md §8): an experiment against a reference
 * over their common init times, for one (variable, level, region, lead time,
 * score). Gives the aggregate of each, the relative difference with its WB2
 * colour bin, and the paired t-test on the per-init differences.
 */
import { aggregateOverTime, perTimeScore, type ScoreName } from "./aggregate";
import { pairedTTest, SCORECARD_LEVELS, type Inflation, type PairedTestResult } from "./significance";
import type { SufficientStats } from "./stats";

/**
 * Which way is better: lower (errors), higher (ACC), abs-lower (bias: closer
 * to 0), closer-to-one (spread–skill ratios).
 */
export type Direction = "lower" | "higher" | "abs-lower" | "closer-to-one";

export const SCORE_DIRECTION: Readonly<Partial<Record<ScoreName, Direction>>> = {
  mse: "lower",
  rmse: "lower",
  "rmse-legacy": "lower",
  mae: "lower",
  bias: "abs-lower",
  "acc-wb2": "higher",
  "acc-wbx": "higher",
  "acc-centred": "higher",
  "wind-vector-mse": "lower",
  "wind-vector-rmse": "lower",
  "crps-fair": "lower",
  "crps-ecdf": "lower",
  "crps-skill": "lower",
  "ensemble-mean-mse": "lower",
  "ensemble-mean-rmse": "lower",
  "ensemble-mean-bias": "abs-lower",
  "debiased-ensemble-mean-mse": "lower",
  "spread-skill-ratio": "closer-to-one",
  "spread-skill-ratio-corrected": "closer-to-one",
  "spread-skill-ratio-unbiased": "closer-to-one",
};

export function scoreDirection(score: ScoreName): Direction {
  const d = SCORE_DIRECTION[score];
  if (!d) throw new Error(`score ${score} has no better/worse direction and cannot go on a scorecard`);
  return d;
}

/** Map a score value to the quantity whose decrease is an improvement (except "higher", see below). */
function transform(direction: Direction, x: number): number {
  if (direction === "abs-lower") return Math.abs(x);
  if (direction === "closer-to-one") return Math.abs(x - 1);
  return x;
}

/**
 * Relative difference in %, as WB2 defines it: 100(x − x_ref)/x_ref for
 * errors; 100(ACC − ACC_ref)/(1 − ACC_ref) for ACC; on |x| for biases and on
 * |x − 1| for spread–skill ratios.
 */
export function relativeDifferencePercent(x: number, ref: number, direction: Direction): number {
  if (direction === "higher") return (100 * (x - ref)) / (1 - ref);
  const a = transform(direction, x);
  const b = transform(direction, ref);
  return (100 * (a - b)) / b;
}

/** WB2 colour-bin edges in % (symmetric magnitudes). */
export const COLOUR_BIN_EDGES = [1, 2, 5, 10, 20, 50] as const;

/**
 * Colour bin of a relative change oriented so that negative is better:
 * 0 for |Δ| < 1 % (grey), −1…−6 better (blues: [1,2), [2,5), …, ≥ 50 %),
 * +1…+6 worse (reds). NaN stays NaN.
 */
export function colourBin(orientedPercent: number): number {
  if (orientedPercent !== orientedPercent) return NaN;
  const a = Math.abs(orientedPercent);
  let k = 0;
  for (const e of COLOUR_BIN_EDGES) if (a >= e) k++;
  return orientedPercent < 0 && k > 0 ? -k : k;
}

export interface InitStats {
  /** ISO 8601 init time. */
  initTime: string;
  stats: SufficientStats;
}

export interface ScorecardCell {
  score: ScoreName;
  direction: Direction;
  /** Common init times used, chronological. */
  initTimes: string[];
  /** Aggregates over the common init times. */
  experiment: number;
  reference: number;
  relativeDifferencePercent: number;
  /** −6…6, negative = better (blue), 0 = grey, positive = worse (red). */
  colourBin: number;
  /**
   * Test on d_t = g(x_exp,t) − g(x_ref,t) with g the identity, |·| for
   * biases and |· − 1| for ratios; d̄ < 0 is better except for "higher"
   * scores, where d̄ > 0 is better.
   */
  test: PairedTestResult;
  /** better/worse when significant at the lowest level, else neutral. */
  verdict: "better" | "worse" | "neutral";
  /** Highest level at which the difference is significant (e.g. 0.997 → large symbol), or null. */
  significanceLevel: number | null;
}

function byInitTime(list: readonly InitStats[], label: string): Map<number, InitStats> {
  const m = new Map<number, InitStats>();
  for (const r of list) {
    const t = Date.parse(r.initTime);
    if (Number.isNaN(t)) throw new Error(`${label}: bad init time ${r.initTime}`);
    if (m.has(t)) throw new Error(`${label}: duplicate init time ${r.initTime}`);
    m.set(t, r);
  }
  return m;
}

export interface CompareOptions {
  inflation?: Inflation;
  levels?: readonly number[];
}

/**
 * Compare experiment against reference for one score over the init times
 * where both have a finite per-init value.
 */
export function compareScore(
  experiment: readonly InitStats[],
  reference: readonly InitStats[],
  score: ScoreName,
  options: CompareOptions = {},
): ScorecardCell {
  const direction = scoreDirection(score);
  const levels = [...(options.levels ?? SCORECARD_LEVELS)].sort((a, b) => a - b);
  const exp = byInitTime(experiment, "experiment");
  const ref = byInitTime(reference, "reference");
  const times = [...exp.keys()].filter((t) => ref.has(t)).sort((a, b) => a - b);
  const expStats: SufficientStats[] = [];
  const refStats: SufficientStats[] = [];
  const initTimes: string[] = [];
  const d: number[] = [];
  for (const t of times) {
    const e = exp.get(t)!;
    const r = ref.get(t)!;
    const xe = perTimeScore(e.stats, score);
    const xr = perTimeScore(r.stats, score);
    if (!Number.isFinite(xe) || !Number.isFinite(xr)) continue;
    expStats.push(e.stats);
    refStats.push(r.stats);
    initTimes.push(e.initTime);
    d.push(transform(direction, xe) - transform(direction, xr));
  }
  const xe = aggregateOverTime(expStats, score);
  const xr = aggregateOverTime(refStats, score);
  const rel = relativeDifferencePercent(xe, xr, direction);
  const test = pairedTTest(d, options.inflation ?? "ar2", levels);
  const betterSign = direction === "higher" ? 1 : -1;
  const significant = test.intervals.filter((i) => i.significant);
  const significanceLevel = significant.length ? significant[significant.length - 1].level : null;
  const verdict =
    significanceLevel === null ? "neutral" : Math.sign(test.mean) === betterSign ? "better" : "worse";
  return {
    score,
    direction,
    initTimes,
    experiment: xe,
    reference: xr,
    relativeDifferencePercent: rel,
    colourBin: colourBin(direction === "higher" ? -rel : rel),
    test,
    verdict,
    significanceLevel,
  };
}
