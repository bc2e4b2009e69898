import { describe, expect, it } from "vitest";
import { aggregateOverTime, perTimeScore, SCORE_NAMES, scoreKind } from "@/lib/verification/aggregate";
import type { DeterministicStats, EnsembleStats } from "@/lib/verification/stats";
import { statsRecordSchema, sufficientStatsSchema } from "@/lib/verification/stats";

/** A deterministic record with the given area means (Σw = 2). */
function det(mse: number, bias: number, mae: number, anomaly?: DeterministicStats["anomaly"]): DeterministicStats {
  return { kind: "deterministic", count: 10, sumW: 2, sumWErr: 2 * bias, sumWAbsErr: 2 * mae, sumWSqErr: 2 * mse, anomaly };
}

describe("time aggregation of deterministic scores (§3)", () => {
  const stats = [det(1, 1, 1), det(9, -2, 3), det(4, 0.5, 2)];
  it("MSE is the mean of per-time MSE: (1 + 9 + 4)/3", () => {
    expect(aggregateOverTime(stats, "mse")).toBeCloseTo(14 / 3, 15);
  });
  it("RMSE takes the square root after the time mean: √(14/3)", () => {
    expect(aggregateOverTime(stats, "rmse")).toBeCloseTo(Math.sqrt(14 / 3), 15);
  });
  it("legacy RMSE takes it before: (1 + 3 + 2)/3 = 2", () => {
    expect(aggregateOverTime(stats, "rmse-legacy")).toBeCloseTo(2, 15);
    expect(aggregateOverTime(stats, "rmse")).toBeGreaterThan(2); // Jensen
  });
  it("bias and MAE are means of per-time area means", () => {
    expect(aggregateOverTime(stats, "bias")).toBeCloseTo(-0.5 / 3, 15);
    expect(aggregateOverTime(stats, "mae")).toBeCloseTo(2, 15);
  });
  it("per-time values", () => {
    expect(perTimeScore(stats[1], "rmse")).toBe(3);
    expect(perTimeScore(stats[1], "bias")).toBe(-2);
  });
  it("init times with no valid point are left out; none left gives NaN", () => {
    const empty: DeterministicStats = { kind: "deterministic", count: 0, sumW: 0, sumWErr: 0, sumWAbsErr: 0, sumWSqErr: 0 };
    expect(aggregateOverTime([...stats, empty], "mse")).toBeCloseTo(14 / 3, 15);
    expect(aggregateOverTime([empty], "rmse")).toBeNaN();
    expect(aggregateOverTime([], "mse")).toBeNaN();
  });
  it("time mean weights init times equally, not by Σw", () => {
    const a = det(1, 0, 1);
    const b = { ...det(3, 0, 1), sumW: 100, sumWSqErr: 300 };
    expect(aggregateOverTime([a, b], "mse")).toBe(2);
  });
});

describe("ACC variants over time (§4)", () => {
  // time 1: ⟨f′o′⟩ = 1, ⟨f′²⟩ = 1, ⟨o′²⟩ = 4 → 0.5; time 2: 3, 9, 1 → 1 (Σw = 1)
  const a = { count: 1, sumW: 1, sumWF: 1, sumWO: 0, sumWFO: 1, sumWFF: 1, sumWOO: 4 };
  const b = { count: 1, sumW: 1, sumWF: 0, sumWO: 1, sumWFO: 3, sumWFF: 9, sumWOO: 1 };
  const stats = [det(1, 0, 1, a), det(1, 0, 1, b)];
  it("WB2: mean of per-time uncentred ACC = 0.75", () => {
    expect(aggregateOverTime(stats, "acc-wb2")).toBeCloseTo(0.75, 15);
  });
  it("WB-X: ratio of pooled aggregates = 2/√12.5", () => {
    expect(aggregateOverTime(stats, "acc-wbx")).toBeCloseTo(2 / Math.sqrt(12.5), 15);
  });
  it("centred: mean of per-time centred ACC", () => {
    // time 1: m_f = 1, m_o = 0 → cov 1 − 0 = 1, var_f 1 − 1 = 0 → NaN (skipped); time 2: m_o = 1 → cov 3, var_f 9, var_o 0 → NaN
    expect(aggregateOverTime(stats, "acc-centred")).toBeNaN();
    const c = { count: 2, sumW: 2, sumWF: 1, sumWO: 1, sumWFO: 2, sumWFF: 3, sumWOO: 5 };
    // m = 0.5, 0.5; cov = 2 − 0.5 = 1.5; var_f = 3 − 0.5 = 2.5; var_o = 5 − 0.5 = 4.5 → 1.5/√11.25
    expect(aggregateOverTime([det(1, 0, 1, c), det(1, 0, 1, a)], "acc-centred")).toBeCloseTo(1.5 / Math.sqrt(11.25), 15);
  });
  it("needs anomaly statistics", () => {
    expect(() => aggregateOverTime([det(1, 0, 1)], "acc-wb2")).toThrow(/climatology/);
  });
});

