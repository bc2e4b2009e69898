import { describe, expect, it } from "vitest";
import { gridFromDescriptor, parseGrid, UnstructuredGrid, type Grid } from "@/lib/grids";
import { mulberry32 as rng } from "@/lib/random/mulberry32";
import { GridInfoSchema, mapGridFromInfo } from "./api";
import { findRow, findRowFromGuess, latitudeRowCache, rasterCell, rasterMapGrid, ROW_CACHE_STRIDE, rowGuessTable, rowsMapGrid, sampleMapGrid, toTextureOrder, type MapGrid } from "./map-grid";


/** A smooth analytic field with |f| ≲ 2 (low-degree spherical harmonics). */
function analytic(lat: number, lon: number): number {
  const p = (lat * Math.PI) / 180;
  const l = (lon * Math.PI) / 180;
  const s = Math.sin(p);
  const c = Math.cos(p);
  return s + 2 * s * c * Math.cos(l) + 0.5 * c * c * Math.sin(2 * l) + 0.3 * c * (5 * s * s - 1) * Math.sin(l);
}

function fieldOn(grid: Grid, fn = analytic): Float32Array {
  const v = new Float32Array(grid.size);
  for (let i = 0; i < grid.size; i++) v[i] = fn(grid.latitudes[i], grid.longitudes[i]);
  return v;
}

function randomPoints(n: number, seed: number, latMax = 90): [number, number][] {
  const r = rng(seed);
  const s = Math.sin((latMax * Math.PI) / 180);
  return Array.from({ length: n }, () => [(Math.asin((2 * r() - 1) * s) * 180) / Math.PI, r() * 360 - 180] as [number, number]);
}

/** Max |map − analytic| and max |map − grid.lookup(linear)| over random points within the outer rows. */
function compare(grid: Grid, mg: MapGrid, latMax: number, seed = 1) {
  const native = fieldOn(grid);
  const tex = toTextureOrder(mg, native);
  let errAnalytic = 0;
  let errLookup = 0;
  for (const [lat, lon] of randomPoints(5000, seed, latMax)) {
    const v = sampleMapGrid(mg, tex, lat, lon);
    errAnalytic = Math.max(errAnalytic, Math.abs(v - analytic(lat, lon)));
    errLookup = Math.max(errLookup, Math.abs(v - grid.lookup(native, lat, lon, "linear")));
  }
  return { errAnalytic, errLookup };
}

