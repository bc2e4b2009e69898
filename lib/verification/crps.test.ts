import { describe, expect, it } from "vitest";
import {
  crpsComponents,
  crpsEcdf,
  crpsFair,
  crpsGaussian,
  erfc,
  insertionSort,
  pairAbsDiffSumSorted,
  sortMembers,
} from "@/lib/verification/crps";
import { normal, rng } from "@/lib/verification/test-helpers";

/** Brute force O(M²) from the definitions, skipping NaN members. */
function bruteForce(members: number[], y: number) {
  const x = members.filter((v) => !Number.isNaN(v));
  const m = x.length;
  let s = 0;
  for (const v of x) s += Math.abs(v - y);
  let d = 0;
  for (const a of x) for (const b of x) d += Math.abs(a - b);
  return { m, S: s / m, D: d, ecdf: s / m - d / (2 * m * m), fair: s / m - d / (2 * m * (m - 1)) };
}

const FORECASTS = [
  [0, 4, 3, 7],
  [1, -1, 2, 4],
  [2, 3, 4, 1],
];
const OBS = [2, 3, 5];

describe("§9 CRPS test vector", () => {
  it("S = [2.5, 2.0, 2.5], D = [44, 32, 20]", () => {
    const c = FORECASTS.map((x, i) => crpsComponents(x, OBS[i]));
    expect(c.map((v) => v.skill)).toEqual([2.5, 2.0, 2.5]);
    expect(c.map((v) => v.pairAbsDiff)).toEqual([44, 32, 20]);
  });

  it("ecdf = [1.125, 1.0, 1.875]", () => {
    expect(FORECASTS.map((x, i) => crpsEcdf(x, OBS[i]))).toEqual([1.125, 1.0, 1.875]);
  });

  it("fair = [2/3, 2/3, 5/3] (sheet: 0.6667, 0.6667, 1.6667)", () => {
    const fair = FORECASTS.map((x, i) => crpsFair(x, OBS[i]));
    [2 / 3, 2 / 3, 5 / 3].forEach((e, i) => expect(fair[i]).toBeCloseTo(e, 14));
    [0.6667, 0.6667, 1.6667].forEach((e, i) => expect(fair[i]).toBeCloseTo(e, 4));
  });

  it("WB2 spread E|X − X′| = D/(M(M−1)) = [11/3, 8/3, 5/3]", () => {
    const spread = FORECASTS.map((x, i) => crpsComponents(x, OBS[i]).pairAbsDiff / 12);
    [11 / 3, 8 / 3, 5 / 3].forEach((e, i) => expect(spread[i]).toBeCloseTo(e, 14));
  });

  it("fair = ecdf − D/(2M²(M−1))", () => {
    FORECASTS.forEach((x, i) => {
      const d = crpsComponents(x, OBS[i]).pairAbsDiff;
      expect(crpsFair(x, OBS[i])).toBeCloseTo(crpsEcdf(x, OBS[i]) - d / (2 * 16 * 3), 14);
    });
  });
});

describe("NaN handling (nci/scores crps_test_data.py)", () => {
  it("members [0, 1, 4, NaN], obs 1: S = 4/3, ecdf spread term 16/18, fair spread term 16/12", () => {
    const c = crpsComponents([0, 1, 4, NaN], 1);
    expect(c.members).toBe(3);
    expect(c.skill).toBeCloseTo(4 / 3, 15);
    expect(c.pairAbsDiff / (2 * 9)).toBeCloseTo(16 / 18, 15);
    expect(c.pairAbsDiff / (2 * 3 * 2)).toBeCloseTo(16 / 12, 15);
    expect(crpsEcdf([0, 1, 4, NaN], 1)).toBeCloseTo(4 / 3 - 16 / 18, 15);
    expect(crpsFair([0, 1, 4, NaN], 1)).toBeCloseTo(0, 15);
  });

  it("a single valid member: fair gives NaN, ecdf gives the absolute error", () => {
    expect(crpsFair([NaN, 2.5, NaN], 1)).toBeNaN();
    expect(crpsEcdf([NaN, 2.5, NaN], 1)).toBe(1.5);
    expect(crpsFair([2.5], 1)).toBeNaN();
    expect(crpsEcdf([2.5], 1)).toBe(1.5);
  });

  it("a NaN observation or no valid member gives NaN", () => {
    expect(crpsEcdf([1, 2], NaN)).toBeNaN();
    expect(crpsFair([1, 2], NaN)).toBeNaN();
    expect(crpsEcdf([NaN, NaN], 1)).toBeNaN();
  });
});

