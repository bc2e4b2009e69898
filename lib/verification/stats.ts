/**
 * Storage model: per (variable, level, region, lead time, init time) area
 * sufficient statistics. Every field is a weighted sum over the valid points
 * of the region (weights w from the full grid, masked to the region); the
 * area mean of a term is its sum divided by `sumW`. Time aggregation, any
 * subset of init times and the significance tests work on these records
 * alone, without re-reading fields.
 */
import { z } from "zod";

const sum = z.number();
const count = z.number().int().nonnegative();

/** Anomaly (f′ = f − c, o′ = o − c) sums over points where f, o and c are all valid. */
export const anomalyStatsSchema = z.object({
  count,
  sumW: sum,
  /** Σ w f′ */
  sumWF: sum,
  /** Σ w o′ */
  sumWO: sum,
  /** Σ w f′ o′ */
  sumWFO: sum,
  /** Σ w f′² */
  sumWFF: sum,
  /** Σ w o′² */
  sumWOO: sum,
});

/** Deterministic forecast f against truth o; error e = f − o, over points where f and o are valid. */
export const deterministicStatsSchema = z.object({
  kind: z.literal("deterministic"),
  count,
  sumW: sum,
  /** Σ w e */
  sumWErr: sum,
  /** Σ w |e| */
  sumWAbsErr: sum,
  /** Σ w e² */
  sumWSqErr: sum,
  /** Present when a climatology was given. */
  anomaly: anomalyStatsSchema.optional(),
});

/** Wind vector (u, v) against truth: Σ w [(u_f − u_o)² + (v_f − v_o)²] over points where all four are valid. */
export const windVectorStatsSchema = z.object({
  kind: z.literal("wind-vector"),
  count,
  sumW: sum,
  sumWSqErr: sum,
});

/**
 * Ensemble of M members x_m against truth y, over points where y and all M
 * members are valid. S = (1/M) Σ|x_m − y|, D = Σ_i Σ_j |x_i − x_j|,
 * s² = (1/(M−1)) Σ (x_m − x̄)² (0 when M = 1).
 */
export const ensembleStatsSchema = z.object({
  kind: z.literal("ensemble"),
  members: z.number().int().positive(),
  count,
  sumW: sum,
  /** Σ w S (CRPS skill term, mean absolute error of the members) */
  sumWSkill: sum,
  /** Σ w D (sum of all pairwise absolute member differences) */
  sumWPairAbsDiff: sum,
  /** Σ w s² */
  sumWVariance: sum,
  /** Σ w (x̄ − y) */
  sumWMeanErr: sum,
  /** Σ w (x̄ − y)² */
  sumWMeanSqErr: sum,
  /**
   * Area-weighted rank histogram, M + 1 bins: bin k holds Σ w over points
   * where k members are below the truth. Ties between the truth and members
   * spread the point's weight equally over the tied ranks.
   */
  rankHistogram: z.array(sum),
});

export const sufficientStatsSchema = z.discriminatedUnion("kind", [
  deterministicStatsSchema,
  windVectorStatsSchema,
  ensembleStatsSchema,
]);

export type AnomalyStats = z.infer<typeof anomalyStatsSchema>;
export type DeterministicStats = z.infer<typeof deterministicStatsSchema>;
export type WindVectorStats = z.infer<typeof windVectorStatsSchema>;
export type EnsembleStats = z.infer<typeof ensembleStatsSchema>;
export type SufficientStats = z.infer<typeof sufficientStatsSchema>;

/** Key of one stored record. Forecast and truth identities live with the caller (e.g. a score run). */
export const statsKeySchema = z.object({
  variable: z.string().min(1),
  /** Pressure level in hPa, or null for single-level variables. */
  level: z.number().nullable(),
  region: z.string().min(1),
  /** Lead time in hours. */
  leadTimeHours: z.number().nonnegative(),
  /** Init time, ISO 8601 UTC. */
  initTime: z.iso.datetime(),
});

export const statsRecordSchema = statsKeySchema.extend({ stats: sufficientStatsSchema });

export type StatsKey = z.infer<typeof statsKeySchema>;
export type StatsRecord = z.infer<typeof statsRecordSchema>;
