/**
 * Paired significance test on per-init score differences (verification.md §8;
 * Geer 2016): Student t with df = n − 1 and the standard error inflated for
 * autocorrelation (IID, AR(1), or Geer's AR(2)). Differences must be in
 * chronological order of equally spaced init times for the autocorrelation
 * terms to mean anything.
 */
import { z } from "zod";
import { studentTCdf, studentTQuantile } from "./student-t";

export const INFLATION_METHODS = ["iid", "ar1", "ar2"] as const;
export const inflationSchema = z.enum(INFLATION_METHODS);
export type Inflation = z.infer<typeof inflationSchema>;

/** Confidence levels of the scorecards: 95 % (α = 0.05) and 99.7 % (α = 0.003). */
export const SCORECARD_LEVELS = [0.95, 0.997] as const;

export interface ConfidenceInterval {
  /** Confidence level 1 − α. */
  level: number;
  /** t_{n−1, 1−α/2} */
  tCritical: number;
  lower: number;
  upper: number;
  /** The interval excludes 0. */
  significant: boolean;
}

export interface PairedTestResult {
  inflation: Inflation;
  n: number;
  /** d̄ */
  mean: number;
  /** s² = Σ(d − d̄)² / (n − 1) */
  variance: number;
  /** Lag-1 and lag-2 autocorrelations (0 when s² = 0 or the lag does not fit). */
  r1: number;
  r2: number;
  /** Variance inflation factor k (SE = k·s/√n); NaN if the AR(2) fit is not stationary. */
  inflationFactor: number;
  /** Effective sample size n / k². */
  effectiveN: number;
  se: number;
  df: number;
  /** d̄ / SE */
  t: number;
  /** Two-sided p = 2(1 − F_t(|d̄|/SE)), computed as 2·F_t(−|d̄|/SE) */
  pValue: number;
  intervals: ConfidenceInterval[];
}

/** Sample autocorrelation at lag k as in the sheet: [(1/(n−k)) Σ (d_t − d̄)(d_{t+k} − d̄)] / s². */
export function autocorrelation(d: ArrayLike<number>, k: number, mean: number, variance: number): number {
  const n = d.length;
  if (!(variance > 0) || n - k < 1) return 0;
  let s = 0;
  for (let t = 0; t + k < n; t++) s += (d[t] - mean) * (d[t + k] - mean);
  return s / (n - k) / variance;
}

/** k² for AR(1): (1 + r1)/(1 − r1). */
export function ar1InflationSquared(r1: number): number {
  return (1 + r1) / (1 - r1);
}

/**
 * k² for Geer's AR(2) correction: φ1 = r1(1 − r2)/(1 − r1²), φ2 = (r2 − r1²)/(1 − r1²),
 * k² = (1 − r1φ1 − r2φ2)/(1 − φ1 − φ2)².
 */
export function ar2InflationSquared(r1: number, r2: number): { phi1: number; phi2: number; k2: number } {
  const den = 1 - r1 * r1;
  const phi1 = (r1 * (1 - r2)) / den;
  const phi2 = (r2 - r1 * r1) / den;
  const k2 = (1 - r1 * phi1 - r2 * phi2) / ((1 - phi1 - phi2) * (1 - phi1 - phi2));
  return { phi1, phi2, k2 };
}

/**
 * Paired t-test of the mean of d (experiment − reference per init time).
 * With n < 2 nothing is testable: SE, t and the intervals are NaN and
 * nothing is significant. With s² = 0 and d̄ ≠ 0 the difference is
 * significant at every level (SE = 0).
 */
export function pairedTTest(
  d: ArrayLike<number>,
  inflation: Inflation = "ar2",
  levels: readonly number[] = SCORECARD_LEVELS,
): PairedTestResult {
  const n = d.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += d[i];
  const mean = n > 0 ? sum / n : NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (d[i] - mean) * (d[i] - mean);
  const variance = n > 1 ? ss / (n - 1) : NaN;
  const r1 = autocorrelation(d, 1, mean, variance);
  const r2 = autocorrelation(d, 2, mean, variance);
  let k2 = 1;
  if (variance > 0) {
    if (inflation === "ar1") k2 = ar1InflationSquared(r1);
    else if (inflation === "ar2") k2 = ar2InflationSquared(r1, r2).k2;
  }
  const k = k2 > 0 ? Math.sqrt(k2) : NaN;
  const df = n - 1;
  const se = (k * Math.sqrt(variance)) / Math.sqrt(n);
  const t = mean / se;
  let pValue: number;
  if (!(df >= 1) || se !== se) pValue = NaN;
  else if (se === 0) pValue = mean === 0 ? 1 : 0;
  else pValue = 2 * studentTCdf(-Math.abs(t), df);
  const intervals = levels.map((level): ConfidenceInterval => {
    const tCritical = df >= 1 ? studentTQuantile(1 - (1 - level) / 2, df) : NaN;
    const half = se === 0 ? 0 : tCritical * se;
    const lower = mean - half;
    const upper = mean + half;
    return { level, tCritical, lower, upper, significant: lower > 0 || upper < 0 };
  });
  return {
    inflation,
    n,
    mean,
    variance,
    r1,
    r2,
    inflationFactor: k,
    effectiveN: k2 > 0 ? n / k2 : NaN,
    se,
    df,
    t,
    pValue,
    intervals,
  };
}