function ens(m: number, skill: number, d: number, variance: number, emse: number): EnsembleStats {
  return {
    kind: "ensemble",
    members: m,
    count: 5,
    sumW: 1,
    sumWSkill: skill,
    sumWPairAbsDiff: d,
    sumWVariance: variance,
    sumWMeanErr: 0,
    sumWMeanSqErr: emse,
    rankHistogram: new Array(m + 1).fill(1 / (m + 1)),
  };
}

describe("time aggregation of ensemble scores (§5)", () => {
  const stats = [ens(4, 2, 24, 1, 2), ens(4, 1, 12, 3, 4)];
  it("CRPS fair = mean over time of skill − D/(2M(M−1)) = mean(1, 0.5)", () => {
    expect(aggregateOverTime(stats, "crps-fair")).toBeCloseTo(0.75, 15);
    expect(aggregateOverTime(stats, "crps-spread")).toBeCloseTo(1.5, 15);
    expect(aggregateOverTime(stats, "crps-ecdf")).toBeCloseTo((2 - 24 / 32 + 1 - 12 / 32) / 2, 15);
  });
  it("spread = √mean⟨s²⟩ = √2; legacy = mean √⟨s²⟩", () => {
    expect(aggregateOverTime(stats, "spread")).toBeCloseTo(Math.SQRT2, 15);
    expect(aggregateOverTime(stats, "spread-legacy")).toBeCloseTo((1 + Math.sqrt(3)) / 2, 15);
  });
  it("ensemble-mean RMSE = √3; ratios", () => {
    expect(aggregateOverTime(stats, "ensemble-mean-rmse")).toBeCloseTo(Math.sqrt(3), 15);
    expect(aggregateOverTime(stats, "spread-skill-ratio")).toBeCloseTo(Math.sqrt(2 / 3), 15);
    expect(aggregateOverTime(stats, "spread-skill-ratio-corrected")).toBeCloseTo(Math.sqrt(5 / 4) * Math.sqrt(2 / 3), 15);
    // mean⟨(x̄−y)² − s²/M⟩ = 3 − 2/4 = 2.5
    expect(aggregateOverTime(stats, "debiased-ensemble-mean-mse")).toBeCloseTo(2.5, 15);
    expect(aggregateOverTime(stats, "spread-skill-ratio-unbiased")).toBeCloseTo(Math.sqrt(2 / 2.5), 15);
  });
  it("rejects mixed member counts and wrong kinds", () => {
    expect(() => aggregateOverTime([ens(4, 1, 1, 1, 1), ens(5, 1, 1, 1, 1)], "crps-fair")).toThrow(/member/);
    expect(() => aggregateOverTime([det(1, 0, 1)], "crps-fair")).toThrow();
    expect(() => perTimeScore(ens(4, 1, 1, 1, 1), "rmse")).toThrow();
  });
});

describe("storage model", () => {
  it("every score name has a kind", () => {
    for (const s of SCORE_NAMES) expect(["deterministic", "wind-vector", "ensemble"]).toContain(scoreKind(s));
  });
  it("records validate with zod and reject wrong shapes", () => {
    const rec = {
      variable: "geopotential",
      level: 500,
      region: "europe",
      leadTimeHours: 72,
      initTime: "2020-01-01T00:00:00Z",
      stats: det(1, 0, 1),
    };
    expect(statsRecordSchema.parse(rec)).toEqual(rec);
    expect(statsRecordSchema.safeParse({ ...rec, initTime: "yesterday" }).success).toBe(false);
    expect(sufficientStatsSchema.safeParse({ kind: "ensemble", members: 0 }).success).toBe(false);
    expect(sufficientStatsSchema.parse(ens(2, 1, 1, 1, 1)).kind).toBe("ensemble");
    // JSON round trip keeps everything needed for aggregation.
    const back = sufficientStatsSchema.parse(JSON.parse(JSON.stringify(ens(2, 1, 1, 1, 1))));
    expect(aggregateOverTime([back], "crps-fair")).toBeCloseTo(1 - 1 / 4, 15);
  });
});
