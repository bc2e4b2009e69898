import { describe, expect, it } from "vitest";
import { gaussianLatitudes } from "@/lib/grids";
import { legendre, LegendreCoefficients, lmCount, lmIndex } from "./legendre";

describe("normalised associated Legendre functions", () => {
  const L = 30;
  const coef = new LegendreCoefficients(L);
  const p = new Float64Array(lmCount(L));
  const dp = new Float64Array(lmCount(L));

  it("matches closed forms for low degrees", () => {
    const phi = 0.7;
    const x = Math.sin(phi);
    const c = Math.cos(phi);
    legendre(coef, phi, p, dp);
    expect(p[lmIndex(0, 0)]).toBe(1);
    expect(p[lmIndex(1, 0)]).toBeCloseTo(Math.sqrt(3) * x, 14);
    expect(p[lmIndex(1, 1)]).toBeCloseTo(Math.sqrt(3) * c, 14);
    expect(p[lmIndex(2, 0)]).toBeCloseTo((Math.sqrt(5) * (3 * x * x - 1)) / 2, 14);
    expect(p[lmIndex(2, 1)]).toBeCloseTo(Math.sqrt(15) * x * c, 14);
    expect(p[lmIndex(2, 2)]).toBeCloseTo((Math.sqrt(15) / 2) * c * c, 14);
    expect(dp[lmIndex(1, 1)]).toBeCloseTo(-Math.sqrt(3) * x, 13);
  });

  it("satisfies the addition theorem Σ_m P̄_lm² = 2l+1", () => {
    for (const phi of [-1.5, -0.3, 0, 0.9, 1.57]) {
      legendre(coef, phi, p);
      for (let l = 0; l <= L; l++) {
        let s = 0;
        for (let m = 0; m <= l; m++) s += p[lmIndex(l, m)] ** 2;
        expect(s).toBeCloseTo(2 * l + 1, 9);
      }
    }
  });

  it("is orthonormal under Gaussian quadrature (mean square 1 for the real harmonics)", () => {
    const { latitudes, weights } = gaussianLatitudes(32);
    const acc = new Float64Array(lmCount(L) * 3);
    for (let r = 0; r < latitudes.length; r++) {
      legendre(coef, (latitudes[r] * Math.PI) / 180, p);
      for (const [l1, l2, m, slot] of [
        [5, 5, 3, 0],
        [5, 7, 3, 1],
        [30, 30, 30, 2],
      ]) {
        acc[slot] += (weights[r] / 2) * p[lmIndex(l1, m)] * p[lmIndex(l2, m)] * (m === 0 ? 1 : 0.5);
      }
    }
    expect(acc[0]).toBeCloseTo(1, 12);
    expect(acc[1]).toBeCloseTo(0, 12);
    expect(acc[2]).toBeCloseTo(1, 10);
  });

  it("has derivatives that match finite differences, also near the poles", () => {
    const h = 1e-6;
    const pp = new Float64Array(lmCount(L));
    const pm = new Float64Array(lmCount(L));
    for (const phi of [-1.4, 0.2, 1.2, Math.PI / 2 - 1e-4]) {
      legendre(coef, phi, p, dp);
      legendre(coef, phi + h, pp);
      legendre(coef, phi - h, pm);
      for (let i = 0; i < lmCount(L); i++) {
        const fd = (pp[i] - pm[i]) / (2 * h);
        expect(Math.abs(dp[i] - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)) * 10);
      }
    }
    // exactly at the pole the values stay finite
    legendre(coef, Math.PI / 2, p, dp);
    expect(dp.every(Number.isFinite)).toBe(true);
  });
});
