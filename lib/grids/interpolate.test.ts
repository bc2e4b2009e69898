import { describe, expect, it } from "vitest";
import { octahedralGrid } from "./gaussian";
import type { Grid, InterpolationMethod } from "./grid";
import { healpixGrid } from "./healpix-grid";
import { regrid } from "./interpolate";
import { parseGrid } from "./parse";
import { RegularGrid, regularGlobal } from "./regular";
import { greatCircle } from "./sphere";
import { analytic, randomSphere, rng, sampleField } from "./test-utils";
import { UnstructuredGrid } from "./unstructured";

// A fixed random target set (seeded) on which errors against the analytic field are measured.
const target = randomSphere(20000, 99);
const targetGrid = new UnstructuredGrid(target.lats, target.lons, "global");
const truth = sampleField(targetGrid.latitudes, targetGrid.longitudes, analytic);

function errors(src: Grid, method: InterpolationMethod): { max: number; rms: number } {
  const op = regrid(src, targetGrid, method);
  const out = op.apply(sampleField(src.latitudes, src.longitudes, analytic), new Float64Array(targetGrid.size));
  let max = 0;
  let ss = 0;
  for (let i = 0; i < out.length; i++) {
    const e = Math.abs(out[i] - truth[i]);
    max = Math.max(max, e);
    ss += e * e;
  }
  return { max, rms: Math.sqrt(ss / out.length) };
}

describe("interpolation accuracy against an analytic field (Y_1^0 + Y_2^1 + Y_2^2 + Y_3^1 combination, |f| ≲ 2)", () => {
  // Bounds are ~1.5× the measured errors; "linear" must converge at second order (error ratio > 3
  // per halving of the spacing), "nearest" at first order (ratio ≈ 2).
  it("regular bilinear: max error < 1.6e-3 / 4e-4 / 1e-4 at 2° / 1° / 0.5°, second order", () => {
    const e = ["2", "1", "0.5"].map((s) => errors(parseGrid(s), "linear"));
    expect(e[0].max).toBeLessThan(1.6e-3);
    expect(e[1].max).toBeLessThan(4e-4);
    expect(e[2].max).toBeLessThan(1e-4);
    expect(e[0].max / e[1].max).toBeGreaterThan(3.5);
    expect(e[1].max / e[2].max).toBeGreaterThan(3.5);
  });

  it("octahedral row-linear (with cross-pole caps): max error < 7.5e-3 / 2.5e-3 / 1e-3 at O24 / O48 / O96", () => {
    const e = [24, 48, 96].map((N) => errors(octahedralGrid(N), "linear"));
    expect(e[0].max).toBeLessThan(7.5e-3);
    expect(e[1].max).toBeLessThan(2.5e-3);
    expect(e[2].max).toBeLessThan(1e-3);
    expect(e[0].rms / e[1].rms).toBeGreaterThan(3);
    expect(e[1].rms / e[2].rms).toBeGreaterThan(3);
  });

  it("HEALPix ring-linear: rms < 3.2e-3 / 8.5e-4 / 2.2e-4 at H16 / H32 / H64 (second order); max error shrinks", () => {
    // The max error sits on the polar rings (4i pixels per ring), where linear interpolation in
    // longitude is only first order; the rms is second order.
    const e = [16, 32, 64].map((n) => errors(healpixGrid(n, n === 32 ? "nested" : "ring"), "linear"));
    expect(e[0].rms).toBeLessThan(3.2e-3);
    expect(e[1].rms).toBeLessThan(8.5e-4);
    expect(e[2].rms).toBeLessThan(2.2e-4);
    expect(e[0].rms / e[1].rms).toBeGreaterThan(3);
    expect(e[1].rms / e[2].rms).toBeGreaterThan(3);
    expect(e[0].max).toBeLessThan(4e-2);
    expect(e[2].max).toBeLessThan(e[1].max);
    expect(e[1].max).toBeLessThan(e[0].max);
  });

  it("nearest: max error < 0.09 / 0.045 / 0.023 at 2° / 1° / 0.5°, first order", () => {
    const e = ["2", "1", "0.5"].map((s) => errors(parseGrid(s), "nearest"));
    expect(e[0].max).toBeLessThan(0.09);
    expect(e[1].max).toBeLessThan(0.045);
    expect(e[2].max).toBeLessThan(0.023);
    expect(e[0].rms / e[1].rms).toBeGreaterThan(1.7);
    expect(e[1].rms / e[2].rms).toBeGreaterThan(1.7);
  });

  it("IDW on unstructured points: rms < 0.035 / 0.017 for 5k / 20k random points", () => {
    const a = randomSphere(5000, 1);
    const b = randomSphere(20000, 2);
    const ea = errors(new UnstructuredGrid(a.lats, a.lons), "linear");
    const eb = errors(new UnstructuredGrid(b.lats, b.lons), "linear");
    expect(ea.rms).toBeLessThan(0.035);
    expect(eb.rms).toBeLessThan(0.017);
    expect(errors(octahedralGrid(48), "idw").rms).toBeLessThan(6e-3);
  });
});

