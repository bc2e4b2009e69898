import { describe, expect, it } from "vitest";
import { ar1InflationSquared, ar2InflationSquared, autocorrelation, pairedTTest } from "@/lib/verification/significance";

/*
 * Hand example: d = [1, 3, 2, 5, 4, 6], n = 6.
 * d̄ = 3.5; deviations −2.5, −0.5, −1.5, 1.5, 0.5, 2.5; Σ dev² = 17.5 → s² = 3.5.
 * lag 1: Σ = 1.25 + 0.75 − 2.25 + 0.75 + 1.25 = 1.75; /5 = 0.35; r1 = 0.35/3.5 = 1/10.
 * lag 2: Σ = 3.75 − 0.75 − 0.75 + 3.75 = 6; /4 = 1.5; r2 = 1.5/3.5 = 3/7.
 * AR(1): k² = 1.1/0.9 = 11/9.
 * AR(2): 1 − r1² = 99/100; φ1 = (1/10)(4/7)/(99/100) = 40/693; φ2 = (3/7 − 1/100)/(99/100) = 293/693;
 *        k² = (1 − (1/10)(40/693) − (3/7)(293/693)) / (1 − 333/693)² = 5423/1800.
 * t quantiles and p-values: scipy.stats.t (scipy 1.17.1), df = 5.
 */
const D = [1, 3, 2, 5, 4, 6];

describe("autocorrelation and inflation factors (hand-computed)", () => {
  it("r1 = 1/10, r2 = 3/7", () => {
    expect(autocorrelation(D, 1, 3.5, 3.5)).toBeCloseTo(0.1, 15);
    expect(autocorrelation(D, 2, 3.5, 3.5)).toBeCloseTo(3 / 7, 15);
  });
  it("AR(1) k² = 11/9", () => {
    expect(ar1InflationSquared(0.1)).toBeCloseTo(11 / 9, 15);
  });
  it("AR(2) φ1 = 40/693, φ2 = 293/693, k² = 5423/1800", () => {
    const { phi1, phi2, k2 } = ar2InflationSquared(0.1, 3 / 7);
    expect(phi1).toBeCloseTo(40 / 693, 15);
    expect(phi2).toBeCloseTo(293 / 693, 15);
    expect(k2).toBeCloseTo(5423 / 1800, 14);
  });
  it("AR(2) reduces to AR(1) when r2 = r1²", () => {
    for (const r1 of [-0.4, 0.1, 0.3, 0.8]) {
      const { phi1, phi2, k2 } = ar2InflationSquared(r1, r1 * r1);
      expect(phi1).toBeCloseTo(r1, 15);
      expect(phi2).toBeCloseTo(0, 15);
      expect(k2).toBeCloseTo(ar1InflationSquared(r1), 13);
    }
  });
  it("r_k = 0 when s² = 0 or the lag does not fit", () => {
    expect(autocorrelation([2, 2, 2], 1, 2, 0)).toBe(0);
    expect(autocorrelation([1, 2], 2, 1.5, 0.5)).toBe(0);
  });
});

describe("paired t-test on the hand example", () => {
  const se0 = Math.sqrt(3.5 / 6);
  const cases = [
    { inflation: "iid" as const, k2: 1, p: 0.0059335445175922605, lo95: 1.536685693019676, lo997: -0.6060072812107054 },
    { inflation: "ar1" as const, k2: 11 / 9, p: 0.008952602634093384, lo95: 1.3294743660698751, lo997: -1.0393618460810679 },
    { inflation: "ar2" as const, k2: 5423 / 1800, p: 0.04596873250438619, lo95: 0.09220563041059471, lo997: -3.626942662544951 },
  ];
  it.each(cases)("$inflation", ({ inflation, k2, p, lo95, lo997 }) => {
    const r = pairedTTest(D, inflation);
    expect(r.n).toBe(6);
    expect(r.df).toBe(5);
    expect(r.mean).toBe(3.5);
    expect(r.variance).toBeCloseTo(3.5, 15);
    expect(r.inflationFactor).toBeCloseTo(Math.sqrt(k2), 14);
    expect(r.effectiveN).toBeCloseTo(6 / k2, 13);
    expect(r.se).toBeCloseTo(Math.sqrt(k2) * se0, 14);
    expect(r.t).toBeCloseTo(3.5 / (Math.sqrt(k2) * se0), 13);
    expect(r.pValue).toBeCloseTo(p, 12);
    const [c95, c997] = r.intervals;
    expect(c95.level).toBe(0.95);
    expect(c95.tCritical).toBeCloseTo(2.570581835636314, 12);
    expect(c997.tCritical).toBeCloseTo(5.3760254771965394, 11);
    expect(c95.lower).toBeCloseTo(lo95, 11);
    expect(c95.upper).toBeCloseTo(7 - lo95, 11);
    expect(c997.lower).toBeCloseTo(lo997, 10);
    expect(c95.significant).toBe(true); // lower bound > 0 in all three
    expect(c997.significant).toBe(false);
  });
});

describe("paired t-test edge cases", () => {
  it("n = 1: nothing testable", () => {
    const r = pairedTTest([2], "ar2");
    expect(r.se).toBeNaN();
    expect(r.pValue).toBeNaN();
    expect(r.intervals.every((i) => !i.significant)).toBe(true);
  });
  it("constant non-zero differences are significant; all-zero are not", () => {
    const a = pairedTTest([1, 1, 1, 1], "ar1");
    expect(a.se).toBe(0);
    expect(a.pValue).toBe(0);
    expect(a.intervals.every((i) => i.significant)).toBe(true);
    const b = pairedTTest([0, 0, 0], "ar2");
    expect(b.pValue).toBe(1);
    expect(b.intervals.some((i) => i.significant)).toBe(false);
  });
  it("AR(2) k² can be negative for non-stationary sample autocorrelations (the test then reports k = NaN)", () => {
    const { k2 } = ar2InflationSquared(0.9, -0.5);
    expect(k2).toBeLessThan(0);
  });
  it("custom levels", () => {
    const r = pairedTTest(D, "iid", [0.9]);
    expect(r.intervals).toHaveLength(1);
    expect(r.intervals[0].tCritical).toBeCloseTo(2.0150483733330233, 12);
  });
});
