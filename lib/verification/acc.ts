/**
 * Anomaly correlation coefficient, three named variants (verification.md §4),
 * from anomaly sums (f′ = f − c, o′ = o − c, c at the valid time).
 */
import type { AnomalyStats } from "./stats";

/** cov / √(var_f var_o); NaN when either variance is not positive (the correlation is undefined). */
function ratio(cov: number, vf: number, vo: number): number {
  if (!(vf > 0 && vo > 0)) return NaN;
  return cov / Math.sqrt(vf * vo);
}

/** WB2 uncentred ACC of one init time: ⟨f′o′⟩ / √(⟨f′²⟩⟨o′²⟩) (the Σw normalisation cancels). */
export function accUncentred(a: AnomalyStats): number {
  if (a.count === 0) return NaN;
  return ratio(a.sumWFO, a.sumWFF, a.sumWOO);
}

/**
 * ECMWF/WMO centred ACC of one init time: the weighted Pearson correlation of
 * the anomalies, Σw(f′−m_f)(o′−m_o) / √(Σw(f′−m_f)² Σw(o′−m_o)²), with
 * m = Σw·anomaly / Σw (the WMO definition uses w = cos φ: pass such weights).
 */
export function accCentred(a: AnomalyStats): number {
  if (a.count === 0 || a.sumW === 0) return NaN;
  const mf = a.sumWF / a.sumW;
  const mo = a.sumWO / a.sumW;
  const cov = a.sumWFO - mf * a.sumWO;
  const vf = a.sumWFF - mf * a.sumWF;
  const vo = a.sumWOO - mo * a.sumWO;
  return ratio(cov, vf, vo);
}

/**
 * WB-X ACC: ratio of aggregates ⟪f′o′⟫ / √(⟪f′²⟫⟪o′²⟫), with ⟪·⟫ the weighted
 * mean over space and all given init times pooled (Σ_t Σ_p w x / Σ_t Σ_p w).
 */
export function accRatioOfAggregates(list: readonly AnomalyStats[]): number {
  let sw = 0;
  let fo = 0;
  let ff = 0;
  let oo = 0;
  for (const a of list) {
    sw += a.sumW;
    fo += a.sumWFO;
    ff += a.sumWFF;
    oo += a.sumWOO;
  }
  if (sw === 0) return NaN;
  return ratio(fo / sw, ff / sw, oo / sw);
}
