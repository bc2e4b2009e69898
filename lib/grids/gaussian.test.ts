import { describe, expect, it } from "vitest";
import { CLASSIC_REDUCED_N, classicReducedGrid, classicReducedPl, GaussianGrid, gaussianLatitudes, octahedralGrid, octahedralPl, regularGaussianGrid } from "./gaussian";
import { gridFromLatLon, GridSpecError, parseGrid } from "./parse";
import { sum } from "./test-utils";

const deg = (x: number) => (x * 180) / Math.PI;

/** P_n by recurrence, for the independent root finder below. */
function legendreP(n: number, x: number): number {
  let p0 = 1;
  let p1 = x;
  for (let j = 2; j <= n; j++) [p0, p1] = [p1, ((2 * j - 1) * x * p1 - (j - 1) * p0) / j];
  return n === 0 ? 1 : p1;
}

/** Positive roots of P_n by sign-change scan + bisection: a different algorithm from gaussianLatitudes. */
function rootsByBisection(n: number): number[] {
  const roots: number[] = [];
  const steps = 200 * n;
  let a = 1;
  let fa = legendreP(n, a);
  for (let s = 1; s <= steps; s++) {
    const b = 1 - s / steps;
    const fb = legendreP(n, b);
    if (fa === 0) roots.push(a);
    else if (fa * fb < 0) {
      let lo = b, hi = a;
      for (let it = 0; it < 200; it++) {
        const mid = (lo + hi) / 2;
        if (mid === lo || mid === hi) break;
        if (legendreP(n, mid) * legendreP(n, hi) <= 0) lo = mid;
        else hi = mid;
      }
      roots.push((lo + hi) / 2);
    }
    a = b;
    fa = fb;
    if (b <= 0) break;
  }
  return roots.filter((r) => r > 1e-12);
}

describe("gaussianLatitudes", () => {
  it("N=1: P_2 roots ±1/√3, weights 1", () => {
    const g = gaussianLatitudes(1);
    expect(g.latitudes[0]).toBeCloseTo(deg(Math.asin(1 / Math.sqrt(3))), 12);
    expect(g.latitudes[1]).toBeCloseTo(-deg(Math.asin(1 / Math.sqrt(3))), 12);
    expect(g.weights[0]).toBeCloseTo(1, 14);
    expect(g.weights[1]).toBeCloseTo(1, 14);
  });

  it("N=2: P_4 roots √((3 ∓ 2√(6/5))/7), weights (18 ± √30)/36", () => {
    const g = gaussianLatitudes(2);
    const xOuter = Math.sqrt((3 + 2 * Math.sqrt(6 / 5)) / 7);
    const xInner = Math.sqrt((3 - 2 * Math.sqrt(6 / 5)) / 7);
    expect(Array.from(g.latitudes)).toEqual(
      [deg(Math.asin(xOuter)), deg(Math.asin(xInner)), -deg(Math.asin(xInner)), -deg(Math.asin(xOuter))].map((v) => expect.closeTo(v, 12)),
    );
    expect(g.weights[0]).toBeCloseTo((18 - Math.sqrt(30)) / 36, 14);
    expect(g.weights[1]).toBeCloseTo((18 + Math.sqrt(30)) / 36, 14);
  });

  it.each([3, 4, 7, 24])("N=%i matches bisection roots of P_2N to 1e-12", (N) => {
    const g = gaussianLatitudes(N);
    const roots = rootsByBisection(2 * N);
    expect(roots.length).toBe(N);
    roots.forEach((x, k) => expect(Math.sin((g.latitudes[k] * Math.PI) / 180)).toBeCloseTo(x, 12));
  });

  it("N320 first latitude is 89.78487691°", () => {
    expect(gaussianLatitudes(320).latitudes[0]).toBeCloseTo(89.78487691, 8);
  });

  it.each([1, 2, 16, 96, 320, 1280])("N=%i weights sum to 2 and integrate x^2k exactly up to degree 4N−1", (N) => {
    const g = gaussianLatitudes(N);
    expect(sum(g.weights)).toBeCloseTo(2, 12);
    const xs = Array.from(g.latitudes, (v) => Math.sin((v * Math.PI) / 180));
    for (const k of [1, 2, Math.max(1, Math.floor((4 * N - 2) / 2))]) {
      if (2 * k > 4 * N - 1) continue;
      const q = xs.reduce((acc, x, i) => acc + g.weights[i] * x ** (2 * k), 0);
      expect(q).toBeCloseTo(2 / (2 * k + 1), 12);
    }
  });

  it("latitudes are strictly decreasing and symmetric", () => {
    const g = gaussianLatitudes(96).latitudes;
    for (let i = 1; i < g.length; i++) expect(g[i]).toBeLessThan(g[i - 1]);
    for (let i = 0; i < g.length; i++) expect(g[i]).toBe(-g[g.length - 1 - i]);
  });

  it("rejects invalid N", () => {
    expect(() => gaussianLatitudes(0)).toThrow();
    expect(() => gaussianLatitudes(2.5)).toThrow();
  });
});

