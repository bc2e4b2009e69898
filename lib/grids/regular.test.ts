import { describe, expect, it } from "vitest";
import { gridFromDescriptor } from "./parse";
import { RegularGrid, regularGlobal, wb2LatitudeWeights, cosLatWeights } from "./regular";
import { sum } from "./test-utils";

const S3 = Math.sqrt(3);
// verification.md §1 (WB2 metrics_test.py): φ = [−75, −45, −15, 15, 45, 75]
const WB2_EXPECTED = [1 - S3 / 2, (S3 - 1) / 2, 0.5, 0.5, (S3 - 1) / 2, 1 - S3 / 2].map((v) => 3 * v);

describe("regular lat/lon weights", () => {
  it("wb2LatitudeWeights reproduces the WeatherBench 2 reference vector", () => {
    const w = wb2LatitudeWeights([-75, -45, -15, 15, 45, 75]);
    WB2_EXPECTED.forEach((v, i) => expect(w[i]).toBeCloseTo(v, 14));
    expect(w[0]).toBeCloseTo(0.4019, 4);
    expect(w[1]).toBeCloseTo(1.0981, 4);
    // input order is preserved
    const r = wb2LatitudeWeights([75, 45, 15, -15, -45, -75]);
    WB2_EXPECTED.forEach((v, i) => expect(r[i]).toBeCloseTo(v, 14));
  });

  it("a 30° grid without poles gives the same cell-area weights through the Grid API (both orders)", () => {
    for (const order of ["north-south", "south-north"] as const) {
      const g = regularGlobal(30, 30, { order, poles: false });
      expect(g.size).toBe(6 * 12);
      const w = g.weights("area");
      const rows = Array.from({ length: 6 }, (_, i) => w[i * 12]);
      const expected = order === "south-north" ? WB2_EXPECTED : [...WB2_EXPECTED].reverse();
      rows.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 13));
      expect(g.domainArea()).toBeCloseTo(4 * Math.PI, 12);
    }
  });

  it("with pole rows the pole cells are half cells (WB2 bounds ±90)", () => {
    const g = regularGlobal(1.5);
    expect(g.id).toBe("regular-1.5x1.5");
    expect(g.nlat).toBe(121);
    expect(g.nlon).toBe(240);
    expect(g.latitudes[0]).toBe(90);
    expect(g.latitudes[g.size - 1]).toBe(-90);
    const a = g.areas();
    // pole cell: (1 − sin 89.25°)·2π/240
    expect(a[0]).toBeCloseTo((1 - Math.sin((89.25 * Math.PI) / 180)) * ((2 * Math.PI) / 240), 15);
    expect(g.domainArea() / (4 * Math.PI)).toBeCloseTo(1, 13);
    const w = wb2LatitudeWeights(g.rowLatitudes);
    for (let i = 0; i < g.nlat; i++) expect(g.weights()[i * g.nlon]).toBeCloseTo(w[i], 12);
  });

  it("a global grid whose outer rows are less than a step from the poles stretches edge cells to ±90 (WB2)", () => {
    // rows 88, 86, …, −88: half-spacing bounds would stop at ±89; WB2 uses ±90.
    const g = new RegularGrid({ kind: "regular", lat: { first: 88, step: -2, count: 89 }, lon: { first: 0, step: 2, count: 180 } });
    expect(g.globalLatitude).toBe(true);
    expect(g.domainArea() / (4 * Math.PI)).toBeCloseTo(1, 13);
    expect(g.areas()[0]).toBeCloseTo((1 - Math.sin((87 * Math.PI) / 180)) * ((2 * Math.PI) / 180), 15);
    const w = wb2LatitudeWeights(g.rowLatitudes);
    for (let i = 0; i < g.nlat; i++) expect(g.weights()[i * g.nlon]).toBeCloseTo(w[i], 12);
  });

  it("cos-lat weights have mean 1 and ratio cos φ", () => {
    const g = regularGlobal(2.5, 2.5, { poles: false });
    const w = g.weights("cos-lat");
    expect(sum(w) / g.size).toBeCloseTo(1, 13);
    const i0 = 0, i1 = 10 * g.nlon;
    expect(w[i0] / w[i1]).toBeCloseTo(Math.cos((g.latitudes[i0] * Math.PI) / 180) / Math.cos((g.latitudes[i1] * Math.PI) / 180), 12);
    const direct = cosLatWeights([0, 60]);
    expect(direct[0] / direct[1]).toBeCloseTo(2, 14);
  });

  it("a regional box sums to the box area (half-spacing outer bounds)", () => {
    // Rows 30..60 every 0.5°, longitudes −10..40 every 0.5°: cells span 29.75..60.25 × −10.25..40.25.
    const g = new RegularGrid({ kind: "regular", lat: { first: 60, step: -0.5, count: 61 }, lon: { first: -10, step: 0.5, count: 101 } });
    expect(g.globalLatitude).toBe(false);
    expect(g.periodic).toBe(false);
    const box = (Math.sin((60.25 * Math.PI) / 180) - Math.sin((29.75 * Math.PI) / 180)) * ((50.5 * Math.PI) / 180);
    expect(g.domainArea() / box).toBeCloseTo(1, 12);
    expect(g.id).toBe("regular-0.5x0.5-lat60to30-lon-10to40");
  });

  it("any resolution: 0.25° has 1,038,240 points and builds fast", () => {
    const t = performance.now();
    const g = regularGlobal(0.25);
    expect(g.size).toBe(1_038_240);
    expect(g.domainArea() / (4 * Math.PI)).toBeCloseTo(1, 10);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  it("WB2-style 64×32 equiangular grid without poles", () => {
    const g = regularGlobal(5.625, 5.625, { order: "south-north", poles: false });
    expect(g.nlat).toBe(32);
    expect(g.nlon).toBe(64);
    expect(g.latitudes[0]).toBe(-87.1875);
    expect(g.globalLatitude).toBe(true);
    expect(g.domainArea() / (4 * Math.PI)).toBeCloseTo(1, 13);
  });

  it("descriptor round-trips through JSON", () => {
    const g = new RegularGrid({ kind: "regular", lat: { first: -80, step: 2, count: 81 }, lon: { first: 350, step: 2, count: 20 } });
    const h = gridFromDescriptor(JSON.parse(JSON.stringify(g.descriptor)));
    expect(h.id).toBe(g.id);
    expect(h.latitudes).toEqual(g.latitudes);
    expect(h.longitudes).toEqual(g.longitudes);
  });

  it("rejects invalid descriptors", () => {
    expect(() => new RegularGrid({ kind: "regular", lat: { first: 90, step: -1, count: 182 }, lon: { first: 0, step: 1, count: 360 } })).toThrow();
    expect(() => new RegularGrid({ kind: "regular", lat: { first: 90, step: -1, count: 181 }, lon: { first: 0, step: 1, count: 361 } })).toThrow(/360/);
    expect(() => regularGlobal(0.7)).toThrow(/divide/);
  });
});
