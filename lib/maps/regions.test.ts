import { describe, expect, it } from "vitest";
import { gridFromDescriptor, parseGrid } from "@/lib/grids";
import { rowsMapGrid } from "./map-grid";
import { fitView, mapGridBounds, wb2RegionBounds } from "./regions";

describe("map regions", () => {
  it("WB2 regions as boxes (europe crosses 0°, north-america in −180…180)", () => {
    expect(wb2RegionBounds("europe")).toEqual({ west: -12.5, east: 42.5, south: 35, north: 75 });
    expect(wb2RegionBounds("north-america")).toEqual({ west: -120, east: -75, south: 25, north: 60 });
    expect(wb2RegionBounds("north-pacific")).toEqual({ west: 145, east: 230, south: 25, north: 60 });
    expect(wb2RegionBounds("tropics")).toEqual({ west: -180, east: 180, south: -20, north: 20 });
  });
  it("fits a box: the whole world at 1024 px wide is zoom 1; the box projects inside the panel", () => {
    expect(fitView({ west: -180, east: 180, south: -85, north: 85 }, 1024 + 16, 4000).zoom).toBeCloseTo(1, 9);
    const b = wb2RegionBounds("europe");
    const v = fitView(b, 600, 400, 0);
    // Project the corners with the Web Mercator formulas and check they touch the panel edges.
    const scale = 512 * 2 ** v.zoom;
    const px = (lon: number) => ((lon - v.longitude) / 360) * scale;
    const py = (lat: number) => (-Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)) + Math.log(Math.tan(Math.PI / 4 + (v.latitude * Math.PI) / 360))) / (2 * Math.PI) * scale;
    const xs = [px(b.west), px(b.east)];
    const ys = [py(b.north), py(b.south)];
    expect(Math.max(xs[1] - xs[0] - 600, ys[1] - ys[0] - 400)).toBeCloseTo(0, 6); // one dimension fills the panel
    expect(xs[1] - xs[0]).toBeLessThanOrEqual(600 + 1e-6);
    expect(ys[1] - ys[0]).toBeLessThanOrEqual(400 + 1e-6);
    expect(xs[0] + xs[1]).toBeCloseTo(0, 6);
    expect(ys[0] + ys[1]).toBeCloseTo(0, 6);
  });
  it("the domain of a regional grid, none for a global one", () => {
    expect(mapGridBounds(rowsMapGrid(parseGrid("O48")))).toBeNull();
    const g = gridFromDescriptor({ kind: "regular", lat: { first: 30, step: 0.5, count: 61 }, lon: { first: -20, step: 0.5, count: 121 } });
    const b = mapGridBounds(rowsMapGrid(g))!;
    expect(b.south).toBeCloseTo(29.75, 6);
    expect(b.north).toBeCloseTo(60.25, 6);
    expect(b.west).toBeCloseTo(-20.25, 6);
    expect(b.east).toBeCloseTo(40.25, 6);
    const d = mapGridBounds(rowsMapGrid(gridFromDescriptor({ kind: "regular", lat: { first: 10, step: 0.5, count: 41 }, lon: { first: 170, step: 0.5, count: 41 } })))!;
    expect([d.west, d.east, d.south, d.north].map((x) => Math.round(x * 100) / 100)).toEqual([169.75, 190.25, 9.75, 30.25]);
    expect(Math.abs(fitView(d, 500, 500).longitude)).toBeCloseTo(180, 6);
  });
});
