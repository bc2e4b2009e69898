import { describe, expect, it } from "vitest";
import { aggregateOverTime, aggregateRankHistogram, perTimeScore } from "@/lib/verification/aggregate";
import { accumulateEnsemble } from "@/lib/verification/ensemble";
import { cellAreaLatitudeWeights, expandRowWeights, regularGridPoints } from "@/lib/verification/latitude-weights";
import { compileRegionMask, compileRegions, regionSetFromMasks, type RegionSpec } from "@/lib/verification/regions";
import { naiveEnsembleSums, normal, rng } from "@/lib/verification/test-helpers";

const all = (n: number) => regionSetFromMasks([{ name: "all", mask: new Uint8Array(n).fill(1) }]);

/** Member-major layout from per-point member lists. */
function memberMajor(points: number[][]): Float32Array {
  const n = points.length;
  const m = points[0].length;
  const out = new Float32Array(n * m);
  points.forEach((x, p) => x.forEach((v, k) => (out[k * n + p] = v)));
  return out;
}

describe("§9 CRPS test vector through the area-mean kernel (equal weights)", () => {
  const members = memberMajor([
    [0, 4, 3, 7],
    [1, -1, 2, 4],
    [2, 3, 4, 1],
  ]);
  const truth = new Float32Array([2, 3, 5]);
  const [s] = accumulateEnsemble({ members, memberCount: 4, truth, weights: new Float64Array([1, 1, 1]) }, all(3));

  it("stores Σ S = 7, Σ D = 96", () => {
    expect(s.sumWSkill).toBe(7);
    expect(s.sumWPairAbsDiff).toBe(96);
  });
  it("fair = mean(2/3, 2/3, 5/3) = 1; ecdf = mean(1.125, 1, 1.875) = 4/3", () => {
    expect(perTimeScore(s, "crps-fair")).toBeCloseTo(1, 15);
    expect(perTimeScore(s, "crps-ecdf")).toBeCloseTo(4 / 3, 15);
  });
  it("skill ⟨S⟩ = 7/3, spread ⟨D/(M(M−1))⟩ = 8/3, CRPS = skill − spread/2", () => {
    expect(perTimeScore(s, "crps-skill")).toBeCloseTo(7 / 3, 15);
    expect(perTimeScore(s, "crps-spread")).toBeCloseTo(8 / 3, 15);
  });
  it("ensemble mean, variance (ddof = 1) and rank histogram", () => {
    // means 3.5, 1.5, 2.5; errors 1.5, −1.5, −2.5; variances 25/3, 13/3, 5/3
    expect(s.sumWMeanErr).toBeCloseTo(-2.5, 6);
    expect(s.sumWMeanSqErr).toBeCloseTo(2.25 + 2.25 + 6.25, 6);
    expect(s.sumWVariance).toBeCloseTo(25 / 3 + 13 / 3 + 5 / 3, 6);
    // ranks: obs 2 among [0,3,4,7] → 1; obs 3 among [−1,1,2,4] → 3; obs 5 among [1,2,3,4] → 4
    expect(s.rankHistogram).toEqual([0, 1, 0, 1, 1]);
  });
});

