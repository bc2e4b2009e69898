import { describe, expect, it } from "vitest";
import { healpixGrid } from "./healpix-grid";
import { regularGlobal } from "./regular";
import { greatCircle } from "./sphere";
import { randomSphere, rng, sum } from "./test-utils";
import { UnstructuredGrid } from "./unstructured";

const deg = (x: number) => (x * 180) / Math.PI;

function fromXyz(points: number[][]): UnstructuredGrid {
  const lats = points.map(([x, y, z]) => deg(Math.atan2(z, Math.hypot(x, y))));
  const lons = points.map(([x, y]) => deg(Math.atan2(y, x)));
  return new UnstructuredGrid(lats, lons);
}

describe("spherical Voronoi areas", () => {
  it("cube vertices: 8 cells of π/2 each (the octants)", () => {
    const pts: number[][] = [];
    for (const x of [-1, 1]) for (const y of [-1, 1]) for (const z of [-1, 1]) pts.push([x, y, z]);
    const g = fromXyz(pts);
    expect(g.domain).toBe("global");
    g.areas().forEach((a) => expect(a).toBeCloseTo(Math.PI / 2, 11));
  });

  it("octahedron vertices: 6 cells of 2π/3", () => {
    const g = fromXyz([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]);
    g.areas().forEach((a) => expect(a).toBeCloseTo((2 * Math.PI) / 3, 12));
  });

  it("tetrahedron vertices: 4 cells of π (cell vertices 70.5° away still fit the hemisphere)", () => {
    const g = fromXyz([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]);
    g.areas().forEach((a) => expect(a).toBeCloseTo(Math.PI, 11));
  });

  it("three points on the equator are too sparse (lune cells reach the poles, 90° away) and fail explicitly", () => {
    const g = new UnstructuredGrid([0, 0, 0], [0, 120, 240], "global");
    expect(() => g.areas()).toThrow(/too sparse/);
  });

  it("random global points: cells sum to 4π (1e-9 relative)", () => {
    const { lats, lons } = randomSphere(20000, 42);
    const g = new UnstructuredGrid(lats, lons);
    expect(g.domain).toBe("global");
    expect(sum(g.areas()) / (4 * Math.PI)).toBeCloseTo(1, 9);
    expect(g.areas().every((a) => a > 0)).toBe(true);
    expect(sum(g.weights()) / g.size).toBeCloseTo(1, 12);
  });

  it("per-cell areas agree with an independent nearest-site count over 786k equal-area HEALPix pixels (1.5%)", () => {
    const { lats, lons } = randomSphere(24, 5);
    const g = new UnstructuredGrid(lats, lons);
    const h = healpixGrid(256);
    const counts = new Float64Array(24);
    const xyz = g.unitVectors();
    const hx = h.unitVectors();
    for (let p = 0; p < h.size; p++) {
      let best = -2;
      let bi = 0;
      for (let i = 0; i < 24; i++) {
        const d = hx[3 * p] * xyz[3 * i] + hx[3 * p + 1] * xyz[3 * i + 1] + hx[3 * p + 2] * xyz[3 * i + 2];
        if (d > best) {
          best = d;
          bi = i;
        }
      }
      counts[bi]++;
    }
    const a = g.areas();
    for (let i = 0; i < 24; i++) expect(Math.abs(a[i] - (counts[i] / h.size) * 4 * Math.PI) / a[i]).toBeLessThan(0.015);
  });

  it("regional domain clipped to its hull: the octant x, y, z ≥ 0 has area π/2", () => {
    const r = rng(9);
    const pts: number[][] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    for (let i = 0; i < 3000; i++) pts.push([r(), r(), r()].map((v) => v + 1e-3));
    const g = fromXyz(pts);
    expect(g.domain).toBe("hull");
    expect(g.hull()!.vertices.length).toBe(3);
    expect(g.boundaryArea()).toBeCloseTo(Math.PI / 2, 12);
    expect(sum(g.areas()) / (Math.PI / 2)).toBeCloseTo(1, 9);
  });

  it("a limited-area lat/lon box: cells sum to the hull area; interior cells ≈ lat/lon cell areas", () => {
    const lats: number[] = [];
    const lons: number[] = [];
    for (let la = 40; la <= 60; la += 0.5) for (let lo = -10; lo <= 20; lo += 0.5) {
      lats.push(la);
      lons.push(lo);
    }
    const g = new UnstructuredGrid(lats, lons);
    expect(g.domain).toBe("hull");
    expect(sum(g.areas()) / g.boundaryArea()).toBeCloseTo(1, 9);
    // Independent hull area by Girard's theorem: Σ interior angles − (n − 2)π.
    const hull = g.hull()!;
    const xyz = g.unitVectors();
    const v = (k: number) => { const i = hull.vertices[(k + hull.vertices.length) % hull.vertices.length]; return [xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]]; };
    const tangent = (a: number[], b: number[]) => {
      const d = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
      const t = [b[0] - d * a[0], b[1] - d * a[1], b[2] - d * a[2]];
      const l = Math.hypot(t[0], t[1], t[2]);
      return t.map((c) => c / l);
    };
    let angles = 0;
    const m = hull.vertices.length;
    for (let k = 0; k < m; k++) {
      const t1 = tangent(v(k), v(k - 1));
      const t2 = tangent(v(k), v(k + 1));
      const cr = Math.hypot(t1[1] * t2[2] - t1[2] * t2[1], t1[2] * t2[0] - t1[0] * t2[2], t1[0] * t2[1] - t1[1] * t2[0]);
      angles += Math.atan2(cr, t1[0] * t2[0] + t1[1] * t2[1] + t1[2] * t2[2]);
    }
    expect(g.boundaryArea()).toBeCloseTo(angles - (m - 2) * Math.PI, 9);
    // The southern edge points (lat 40) are hull vertices: great circles bulge poleward.
    expect(m).toBeGreaterThanOrEqual(61 + 2); // (+ numerically non-collinear points on the meridian edges)
    const box = (Math.sin((60 * Math.PI) / 180) - Math.sin((40 * Math.PI) / 180)) * ((30 * Math.PI) / 180);
    expect(g.boundaryArea() / box).toBeGreaterThan(1);
    expect(g.boundaryArea() / box).toBeLessThan(1.03);
    // interior point at 50°N: Voronoi cell ≈ 0.5° × 0.5° lat/lon cell (the grid is not exactly orthogonal on the sphere)
    const i = lats.findIndex((v, k) => v === 50 && lons[k] === 5);
    const cell = (Math.sin((50.25 * Math.PI) / 180) - Math.sin((49.75 * Math.PI) / 180)) * ((0.5 * Math.PI) / 180);
    expect(Math.abs(g.areas()[i] / cell - 1)).toBeLessThan(1e-3);
  });

  it("duplicated points share their cell", () => {
    const { lats, lons } = randomSphere(2000, 8);
    const g1 = new UnstructuredGrid(lats, lons);
    const g2 = new UnstructuredGrid([...lats, lats[0]], [...lons, lons[0]]);
    expect(g2.areas()[0]).toBeCloseTo(g1.areas()[0] / 2, 14);
    expect(g2.areas()[2000]).toBeCloseTo(g1.areas()[0] / 2, 14);
    expect(sum(g2.areas()) / (4 * Math.PI)).toBeCloseTo(1, 9);
  });

  it("a regular grid's points (with poles) as an unstructured global set sum to 4π", () => {
    const r = regularGlobal(5);
    // pole rows are 72 duplicates of the same point each
    const g = new UnstructuredGrid(r.latitudes, r.longitudes, "global");
    expect(sum(g.areas()) / (4 * Math.PI)).toBeCloseTo(1, 9);
  });

  it("ids are content hashes; descriptor round trip; invalid input", () => {
    const { lats, lons } = randomSphere(100, 1);
    const g = new UnstructuredGrid(lats, lons);
    expect(g.id).toMatch(/^unstructured-[0-9a-f]{16}$/);
    const h = UnstructuredGrid.fromDescriptor(JSON.parse(JSON.stringify(g.descriptor)));
    expect(h.id).toBe(g.id);
    expect(h.domain).toBe(g.domain);
    const moved = Float64Array.from(lats);
    moved[5] += 1e-9;
    expect(new UnstructuredGrid(moved, lons).id).not.toBe(g.id);
    expect(() => new UnstructuredGrid([91], [0])).toThrow();
    expect(() => new UnstructuredGrid([1, 2], [0])).toThrow();
  });

  it("nearest matches brute force", () => {
    const { lats, lons } = randomSphere(3000, 4);
    const g = new UnstructuredGrid(lats, lons);
    const q = randomSphere(200, 6);
    for (let t = 0; t < 200; t++) {
      let best = Infinity;
      for (let i = 0; i < g.size; i++) best = Math.min(best, greatCircle(q.lats[t], q.lons[t], lats[i], lons[i]));
      const j = g.nearest(q.lats[t], q.lons[t]);
      expect(greatCircle(q.lats[t], q.lons[t], lats[j], lons[j])).toBeCloseTo(best, 12);
    }
  });
});