describe("GaussianGrid", () => {
  it("O96: 40,320 points, rows 20..400, id, order", () => {
    const g = octahedralGrid(96);
    expect(g.size).toBe(40320);
    expect(g.id).toBe("O96");
    expect(g.layout).toBe("octahedral");
    expect(g.pl[0]).toBe(20);
    expect(g.pl[95]).toBe(400);
    expect(g.pl[96]).toBe(400);
    expect(g.pl[191]).toBe(20);
    // second point of the first row: 360/20 = 18°
    expect(g.longitudes[1]).toBe(18);
    expect(g.latitudes[0]).toBe(g.latitudes[19]);
    expect(g.latitudes[20]).toBeLessThan(g.latitudes[19]);
  });

  it("octahedral point counts 4N² + 36N: O1280 = 6,599,680, O320 = 421,120, O48 = 10,944", () => {
    expect(sum(octahedralPl(1280))).toBe(6_599_680);
    expect(sum(octahedralPl(320))).toBe(421_120);
    expect(sum(octahedralPl(48))).toBe(10_944);
  });

  it("regular Gaussian N320 is 640 × 1280", () => {
    const g = regularGaussianGrid(320);
    expect(g.size).toBe(640 * 1280);
    expect(g.id).toBe("N320");
    expect(g.layout).toBe("regular");
  });

  it.each([octahedralGrid(24), regularGaussianGrid(16), octahedralGrid(96)])("areas of $id sum to 4π; weights mean 1", (g) => {
    expect(g.domainArea() / (4 * Math.PI)).toBeCloseTo(1, 12);
    expect(sum(g.weights()) / g.size).toBeCloseTo(1, 12);
    expect(sum(g.weights("cos-lat")) / g.size).toBeCloseTo(1, 12);
    // area per point = 2π w_row / pl_row
    expect(g.areas()[0]).toBeCloseTo((2 * Math.PI * g.rowWeights[0]) / g.pl[0], 15);
  });

  it("a classic reduced grid gets a hashed id and validates its pl length", () => {
    const pl = [8, 12, 12, 8];
    const g = new GaussianGrid({ kind: "gaussian", N: 2, pl });
    expect(g.layout).toBe("reduced");
    expect(g.id).toMatch(/^reduced-N2-[0-9a-f]{8}$/);
    expect(g.size).toBe(40);
    expect(() => new GaussianGrid({ kind: "gaussian", N: 3, pl })).toThrow(/2N = 6/);
  });
});

describe("classic reduced Gaussian grids (ECMWF row tables)", () => {
  /** True when x has no prime factor other than 2, 3 and 5 (every ECMWF row length is FFT-friendly). */
  const smooth = (x: number) => {
    for (const p of [2, 3, 5]) while (x % p === 0) x /= p;
    return x === 1;
  };

  it("point counts match ECMWF's published sizes: N128 = 88,838, N320 = 542,080, N640 = 2,140,702", () => {
    expect(classicReducedGrid(128).size).toBe(88_838);
    expect(classicReducedGrid(320).size).toBe(542_080);
    expect(classicReducedGrid(640).size).toBe(2_140_702);
    expect(sum(classicReducedPl(1280))).toBe(8_505_906);
    expect(sum(classicReducedPl(32))).toBe(6_114);
  });

  it("every table has 2N rows, mirrored about the equator, growing to 4N at the equator, with 2-3-5-smooth row lengths", () => {
    expect(CLASSIC_REDUCED_N).toEqual([32, 48, 64, 80, 96, 128, 160, 200, 256, 320, 400, 512, 640, 1024, 1280, 2000]);
    for (const N of CLASSIC_REDUCED_N) {
      const pl = classicReducedPl(N);
      expect(pl, `N${N}`).toHaveLength(2 * N);
      for (let r = 0; r < N; r++) {
        expect(pl[r], `N${N} row ${r}`).toBe(pl[2 * N - 1 - r]);
        if (r > 0) expect(pl[r], `N${N} row ${r}`).toBeGreaterThanOrEqual(pl[r - 1]);
        expect(smooth(pl[r]), `N${N} row ${r}: ${pl[r]}`).toBe(true);
      }
      expect(pl[N - 1]).toBe(4 * N);
      expect(pl[0]).toBeLessThanOrEqual(20);
    }
  });

  it("N320: reduced layout, 4π of area, and the same id as the grid recognised from its coordinates", () => {
    const g = classicReducedGrid(320);
    expect(g.layout).toBe("reduced");
    expect(g.id).toMatch(/^reduced-N320-[0-9a-f]{8}$/);
    expect(g.pl[0]).toBe(18);
    expect(g.pl[319]).toBe(1280);
    expect(Math.abs(sum(g.areas()) / (4 * Math.PI) - 1)).toBeLessThan(1e-9);
    expect(gridFromLatLon(g.latitudes, g.longitudes).id).toBe(g.id);
    expect(parseGrid("reduced-N320").id).toBe(g.id);
    expect(parseGrid("N320").size).toBe(819_200); // "N320" stays the full Gaussian grid (F320)
  });

  it("an N without a table is a clear error", () => {
    expect(() => classicReducedPl(321)).toThrow(/no classic reduced Gaussian row table for N321; built in: N32, N48/);
    expect(() => parseGrid("reduced-N321")).toThrow(GridSpecError);
  });
});
