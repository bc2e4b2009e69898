import { describe, expect, it } from "vitest";
import { GaussianGrid, octahedralGrid, regularGaussianGrid } from "./gaussian";
import { healpixGrid } from "./healpix-grid";
import { gridFromDescriptor, gridFromLatLon, GridSpecError, parseGrid } from "./parse";
import { RegularGrid, regularGlobal } from "./regular";
import { randomSphere } from "./test-utils";
import { UnstructuredGrid } from "./unstructured";

describe("parseGrid", () => {
  it.each([
    ["1.5", "regular-1.5x1.5", 121 * 240],
    ["0.25x0.25", "regular-0.25x0.25", 721 * 1440],
    ["regular-1x2", "regular-1x2", 91 * 360],
    ["O96", "O96", 40320],
    ["o48", "O48", 10944],
    ["N320", "N320", 640 * 1280],
    ["F80", "N80", 160 * 320],
    ["H64", "H64-ring", 12 * 64 * 64],
    ["H64-nested", "H64-nested", 12 * 64 * 64],
    ["h8-ring", "H8-ring", 768],
  ])("%s → %s with %i points", (spec, id, size) => {
    const g = parseGrid(spec);
    expect(g.id).toBe(id);
    expect(g.size).toBe(size);
  });

  it("ids parse back to the same grid", () => {
    for (const s of ["1.5", "O32", "N16", "H16-nested", "H5"]) {
      const g = parseGrid(s);
      expect(parseGrid(g.id).id).toBe(g.id);
    }
  });

  it("rejects bad specs with a GridSpecError", () => {
    for (const s of ["", "abc", "O0", "0.7", "H6-nested", "1.5x", "-1"]) expect(() => parseGrid(s)).toThrow(GridSpecError);
    expect(() => parseGrid("Q5")).toThrow(/expected one of/);
  });
});

describe("descriptors", () => {
  it.each([regularGlobal(10), octahedralGrid(8), regularGaussianGrid(4), healpixGrid(4, "nested"), new UnstructuredGrid([0, 10, 20], [0, 10, 0])])(
    "$id survives JSON and validation",
    (g) => {
      const h = gridFromDescriptor(JSON.parse(JSON.stringify(g.descriptor)));
      expect(h.id).toBe(g.id);
      expect(h.kind).toBe(g.kind);
      expect(h.latitudes).toEqual(g.latitudes);
      expect(h.longitudes).toEqual(g.longitudes);
    },
  );

  it("invalid descriptors fail validation", () => {
    expect(() => gridFromDescriptor({ kind: "healpix", nside: 6, order: "nested" })).toThrow(/power of two/);
    expect(() => gridFromDescriptor({ kind: "gaussian", N: 2, pl: [4, 4, 4] })).toThrow();
    expect(() => gridFromDescriptor({ kind: "hexagonal" })).toThrow();
    expect(() => gridFromDescriptor({ kind: "unstructured", latitudes: [0], longitudes: [] })).toThrow();
  });
});

describe("gridFromLatLon", () => {
  it("recognises regular grids in either latitude order, with/without poles, and boxes across the dateline", () => {
    for (const g of [
      regularGlobal(1.5),
      regularGlobal(2, 2, { order: "south-north", poles: false }),
      new RegularGrid({ kind: "regular", lat: { first: 30, step: 0.25, count: 41 }, lon: { first: 350, step: 0.25, count: 81 } }),
    ]) {
      const lons = g.longitudes.map((v) => (v >= 180 ? v - 360 : v)); // stored as −180..180
      const r = gridFromLatLon(g.latitudes, lons);
      expect(r.kind).toBe("regular");
      if (g.id.startsWith("regular-0.25")) {
        // the box is described in the convention of the stored longitudes
        expect(r.id).toBe("regular-0.25x0.25-lat30to40-lon-10to10");
        expect(gridFromLatLon(g.latitudes, g.longitudes.map((v) => v % 360)).id).toBe(g.id);
      } else {
        expect(r.id).toBe(g.id);
      }
      for (let i = 0; i < g.size; i += 97) expect(Math.cos(((r.longitudes[i] - lons[i]) * Math.PI) / 180)).toBeCloseTo(1, 12);
    }
  });

  it("recognises O, N and classic reduced Gaussian grids, also from float32 coordinates", () => {
    const o = octahedralGrid(48);
    expect(gridFromLatLon(Float32Array.from(o.latitudes), Float32Array.from(o.longitudes)).id).toBe("O48");
    expect(gridFromLatLon(regularGaussianGrid(24).latitudes, regularGaussianGrid(24).longitudes).id).toBe("N24");
    const pl = [18, 25, 32, 40, 40, 32, 25, 18];
    const red = new GaussianGrid({ kind: "gaussian", N: 4, pl });
    const r = gridFromLatLon(red.latitudes, red.longitudes);
    expect(r.kind).toBe("gaussian");
    expect((r as GaussianGrid).layout).toBe("reduced");
    expect(Array.from((r as GaussianGrid).pl)).toEqual(pl);
  });

  it("recognises HEALPix ring and nested", () => {
    for (const g of [healpixGrid(16), healpixGrid(16, "nested"), healpixGrid(3)]) {
      expect(gridFromLatLon(g.latitudes, g.longitudes).id).toBe(g.id);
    }
  });

  it("falls back to unstructured (global or regional) when nothing matches", () => {
    const o = octahedralGrid(8);
    // swap two points: no longer the O8 order
    const lats = Float64Array.from(o.latitudes);
    const lons = Float64Array.from(o.longitudes);
    [lats[0], lats[500]] = [lats[500], lats[0]];
    [lons[0], lons[500]] = [lons[500], lons[0]];
    const g = gridFromLatLon(lats, lons);
    expect(g.kind).toBe("unstructured");
    expect((g as UnstructuredGrid).domain).toBe("global");
    const { lats: rl, lons: rn } = randomSphere(200, 3);
    const local = gridFromLatLon(rl.map((v) => 45 + v / 10), rn.map((v) => v / 10));
    expect(local.kind).toBe("unstructured");
    expect((local as UnstructuredGrid).domain).toBe("hull");
    // perturbation beyond the tolerance breaks recognition
    const p = Float64Array.from(octahedralGrid(8).latitudes);
    p[100] += 1e-3;
    expect(gridFromLatLon(p, octahedralGrid(8).longitudes).kind).toBe("unstructured");
  });

  it("rejects mismatched input", () => {
    expect(() => gridFromLatLon([1, 2], [1])).toThrow(GridSpecError);
    expect(() => gridFromLatLon([], [])).toThrow(GridSpecError);
  });
});