describe("exactness", () => {
  it("bilinear reproduces a + b·lat + c·lon + d·lat·lon on a regional grid", () => {
    const g = new RegularGrid({ kind: "regular", lat: { first: 20, step: 0.75, count: 41 }, lon: { first: -30, step: 1.25, count: 49 } });
    const f = (la: number, lo: number) => 1 + 0.3 * la - 0.2 * lo + 0.01 * la * lo;
    const v = sampleField(g.latitudes, g.longitudes, f);
    const r = rng(3);
    for (let i = 0; i < 500; i++) {
      const la = 20 + 30 * r();
      const lo = -30 + 60 * r();
      expect(g.lookup(v, la, lo)).toBeCloseTo(f(la, lo), 10);
    }
  });

  it.each([octahedralGrid(32), parseGrid("N16"), healpixGrid(16), healpixGrid(16, "nested")])(
    "row-linear on $id reproduces a + b·lat + c·lon between rows",
    (g) => {
      const f = (la: number, lo: number) => 2 + 0.3 * la + 0.01 * lo;
      const v = sampleField(g.latitudes, g.longitudes, f);
      const t = g.rowTable()!;
      const r = rng(4);
      for (let i = 0; i < 500; i++) {
        const la = t.lat[t.lat.length - 1] + (t.lat[0] - t.lat[t.lat.length - 1]) * r();
        const lo = 50 + 250 * r();
        expect(g.lookup(v, la, lo)).toBeCloseTo(f(la, lo), 9);
      }
    },
  );

  it("interpolation at a grid point returns its value for every method", () => {
    for (const g of [regularGlobal(3), octahedralGrid(16), healpixGrid(8, "nested"), parseGrid("N8")]) {
      const v = sampleField(g.latitudes, g.longitudes, analytic);
      for (const i of [0, 7, Math.floor(g.size / 2), g.size - 1]) {
        for (const m of ["nearest", "linear", "idw"] as const) {
          expect(g.lookup(v, g.latitudes[i], g.longitudes[i], m)).toBeCloseTo(v[i], 12);
        }
      }
    }
  });
});

