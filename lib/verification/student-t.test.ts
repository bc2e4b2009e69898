import { describe, expect, it } from "vitest";
import {
  logGamma,
  regularizedIncompleteBeta,
  studentTCdf,
  studentTQuantile,
} from "@/lib/verification/student-t";

describe("Student t quantiles", () => {
  it("t_{0.975,10} = 2.228139 (classical table)", () => {
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228139, 6);
  });

  // Reference: scipy.stats.t.ppf (scipy 1.17.1); relative tolerance 1e-10.
  const table: [number, number, number][] = [
    [0.975, 10, 2.228138851986274],
    [0.9985, 30, 3.229646122078626],
    [0.975, 1, 12.706204736174694],
    [0.975, 2, 4.302652729749462],
    [0.975, 30, 2.0422724563012378],
    [0.995, 10, 3.16927267261695],
    [0.9985, 9, 4.0239866534322015],
    [0.9985, 99, 3.0429447363882476],
    [0.95, 1, 6.313751514675037],
    [0.999, 5, 5.893429531356009],
    [0.6, 3, 0.2766706623326898],
    [0.99999, 4, 23.332182700855984],
    [0.975, 2.5, 3.5746548420036817],
    [0.9985, 1, 212.20501999054918],
    [0.0015, 20, -3.3764276018996138],
    [0.975, 1000, 1.9623390808264083],
  ];
  it.each(table)("t(%f, df=%f) = %f", (p, df, t) => {
    expect(studentTQuantile(p, df) / t).toBeCloseTo(1, 10);
  });

  it("is odd-symmetric, 0 at the median, ±∞ at 0 and 1, NaN outside", () => {
    expect(studentTQuantile(0.5, 7)).toBe(0);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-studentTQuantile(0.975, 10), 13);
    expect(studentTQuantile(1, 3)).toBe(Infinity);
    expect(studentTQuantile(0, 3)).toBe(-Infinity);
    expect(studentTQuantile(1.2, 3)).toBeNaN();
    expect(studentTQuantile(0.9, 0)).toBeNaN();
  });

  it("inverts the CDF across df and p", () => {
    for (const df of [1, 2, 3, 4.5, 9, 29, 100, 1e4]) {
      for (const p of [1e-9, 0.001, 0.0015, 0.025, 0.3, 0.5, 0.77, 0.975, 0.9985, 0.999999]) {
        const t = studentTQuantile(p, df);
        const back = studentTCdf(t, df);
        expect(Math.abs(back - p) / Math.min(p, 1 - p)).toBeLessThan(1e-9);
      }
    }
  });
});

describe("Student t CDF and special functions", () => {
  // Reference: scipy.stats.t.cdf (scipy 1.17.1)
  const cdf: [number, number, number][] = [
    [2.0, 5, 0.9490302605850708],
    [-1.3, 7, 0.11738391769618862],
    [0.5, 1, 0.6475836176504333],
    [10, 3, 0.9989358004707929],
    [3.5, 29, 0.9992377768426727],
  ];
  it.each(cdf)("F(%f; %f) = %f", (t, df, p) => {
    expect(studentTCdf(t, df)).toBeCloseTo(p, 13);
  });

  it("df = 1 is the Cauchy distribution: F(t) = ½ + atan(t)/π", () => {
    for (const t of [-30, -1, 0, 0.2, 4]) expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 14);
  });

  it("df = 2 has the closed form F(t) = ½ + t / (2√(2 + t²))", () => {
    for (const t of [-5, -0.3, 1, 7]) expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 14);
  });

  it("log Γ and I_x(a, b) against scipy.special (gammaln, betainc)", () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5723649429247, 13);
    expect(logGamma(100.5) / 361.43554046777757).toBeCloseTo(1, 13);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(regularizedIncompleteBeta(0.3, 2.5, 0.5)).toBeCloseTo(0.018927124071945658, 14);
    expect(regularizedIncompleteBeta(0.9, 10, 3)).toBeCloseTo(0.889130022255, 12);
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
  });
});