describe("ensemble kernel conventions", () => {
  it("a NaN member or truth drops the point from every sum", () => {
    const members = memberMajor([
      [1, 2],
      [NaN, 2],
      [1, 2],
    ]);
    const [s] = accumulateEnsemble(
      { members, memberCount: 2, truth: new Float32Array([0, 0, NaN]), weights: new Float64Array([2, 5, 7]) },
      all(3),
    );
    expect(s.count).toBe(1);
    expect(s.sumW).toBe(2);
    expect(s.sumWSkill).toBe(2 * 1.5);
    expect(s.sumWPairAbsDiff).toBe(2 * 2);
    expect(s.rankHistogram).toEqual([2, 0, 0]); // truth 0 below both members
  });

  it("M = 1: spread terms are 0, fair and ecdf CRPS both equal the MAE (WB2)", () => {
    const [s] = accumulateEnsemble(
      {
        members: new Float32Array([1, 5, -2]),
        memberCount: 1,
        truth: new Float32Array([0, 3, 0]),
        weights: new Float64Array([1, 2, 1]),
      },
      all(3),
    );
    const mae = (1 + 2 * 2 + 2) / 4;
    expect(perTimeScore(s, "crps-fair")).toBe(mae);
    expect(perTimeScore(s, "crps-ecdf")).toBe(mae);
    expect(perTimeScore(s, "crps-spread")).toBe(0);
    expect(perTimeScore(s, "ensemble-variance")).toBe(0);
    expect(perTimeScore(s, "ensemble-mean-rmse")).toBeCloseTo(Math.sqrt((1 + 8 + 4) / 4), 15);
  });

  it("ties between truth and members split the weight over the tied ranks", () => {
    const [s] = accumulateEnsemble(
      {
        members: memberMajor([[1, 2, 2, 3], [2, 2, 2, 2], [1, 2, 3, 4]]),
        memberCount: 4,
        truth: new Float32Array([2, 2, 0]),
        weights: new Float64Array([3, 5, 1]),
      },
      all(3),
    );
    // point 0: 1 below, 2 ties → ranks 1, 2, 3 get 1 each; point 1: 0 below, 4 ties → ranks 0…4 get 1 each; point 2: rank 0.
    expect(s.rankHistogram).toEqual([2, 2, 2, 2, 1]);
    const h = aggregateRankHistogram([s]);
    expect(h.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    expect(h[0]).toBeCloseTo(2 / 9, 15);
  });

  it("checks shapes", () => {
    expect(() =>
      accumulateEnsemble({ members: new Float32Array(5), memberCount: 2, truth: new Float32Array(3), weights: new Float64Array(3) }, all(3)),
    ).toThrow();
    expect(() =>
      accumulateEnsemble({ members: new Float32Array(0), memberCount: 0, truth: new Float32Array(0), weights: new Float64Array(0) }, all(0)),
    ).toThrow();
  });
});

describe("ensemble kernel against a naive float64 implementation (O(M²), two-pass variance)", () => {
  const lats = Array.from({ length: 37 }, (_, i) => -90 + 5 * i);
  const lons = Array.from({ length: 72 }, (_, j) => 5 * j);
  const { lat, lon } = regularGridPoints(lats, lons);
  const n = lat.length;
  const weights = expandRowWeights(cellAreaLatitudeWeights(lats), lons.length);
  const regions: RegionSpec[] = [
    { kind: "wb2", name: "global" },
    { kind: "wb2", name: "tropics" },
    { kind: "wb2", name: "europe" },
    { kind: "box", name: "pacific-wrap", latMin: -30, latMax: 30, lonMin: 160, lonMax: -160 },
  ];
  const set = compileRegions(regions, lat, lon);

  const cases: [number, boolean][] = [
    [1, false],
    [2, false],
    [10, false],
    [50, false],
    [20, true],
  ];
  for (const [m, smooth] of cases) {
    it(`M = ${m}${smooth ? ", smooth fields (member order carried between points)" : ", rounded noise with ties"}`, () => {
      const r = rng(100 + m);
      const g = normal(r);
      const truth = Float32Array.from({ length: n }, (_, p) =>
        r() < 0.02 ? NaN : smooth ? Math.sin(lat[p] / 20) + Math.cos(lon[p] / 30) : Math.round(4 * g()) / 2,
      );
      // Smooth: member k is a phase-shifted smooth field, so member ranks change slowly along each row.
      const members = Float32Array.from({ length: n * m }, (_, q) => {
        const k = Math.floor(q / n);
        const p = q % n;
        if (r() < 0.002) return NaN;
        return smooth ? Math.sin(lat[p] / 20 + 0.05 * k) + Math.cos(lon[p] / 30 + 0.3 * k) : Math.round(4 * g()) / 2 + 0.1;
      });
      const stats = accumulateEnsemble({ members, memberCount: m, truth, weights }, set);
      regions.forEach((region, i) => {
        const mask = compileRegionMask(region, lat, lon);
        const { count, sw, sS, sD, sV, sE, sE2, hist } = naiveEnsembleSums(members, m, truth, weights, mask);
        const s = stats[i];
        expect(s.count).toBe(count);
        expect(s.sumW).toBeCloseTo(sw, 9);
        expect(s.sumWSkill / sw).toBeCloseTo(sS / sw, 11);
        expect(s.sumWPairAbsDiff / sw).toBeCloseTo(sD / sw, 9);
        expect(s.sumWVariance / sw).toBeCloseTo(sV / sw, 11);
        expect(s.sumWMeanErr / sw).toBeCloseTo(sE / sw, 11);
        expect(s.sumWMeanSqErr / sw).toBeCloseTo(sE2 / sw, 11);
        s.rankHistogram.forEach((h, k) => expect(h / sw).toBeCloseTo(hist[k] / sw, 11));
      });
    });
  }
});

describe("spread–skill ratio of a perfect ensemble (statistical, N = 200 000 points, M = 4)", () => {
  // Truth and members i.i.d. N(0, 1): E(x̄ − y)² = 1 + 1/M, E s² = 1.
  const n = 200_000;
  const m = 4;
  const r = rng(2024);
  const g = normal(r);
  const truth = Float32Array.from({ length: n }, g);
  const members = Float32Array.from({ length: n * m }, g);
  const [s] = accumulateEnsemble({ members, memberCount: m, truth, weights: new Float64Array(n).fill(1) }, all(n));
  // Standard errors at this N are ~0.002 on each ratio; tolerance 0.01.
  it("plain ratio → √(M/(M+1)) = 0.894", () => {
    expect(Math.abs(aggregateOverTime([s], "spread-skill-ratio") - Math.sqrt(m / (m + 1)))).toBeLessThan(0.01);
  });
  it("√((M+1)/M)-corrected and unbiased ratios → 1", () => {
    expect(Math.abs(aggregateOverTime([s], "spread-skill-ratio-corrected") - 1)).toBeLessThan(0.01);
    expect(Math.abs(aggregateOverTime([s], "spread-skill-ratio-unbiased") - 1)).toBeLessThan(0.01);
  });
  it("fair CRPS → 1/√π (unbiased); ecdf CRPS → (1 + 1/M)/√π", () => {
    // For X, Y ~ N(0,1) independent: E|X − Y| = 2/√π, E|X − X′| = 2/√π → CRPS = 1/√π ≈ 0.5642.
    expect(Math.abs(aggregateOverTime([s], "crps-fair") - 1 / Math.sqrt(Math.PI))).toBeLessThan(0.005);
    // ecdf is biased upwards by D/(2M²(M−1)) on average: + (1/(2M))·E|X−X′| = 0.1410
    expect(Math.abs(aggregateOverTime([s], "crps-ecdf") - (1 / Math.sqrt(Math.PI)) * (1 + 1 / m))).toBeLessThan(0.005);
  });
  it("rank histogram is flat (each of the 5 bins ≈ 0.2)", () => {
    for (const h of aggregateRankHistogram([s])) expect(Math.abs(h - 0.2)).toBeLessThan(0.005);
  });
});