describe("lookup and regrid behaviour", () => {
  it("lookup agrees with the precomputed operator", () => {
    const src = octahedralGrid(24);
    const v = sampleField(src.latitudes, src.longitudes, analytic);
    for (const m of ["linear", "idw"] as const) {
      const out = regrid(src, targetGrid, m).apply(v);
      for (let i = 0; i < 2000; i += 7) expect(out[i]).toBeCloseTo(src.lookup(v, target.lats[i], target.lons[i], m), 5);
    }
    // regrid "nearest" is the exact great-circle nearest point
    const near = regrid(src, targetGrid, "nearest");
    for (let i = 0; i < 2000; i += 7) expect(near.indices[i]).toBe(src.nearest(target.lats[i], target.lons[i]));
  });

  it("operator: layout, reuse on many fields, size checks", () => {
    const src = regularGlobal(10);
    const dst = octahedralGrid(8);
    const op = regrid(src, dst, "linear");
    expect(op.width).toBe(4);
    expect(op.indices.length).toBe(dst.size * 4);
    expect(op.weights).toBeInstanceOf(Float32Array);
    for (let i = 0; i < dst.size; i++) {
      let s = 0;
      for (let e = 0; e < 4; e++) s += op.weights[4 * i + e];
      expect(s).toBeCloseTo(1, 6);
    }
    const ones = new Float32Array(src.size).fill(1);
    expect(op.apply(ones).every((x) => Math.abs(x - 1) < 1e-6)).toBe(true);
    expect(() => op.apply(new Float32Array(3))).toThrow(/source grid/);
    expect(regrid(src, dst, "idw", { k: 6 }).width).toBe(6);
  });

  it("is NaN-aware: NaN neighbours are skipped and weights renormalised", () => {
    const g = regularGlobal(10);
    const v = new Float64Array(g.size).fill(5);
    // point between 4 nodes; poison one of them
    const i00 = 4 * g.nlon + 3; // lat 50, lon 30
    v[i00] = NaN;
    expect(g.lookup(v, 47, 33)).toBe(5);
    expect(g.lookup(v, 50, 30, "nearest")).toBeNaN();
    v.fill(NaN);
    expect(g.lookup(v, 47, 33)).toBeNaN();
  });

  it("regional grids return NaN outside, and handle boxes across the dateline", () => {
    const g = new RegularGrid({ kind: "regular", lat: { first: 10, step: 1, count: 11 }, lon: { first: 170, step: 1, count: 21 } });
    const v = sampleField(g.latitudes, g.longitudes, (la, lo) => la + ((lo + 360) % 360));
    expect(g.lookup(v, 15.5, -175.5)).toBeCloseTo(15.5 + 184.5, 10);
    expect(g.lookup(v, 15, 175.25)).toBeCloseTo(15 + 175.25, 10);
    expect(g.lookup(v, 21, 175)).toBeNaN();
    expect(g.lookup(v, 15, 0)).toBeNaN();
    expect(g.lookup(v, 15, 169)).toBeNaN();
    // shader-style nearest accepts half a cell beyond the edge
    expect(g.lookup(v, 20.4, 190.4, "nearest")).toBe(20 + 190);
    expect(g.lookup(v, 20.6, 190, "nearest")).toBeNaN();
  });

  it("polar caps: cross-pole interpolation on periodic rows, outer row alone on half-globe rows", () => {
    // 30° grid without poles: outer rows at ±75°.
    const g = regularGlobal(30, 30, { poles: false });
    const v = sampleField(g.latitudes, g.longitudes, (la, lo) => la + lo / 1000);
    // at 85°N, lon 0: (1 − w)·f(75, 0) + w·f(75, 180) with w = 10 / (2·15) = 1/3
    expect(g.lookup(v, 85, 0)).toBeCloseTo(75 + (1 / 3) * 0.18, 12);
    expect(g.lookup(v, 90, 0)).toBeCloseTo(75 + 0.09, 12);
    const half = new RegularGrid({ kind: "regular", lat: { first: 75, step: -30, count: 6 }, lon: { first: 0, step: 30, count: 6 } });
    expect(half.globalLatitude).toBe(true);
    const hv = sampleField(half.latitudes, half.longitudes, (la, lo) => la + lo / 1000);
    expect(half.lookup(hv, 85, 30)).toBeCloseTo(75.03, 12);
  });

  it("shader-style nearest on a regular grid is the rounded row/column", () => {
    const g = regularGlobal(2.5);
    const idx = new Float64Array(g.size).map((_, i) => i);
    const r = rng(8);
    for (let t = 0; t < 1000; t++) {
      const la = 180 * r() - 90;
      const lo = 720 * r() - 360;
      const row = Math.round((90 - la) / 2.5);
      const col = ((Math.round(lo / 2.5) % 144) + 144) % 144;
      expect(g.lookup(idx, la, lo, "nearest")).toBe(row * 144 + col);
    }
  });
});

describe("nearest (k-d tree) against brute force", () => {
  it.each([regularGlobal(5), octahedralGrid(24), healpixGrid(8, "nested"), parseGrid("H5")])("$id", (g) => {
    const q = randomSphere(400, 21);
    for (let t = 0; t < q.lats.length; t++) {
      let best = Infinity;
      for (let i = 0; i < g.size; i++) best = Math.min(best, greatCircle(q.lats[t], q.lons[t], g.latitudes[i], g.longitudes[i]));
      const j = g.nearest(q.lats[t], q.lons[t]);
      expect(greatCircle(q.lats[t], q.lons[t], g.latitudes[j], g.longitudes[j])).toBeCloseTo(best, 12);
    }
    const k = g.kNearest(12, 34, 5);
    expect(k.indices.length).toBe(5);
    for (let i = 1; i < 5; i++) expect(k.distances[i]).toBeGreaterThanOrEqual(k.distances[i - 1]);
    expect(k.distances[0]).toBeCloseTo(greatCircle(12, 34, g.latitudes[k.indices[0]], g.longitudes[k.indices[0]]), 12);
  });
});
