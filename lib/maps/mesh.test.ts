import { describe, expect, it } from "vitest";
import { UnstructuredGrid } from "@/lib/grids";
import { triangleSolidAngle } from "@/lib/grids/sphere";
import { mapGridFor, meshMapGridOf } from "./map-grid";
import { decodeMesh, encodeMesh, MeshDecodeError, mercatorY, PEEL_FACTOR, sampleMesh, triangulateSphere, unwrapMesh, type MeshMapGrid } from "./mesh";
import { mapGridBounds } from "./regions";

const DEG = Math.PI / 180;

/** Fibonacci lattice: n quasi-uniform points on the sphere. */
function fibonacci(n: number): { lat: Float64Array; lon: Float64Array } {
  const lat = new Float64Array(n);
  const lon = new Float64Array(n);
  const golden = Math.PI * (3 - Math.sqrt(5));
  for (let i = 0; i < n; i++) {
    const z = 1 - (2 * i + 1) / n;
    lat[i] = Math.asin(z) / DEG;
    lon[i] = ((((i * golden) / DEG) % 360) + 540) % 360 - 180;
  }
  return { lat, lon };
}

function xyzOf(lat: ArrayLike<number>, lon: ArrayLike<number>, i: number): [number, number, number] {
  const c = Math.cos(lat[i] * DEG);
  return [c * Math.cos(lon[i] * DEG), c * Math.sin(lon[i] * DEG), Math.sin(lat[i] * DEG)];
}

function areaOf(lat: ArrayLike<number>, lon: ArrayLike<number>, t: Uint32Array): number {
  let area = 0;
  for (let k = 0; k < t.length; k += 3) {
    const [a, b, c] = [xyzOf(lat, lon, t[k]), xyzOf(lat, lon, t[k + 1]), xyzOf(lat, lon, t[k + 2])];
    area += triangleSolidAngle(...a, ...b, ...c);
  }
  return area;
}