describe("sorted form against brute force O(M²)", () => {
  const r = rng(7);
  const g = normal(r);
  for (const m of [2, 3, 5, 10, 50, 51, 64, 65, 100]) {
    it(`M = ${m}, 200 random points (some with ties and NaNs)`, () => {
      for (let k = 0; k < 200; k++) {
        const x = Array.from({ length: m }, () => (k % 5 === 0 ? Math.round(2 * g()) : g()));
        if (k % 7 === 0) x[k % m] = NaN;
        const y = k % 5 === 0 ? Math.round(g()) : g();
        const b = bruteForce(x, y);
        const c = crpsComponents(x, y);
        expect(c.members).toBe(b.m);
        expect(c.skill).toBeCloseTo(b.S, 12);
        expect(c.pairAbsDiff).toBeCloseTo(b.D, 9);
        expect(crpsEcdf(x, y)).toBeCloseTo(b.ecdf, 12);
        if (b.m < 2) expect(crpsFair(x, y)).toBeNaN();
        else expect(crpsFair(x, y)).toBeCloseTo(b.fair, 12);
      }
    });
  }
});

describe("sorting", () => {
  it("insertion sort and the engine sort agree", () => {
    const r = rng(3);
    for (const m of [1, 2, 17, 64, 65, 200]) {
      const a = Float64Array.from({ length: m }, () => r() - 0.5);
      const b = a.slice();
      insertionSort(a, m);
      sortMembers(b, m);
      const ref = Array.from(a).sort((u, v) => u - v);
      expect(Array.from(a)).toEqual(ref);
      expect(Array.from(b)).toEqual(ref);
    }
  });

  it("D of [1, 2, 4] is 2·(1 + 3 + 2) = 12", () => {
    expect(pairAbsDiffSumSorted(Float64Array.from([1, 2, 4]), 3)).toBe(12);
  });
});

describe("Gaussian CRPS", () => {
  it("erfc matches scipy.special.erfc (scipy 1.17.1)", () => {
    expect(erfc(0.3)).toBeCloseTo(0.6713732405408726, 15);
    expect(erfc(1.5) / 0.03389485352468927).toBeCloseTo(1, 13);
    expect(erfc(2) / 0.004677734981047266).toBeCloseTo(1, 13);
    expect(erfc(2.9) / 4.109787809945884e-5).toBeCloseTo(1, 13);
    expect(erfc(3.1) / 1.1648657367199584e-5).toBeCloseTo(1, 13);
    expect(erfc(-1.2)).toBeCloseTo(1.9103139782296354, 15);
    expect(erfc(6) / 2.1519736712498913e-17).toBeCloseTo(1, 13);
  });

  it("at z = 0 equals σ(2φ(0) − 1/√π) = σ(√2 − 1)/√π", () => {
    expect(crpsGaussian(1, 2, 1)).toBeCloseTo((2 * (Math.SQRT2 - 1)) / Math.sqrt(Math.PI), 14);
  });

  it("agrees with the ecdf CRPS of a large ensemble of quantiles", () => {
    // Members at the mid-quantiles of N(0.5, 1.5²); their ecdf CRPS converges to the Gaussian CRPS.
    const m = 4000;
    const q = (p: number) => {
      let lo = -10;
      let hi = 10;
      for (let i = 0; i < 80; i++) {
        const mid = (lo + hi) / 2;
        if (0.5 * erfc(-mid / Math.SQRT2) < p) lo = mid;
        else hi = mid;
      }
      return (lo + hi) / 2;
    };
    const x = Array.from({ length: m }, (_, k) => 0.5 + 1.5 * q((k + 0.5) / m));
    expect(crpsEcdf(x, 2)).toBeCloseTo(crpsGaussian(0.5, 1.5, 2), 4);
  });
});