describe("the map shader's lookup on the CPU", () => {
  it("regular global grid: bilinear, equal to lib/grids' bilinear lookup", () => {
    for (const spec of ["1.5", "1"]) {
      const g = parseGrid(spec);
      const { errAnalytic, errLookup } = compare(g, rowsMapGrid(g), 90);
      expect(errLookup).toBeLessThan(2e-5); // float32 arithmetic vs float64
      expect(errAnalytic).toBeLessThan(spec === "1" ? 5e-4 : 1.5e-3);
    }
  });

  it("regular grids are exact on the grid points and NaN-aware", () => {
    const g = parseGrid("2");
    const v = fieldOn(g);
    const mg = rowsMapGrid(g);
    for (let i = 0; i < g.size; i += 97) expect(sampleMapGrid(mg, v, g.latitudes[i], g.longitudes[i] - 360 * Math.round(g.longitudes[i] / 360))).toBeCloseTo(v[i], 5);
    // A NaN corner: the value is the renormalised mean of the three others.
    const lat = 41, lon = 11; // between rows 40/42 and columns 10/12
    const idx = (la: number, lo: number) => ((90 - la) / 2) * 180 + lo / 2;
    const w = v.slice();
    w[idx(42, 10)] = NaN;
    const others = [idx(42, 12), idx(40, 10), idx(40, 12)].map((i) => w[i]);
    expect(sampleMapGrid(mg, w, lat, lon)).toBeCloseTo((others[0] + others[1] + others[2]) / 3, 5);
    for (const i of [idx(42, 12), idx(40, 10), idx(40, 12)]) w[i] = NaN;
    expect(sampleMapGrid(mg, w, lat, lon)).toBeNaN();
  });

  it("regional regular grid crossing the dateline, south→north: NaN outside, half a cell of slack", () => {
    const g = gridFromDescriptor({ kind: "regular", lat: { first: 10, step: 0.5, count: 41 }, lon: { first: 170, step: 0.5, count: 41 } });
    const mg = rowsMapGrid(g);
    expect(mg.periodic).toBe(false);
    expect(mg.ascending).toBe(true);
    const v = fieldOn(g);
    expect(Math.abs(sampleMapGrid(mg, v, 20.1, -175.3) - analytic(20.1, -175.3))).toBeLessThan(1e-4);
    expect(sampleMapGrid(mg, v, 20.1, -175.3)).toBeCloseTo(g.lookup(v, 20.1, -175.3, "linear"), 5);
    expect(sampleMapGrid(mg, v, 30.2, 175)).toBeCloseTo(v[g.nearest(30, 175)], 5); // within half a row
    expect(sampleMapGrid(mg, v, 20, 169.8)).toBeCloseTo(v[g.nearest(20, 170)], 5); // half a column west
    expect(sampleMapGrid(mg, v, 30.4, 175)).toBeNaN();
    expect(sampleMapGrid(mg, v, 20, 169.6)).toBeNaN();
    expect(sampleMapGrid(mg, v, 20, -169.6)).toBeNaN();
    expect(sampleMapGrid(mg, v, 0, 175)).toBeNaN();
  });

  it("octahedral reduced Gaussian: row-table search and column by point count", () => {
    const g = parseGrid("O48");
    const mg = rowsMapGrid(g);
    const polar = g.rowTable()!.lat[0];
    const { errAnalytic, errLookup } = compare(g, mg, polar);
    expect(errLookup).toBeLessThan(2e-5);
    expect(errAnalytic).toBeLessThan(5e-3); // lib/grids measures 1.6e-3 on O48
    // Beyond the outermost row: the outer row alone (the pole is the row's mean longitude sweep).
    const v = fieldOn(g);
    const outer = g.rowTable()!;
    const j = 5;
    expect(sampleMapGrid(mg, v, 89.9, (360 * j) / outer.count[0])).toBeCloseTo(v[j], 5);
  });

  it("HEALPix ring and nested: the same row table, nested values permuted to ring order", () => {
    for (const spec of ["H16-ring", "H16-nested"]) {
      const g = parseGrid(spec);
      const mg = rowsMapGrid(g);
      const polar = g.rowTable()!.lat[0];
      const { errAnalytic, errLookup } = compare(g, mg, polar, 7);
      expect(errLookup).toBeLessThan(2e-5);
      expect(errAnalytic).toBeLessThan(4e-2); // lib/grids: 2.6e-2 on H16
    }
    const nested = rowsMapGrid(parseGrid("H4-nested"));
    expect(nested.perm).not.toBeNull();
    const ringPositions = toTextureOrder(nested, Float32Array.from({ length: 192 }, (_, i) => i));
    expect(new Set(ringPositions).size).toBe(192);
  });

  it("unstructured: nearest-point raster, NaN outside a regional domain", () => {
    const r = rng(3);
    const n = 2000;
    const lats: number[] = [];
    const lons: number[] = [];
    for (let i = 0; i < n; i++) {
      lats.push(40 + 20 * r());
      lons.push(-10 + 30 * r());
    }
    const g = new UnstructuredGrid(Float64Array.from(lats), Float64Array.from(lons), "hull");
    const mg = rasterMapGrid(g);
    const v = fieldOn(g);
    // Inside: the value of the great-circle nearest point of the texel centre.
    let agree = 0;
    const pts = randomPoints(3000, 5).filter(([la, lo]) => la > 42 && la < 58 && lo > -8 && lo < 18);
    for (const [lat, lon] of pts) {
      const cell = rasterCell(mg, lat, lon);
      const cy = Math.floor(cell / mg.nx);
      const cx = cell % mg.nx;
      const clat = mg.south + (cy + 0.5) * mg.dlat;
      const clon = mg.west + (cx + 0.5) * mg.dlon;
      expect(sampleMapGrid(mg, v, lat, lon)).toBe(v[g.nearest(clat, clon)]);
      if (g.nearest(lat, lon) === g.nearest(clat, clon)) agree++;
    }
    expect(agree / pts.length).toBeGreaterThan(0.6); // texels are ~¼ of a cell
    expect(sampleMapGrid(mg, v, 0, 0)).toBeNaN();
    expect(sampleMapGrid(mg, v, 50, 100)).toBeNaN();
  });

  it("global unstructured grids cover the sphere", () => {
    const pts = randomPoints(3000, 11);
    const g = new UnstructuredGrid(Float64Array.from(pts, (p) => p[0]), Float64Array.from(pts, (p) => p[1]), "global");
    const mg = rasterMapGrid(g);
    expect(mg.nx * mg.dlon).toBeCloseTo(360, 3);
    const v = fieldOn(g);
    for (const [lat, lon] of randomPoints(500, 12)) expect(Number.isFinite(sampleMapGrid(mg, v, lat, lon))).toBe(true);
  });

  it("rebuilds the map grid from the service's grid info", () => {
    const g = parseGrid("O24");
    const info = GridInfoSchema.parse({ gridId: g.id, kind: g.kind, size: g.size, descriptor: g.descriptor });
    const mg = mapGridFromInfo(info);
    expect(mg.kind).toBe("rows");
    if (mg.kind === "rows") expect(Array.from(mg.table)).toEqual(Array.from(rowsMapGrid(g).table));
  });

  it("the shader's row guess table finds the binary search's row, in at most a few steps", () => {
    const regional = { kind: "regular", lat: { first: 60, step: -0.25, count: 81 }, lon: { first: -10, step: 0.25, count: 121 } } as const;
    const specs = ["O96", "N320", "reduced-N128", "1.5", "H32-ring", "H16-nested", "regional"];
    for (const spec of specs) {
      const g = spec === "regional" ? gridFromDescriptor(regional) : parseGrid(spec);
      const mg = rowsMapGrid(g);
      const guess = rowGuessTable(mg);
      expect(guess.bins.length, spec).toBeGreaterThan(0);
      let steps = 0;
      const r = rng(3);
      const lats = [-90, 90, 0, ...Array.from({ length: 4000 }, () => 180 * r() - 90), ...Array.from(mg.table.filter((_, i) => i % 4 === 0))];
      for (const lat of lats) {
        const want = findRow(mg, lat);
        expect(findRowFromGuess(mg, guess, lat), `${spec} at ${lat}`).toBe(want);
        const b = Math.min(Math.max(Math.floor((lat * (mg.ascending ? 1 : -1) + 90) / guess.dk), 0), guess.bins.length - 1);
        steps = Math.max(steps, Math.abs(want - guess.bins[b]));
      }
      expect(steps, spec).toBeLessThanOrEqual(3);
    }
  });

  it("falls back to the binary search where rows are far denser than the guess bins", () => {
    const g = gridFromDescriptor({ kind: "regular", lat: { first: 45, step: 0.001, count: 200 }, lon: { first: 0, step: 0.5, count: 4 } });
    expect(rowGuessTable(rowsMapGrid(g)).bins.length).toBe(0);
  });

  it("the flat map's per-screen-row cache: the bracketing rows by brute force, weights that interpolate the latitude", () => {
    const regional = { kind: "regular", lat: { first: 60, step: -0.25, count: 81 }, lon: { first: -10, step: 0.25, count: 121 } } as const;
    for (const spec of ["N320", "O48", "1.5", "H16-ring", "regional"]) {
      const g = spec === "regional" ? gridFromDescriptor(regional) : parseGrid(spec);
      const mg = rowsMapGrid(g);
      const rowLat = (r: number) => mg.table[r * 4];
      const r = rng(11);
      const lats = [-90, 90, 0, ...Array.from({ length: 2000 }, () => 180 * r() - 90), ...Array.from({ length: mg.rows }, (_, i) => rowLat(i))];
      const cache = latitudeRowCache(mg, lats);
      expect(cache.length).toBe(lats.length * ROW_CACHE_STRIDE);
      const lo = Math.min(rowLat(0), rowLat(mg.rows - 1));
      const hi = Math.max(rowLat(0), rowLat(mg.rows - 1));
      const slack = spec === "regional" ? 0.125 : Infinity;
      const rowByFirst = new Map(Array.from({ length: mg.rows }, (_, k) => [mg.table[k * 4 + 1], k]));
      lats.forEach((lat, i) => {
        const [wa, firstA, countA, lon0A, wb, firstB, countB, lon0B] = cache.subarray(i * ROW_CACHE_STRIDE, (i + 1) * ROW_CACHE_STRIDE);
        const where = `${spec} at ${lat}`;
        if (lat < lo - slack - 1e-4 || lat > hi + slack + 1e-4) {
          expect(wa, where).toBe(-1); // outside a regional grid
          return;
        }
        if (lat < lo - slack + 1e-4 || lat > hi + slack - 1e-4) return; // float32 rounding at the slack edge
        // The rows found by a linear scan of the row table.
        const rowOf = (first: number) => rowByFirst.get(first)!;
        const a = rowOf(firstA);
        expect([countA, lon0A], where).toEqual([mg.table[a * 4 + 2], mg.table[a * 4 + 3]]);
        if (lat < lo || lat > hi || ((lat === lo || lat === hi) && countB === 0)) {
          // Beyond the outermost row (or on it, where either form gives its value): that row alone.
          expect(wa, where).toBe(1);
          expect(countB, where).toBe(0);
          expect(Math.abs(rowLat(a) - lat), where).toBeLessThanOrEqual(Math.min(Math.abs(rowLat(0) - lat), Math.abs(rowLat(mg.rows - 1) - lat)) + 1e-9);
          return;
        }
        const b = rowOf(firstB);
        expect(b, where).toBe(a + 1);
        expect([countB, lon0B], where).toEqual([mg.table[b * 4 + 2], mg.table[b * 4 + 3]]);
        const [la, lb] = [rowLat(a), rowLat(b)];
        expect(Math.min(la, lb) <= lat && lat <= Math.max(la, lb), where).toBe(true);
        // No row of the table lies strictly between them.
        let between = 0;
        for (let k = 0; k < mg.rows; k++) if (rowLat(k) > Math.min(la, lb) && rowLat(k) < Math.max(la, lb)) between++;
        expect(between, where).toBe(0);
        expect(wa + wb, where).toBeCloseTo(1, 6);
        expect(wa * la + wb * lb, where).toBeCloseTo(lat, 3);
      });
    }
  });
});