describe("triangulateSphere", () => {
  const n = 1500;
  const { lat, lon } = fibonacci(n);
  const { triangles, global } = triangulateSphere(lat, lon);

  it("closes the sphere: 2n − 4 triangles, all outward, total area 4π", () => {
    expect(global).toBe(true);
    expect(triangles.length / 3).toBe(2 * n - 4); // Euler: V − E + F = 2 with 3F = 2E
    let negative = 0;
    for (let k = 0; k < triangles.length; k += 3) {
      const [a, b, c] = [xyzOf(lat, lon, triangles[k]), xyzOf(lat, lon, triangles[k + 1]), xyzOf(lat, lon, triangles[k + 2])];
      if (triangleSolidAngle(...a, ...b, ...c) <= 0) negative++;
    }
    expect(negative).toBe(0);
    expect(areaOf(lat, lon, triangles)).toBeCloseTo(4 * Math.PI, 9);
    // Every edge is shared by exactly two triangles, in opposite directions.
    const edges = new Map<string, number>();
    for (let k = 0; k < triangles.length; k += 3)
      for (let e = 0; e < 3; e++) {
        const key = `${triangles[k + e]}>${triangles[k + ((e + 1) % 3)]}`;
        edges.set(key, (edges.get(key) ?? 0) + 1);
      }
    for (const [key, count] of edges) {
      expect(count).toBe(1);
      const [a, b] = key.split(">");
      expect(edges.get(`${b}>${a}`)).toBe(1);
    }
  });

  it("is Delaunay: no point lies outside the plane of any triangle (empty circumcircles), checked by brute force", () => {
    // On the unit sphere a triangle's circumcircle is the plane through its corners; Delaunay ⇔ no
    // other point beyond that plane (the triangulation is the convex hull).
    let worst = -Infinity;
    for (let k = 0; k < triangles.length; k += 3 * 7) {
      const a = xyzOf(lat, lon, triangles[k]);
      const b = xyzOf(lat, lon, triangles[k + 1]);
      const c = xyzOf(lat, lon, triangles[k + 2]);
      const u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
      const v = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
      const nrm = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
      for (let i = 0; i < n; i++) {
        const p = xyzOf(lat, lon, i);
        worst = Math.max(worst, nrm[0] * (p[0] - a[0]) + nrm[1] * (p[1] - a[1]) + nrm[2] * (p[2] - a[2]));
      }
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it("ends a regional domain at its outer points, also where it is concave", () => {
    // An L-shaped lattice laid out in a gnomonic plane around 45° N 10° E, so that its straight
    // rows are great circles and its boundary polygon is exact: cells of 1° (0.01745 in the plane),
    // u (east) 0…20, v (north) 0…30, without the corner u > 10, v > 20.
    const c = xyzOf([45], [10], 0);
    const east = [-Math.sin(10 * DEG), Math.cos(10 * DEG), 0];
    const north = [c[1] * east[2] - c[2] * east[1], c[2] * east[0] - c[0] * east[2], c[0] * east[1] - c[1] * east[0]];
    const h = DEG;
    const toLatLon = (u: number, v: number): [number, number] => {
      const p = [0, 1, 2].map((k) => c[k] + (u - 10) * h * east[k] + (v - 15) * h * north[k]);
      const r = Math.hypot(p[0], p[1], p[2]);
      return [Math.asin(p[2] / r) / DEG, Math.atan2(p[1], p[0]) / DEG];
    };
    const la: number[] = [];
    const lo: number[] = [];
    for (let v = 0; v <= 30; v++)
      for (let u = 0; u <= 20; u++)
        if (v <= 20 || u <= 10) {
          const [y, x] = toLatLon(u, v);
          la.push(y);
          lo.push(x);
        }
    const t = triangulateSphere(la, lo);
    expect(t.global).toBe(false);
    // Independent expectation: the L's six corners joined by great circles (counter-clockwise), as a
    // signed fan of solid angles from an interior point. At the concave corner the mesh may keep
    // a fillet of triangles no longer than PEEL_FACTOR cells (the corner itself has no point):
    // at most (PEEL_FACTOR)²/2 cells of extra area, and nothing deeper into the corner.
    const corners = [[0, 0], [20, 0], [20, 20], [10, 20], [10, 30], [0, 30]].map(([u, v]) => toLatLon(u, v));
    const inner = toLatLon(5, 10);
    const centre = xyzOf([inner[0]], [inner[1]], 0);
    let expected = 0;
    for (let i = 0; i < corners.length; i++) {
      const [p, q] = [corners[i], corners[(i + 1) % corners.length]];
      expected += triangleSolidAngle(...centre, ...xyzOf([p[0]], [p[1]], 0), ...xyzOf([q[0]], [q[1]], 0));
    }
    const cell = expected / 500; // 500 cells, nearly equal in a gnomonic plane this small
    const excess = (areaOf(la, lo, t.triangles) - expected) / cell;
    expect(excess).toBeGreaterThanOrEqual(-1e-6);
    expect(excess).toBeLessThanOrEqual((PEEL_FACTOR * PEEL_FACTOR) / 2);
    const toUV = (p: number[]) => {
      const d = p[0] * c[0] + p[1] * c[1] + p[2] * c[2];
      const dot = (a: number[]) => (p[0] * a[0] + p[1] * a[1] + p[2] * a[2]) / d / h;
      return [10 + dot(east), 15 + dot(north)];
    };
    for (let k = 0; k < t.triangles.length; k += 3) {
      const m = [0, 1, 2].map((q) => [0, 1, 2].map((j) => xyzOf(la, lo, t.triangles[k + j])[q]).reduce((x, y) => x + y) / 3);
      const [u, v] = toUV(m);
      if (u > 10 && v > 20) expect(u - 10 + (v - 20)).toBeLessThanOrEqual(PEEL_FACTOR);
    }
    const mesh = unwrapMesh("L", la.length, la, lo, t.triangles);
    const values = la.map(() => 1);
    const full = { ...mesh, bounds: null } as MeshMapGrid;
    expect(sampleMesh(full, values, ...toLatLon(15, 25))).toBeNaN(); // the missing corner
    expect(sampleMesh(full, values, ...toLatLon(15.5, 10.5))).toBe(1);
    expect(sampleMesh(full, values, ...toLatLon(5.5, 25.5))).toBe(1);
    expect(sampleMesh(full, values, ...toLatLon(-3, 10))).toBeNaN();
  });

  it("rejects fewer than three points", () => {
    expect(() => triangulateSphere([0, 1], [0, 1])).toThrow(/at least 3 points/);
  });
});

describe("map mesh of an unstructured grid", () => {
  const { lat, lon } = fibonacci(4000);
  const grid = new UnstructuredGrid(lat, lon, "global");
  const mesh = meshMapGridOf(grid);

  it("is what mapGridFor gives an unstructured grid, global (no domain box)", () => {
    expect(mapGridFor(grid).kind).toBe("mesh");
    expect(mesh.bounds).toBeNull();
    expect(mapGridBounds(mesh)).toBeNull();
  });

  it("draws no triangle across the antimeridian, and seam triangles twice (±360°)", () => {
    const t = mesh.triangles;
    let seam = 0;
    for (let k = 0; k < t.length; k += 3) {
      const ls = [mesh.lon[t[k]], mesh.lon[t[k + 1]], mesh.lon[t[k + 2]]];
      const span = Math.max(...ls) - Math.min(...ls);
      // Away from the poles triangles stay local (points are ~3° apart); near them they may surround the pole.
      const polar = [t[k], t[k + 1], t[k + 2]].some((v) => Math.abs(mesh.lat[v]) > 60);
      if (!polar) expect(span).toBeLessThan(20);
      if (Math.max(...ls) > 180 || Math.min(...ls) < -180) seam++;
    }
    expect(seam).toBeGreaterThan(0);
    expect(seam % 2).toBe(0);
    for (let v = grid.size; v < mesh.lon.length; v++) expect(Math.abs(Math.abs(mesh.lon[v] - lon[mesh.point[v]]) - 360)).toBeLessThan(1e-3);
  });

  it("reproduces a field linear in Mercator y exactly, everywhere including the seam", () => {
    const f = (la: number) => 3 * mercatorY(la) + 1;
    const values = Float32Array.from(lat, f);
    let worst = 0;
    for (let i = 0; i < 2000; i++) {
      const la = -79 + (158 * ((i * 0.618034) % 1)); // the Mercator zone of the probe (POLAR_PROBE_LAT)
      const lo = -180 + 360 * ((i * 0.4142136) % 1);
      worst = Math.max(worst, Math.abs(sampleMesh(mesh, values, la, lo) - f(la)));
    }
    for (const lo of [-180, -179.99, 179.99, 180, 540]) worst = Math.max(worst, Math.abs(sampleMesh(mesh, values, 10, lo) - f(10)));
    expect(worst).toBeLessThan(1e-5); // float32 values
  });

  it("returns a vertex's own value at the vertex, and renormalises over present vertices", () => {
    const values = Float32Array.from(lat, (_, i) => i % 3 === 0 ? NaN : 7);
    for (let i = 1; i < grid.size; i += 97) {
      if (Math.abs(lat[i]) > 85) continue;
      expect(sampleMesh(mesh, values, lat[i], lon[i])).toBeCloseTo(7, 6);
    }
    const allMissing = Float32Array.from(lat, () => NaN);
    expect(sampleMesh(mesh, allMissing, 10, 10)).toBeNaN();
  });

  it("round-trips through the binary transfer format and rejects damaged bytes", () => {
    const bytes = encodeMesh(mesh);
    const back = decodeMesh(mesh.gridId, grid.size, null, bytes.buffer.slice(0) as ArrayBuffer);
    expect(Array.from(back.triangles)).toEqual(Array.from(mesh.triangles));
    expect(Array.from(back.lon)).toEqual(Array.from(mesh.lon));
    expect(Array.from(back.point)).toEqual(Array.from(mesh.point));
    expect(() => decodeMesh("g", grid.size, null, bytes.buffer.slice(0, 100) as ArrayBuffer)).toThrow(MeshDecodeError);
    expect(() => decodeMesh("g", grid.size, null, new ArrayBuffer(8))).toThrow(/too short/);
    expect(() => decodeMesh("g", 10, null, bytes.buffer.slice(0) as ArrayBuffer)).toThrow(/refers to point/);
  });

  it("gives a regional grid its domain box", () => {
    const la: number[] = [];
    const lo: number[] = [];
    for (let y = 40; y <= 60; y += 0.5)
      for (let x = -10; x <= 20; x += 0.5) {
        la.push(y);
        lo.push(x);
      }
    const g = new UnstructuredGrid(Float64Array.from(la), Float64Array.from(lo), "hull");
    const m = meshMapGridOf(g);
    const b = mapGridBounds(m)!;
    expect(b.south).toBeLessThanOrEqual(40);
    expect(b.north).toBeGreaterThanOrEqual(60);
    expect(b.west).toBeLessThanOrEqual(-10);
    expect(b.east).toBeGreaterThanOrEqual(20);
    expect(b.north - b.south).toBeLessThan(22);
  });

  it("probes near and at the poles, where triangles surround the pole, like the globe draws them", () => {
    const f = (la: number, lo: number) => Math.cos(la * DEG) * Math.cos(lo * DEG) + 0.5 * Math.sin(la * DEG);
    const values = Float32Array.from(lat, (la, i) => f(la, lon[i]));
    let worst = 0;
    let missing = 0;
    for (let i = 0; i < 3000; i++) {
      const la = (i % 2 ? 1 : -1) * (80 + 10 * ((i * 0.618034) % 1));
      const lo = -180 + 360 * ((i * 0.4142136) % 1);
      const v = sampleMesh(mesh, values, la, lo);
      if (!(v === v)) missing++;
      else worst = Math.max(worst, Math.abs(v - f(la, lo)));
    }
    for (const la of [90, -90, 89.99, -89.95]) {
      const v = sampleMesh(mesh, values, la, 17);
      expect(Math.abs(v - f(la, 17)), `at ${la}`).toBeLessThan(0.01);
    }
    expect(missing).toBe(0);
    expect(worst).toBeLessThan(0.01); // points ~3° apart: linear interpolation error of this smooth field
  });
});

describe("mesh domains", () => {
  it("a regional point set spanning the sphere (a latitude band) keeps its caps open", () => {
    const la: number[] = [];
    const lo: number[] = [];
    for (let y = -30; y <= 30; y += 2)
      for (let x = -180; x < 180; x += 2) {
        la.push(y + 0.3 * Math.sin(x));
        lo.push(x);
      }
    const t = triangulateSphere(la, lo, { global: false });
    expect(t.global).toBe(false);
    const m = { ...unwrapMesh("band", la.length, la, lo, t.triangles), bounds: null } as MeshMapGrid;
    const values = la.map(() => 1);
    expect(sampleMesh(m, values, 0, 100)).toBe(1);
    expect(sampleMesh(m, values, 29, -179.5)).toBe(1);
    expect(sampleMesh(m, values, 60, 100)).toBeNaN();
    expect(sampleMesh(m, values, -89, 0)).toBeNaN();
  });

  it("probes the outermost corners of a regional lattice (the last bin is closed)", () => {
    const la: number[] = [];
    const lo: number[] = [];
    for (let y = 40; y <= 60; y++)
      for (let x = 0; x <= 20; x++) {
        la.push(y);
        lo.push(x);
      }
    const g = new UnstructuredGrid(Float64Array.from(la), Float64Array.from(lo), "hull");
    const m = meshMapGridOf(g);
    const values = la.map((y, i) => y + lo[i]);
    for (const [y, x] of [[60, 20], [40, 20], [60, 0], [40, 0]]) expect(sampleMesh(m, values, y, x)).toBeCloseTo(y + x, 3);
  });
});
