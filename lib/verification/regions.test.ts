import { describe, expect, it } from "vitest";
import { regularGridPoints } from "@/lib/verification/latitude-weights";
import {
  boxLongitudeIntervals,
  boxRegionSchema,
  compileRegionMask,
  compileRegions,
  regionSetFromMasks,
  regionSpecSchema,
  wb2Regions,
  WB2_REGIONS,
  type RegionSpec,
  type Wb2RegionName,
} from "@/lib/verification/regions";

const wb2 = (name: Wb2RegionName): RegionSpec => ({ kind: "wb2", name });
const inside = (r: RegionSpec, lat: number, lon: number) => compileRegionMask(r, [lat], [lon])[0] === 1;

describe("WB2 regions against hand-picked points (§2)", () => {
  const cases: [Wb2RegionName, number, number, boolean][] = [
    ["global", -90, 0, true],
    ["global", 90, 359.75, true],
    ["tropics", 20, 100, true],
    ["tropics", -20, 100, true],
    ["tropics", 20.25, 100, false],
    ["tropics", -20.25, 100, false],
    ["extra-tropics", 20, 0, true], // ±20 rows are in both tropics and extra-tropics
    ["extra-tropics", -20, 0, true],
    ["extra-tropics", 19.75, 0, false],
    ["extra-tropics", 0, 0, false],
    ["extra-tropics", 90, 0, true],
    ["northern-hemisphere", 20, 10, true],
    ["northern-hemisphere", 19.75, 10, false],
    ["northern-hemisphere", 90, 10, true],
    ["southern-hemisphere", -20, 10, true],
    ["southern-hemisphere", -19.75, 10, false],
    ["southern-hemisphere", -90, 10, true],
    // Europe: 35…75 × (347.5…360 ∪ 0…42.5)
    ["europe", 35, 0, true],
    ["europe", 75, 42.5, true],
    ["europe", 75.25, 10, false],
    ["europe", 34.75, 10, false],
    ["europe", 50, 347.5, true],
    ["europe", 50, 347.25, false],
    ["europe", 50, 42.75, false],
    ["europe", 50, 359.75, true],
    ["europe", 50, -12.5, true], // −12.5 ≡ 347.5
    ["europe", 50, -12.75, false],
    ["europe", 50, 360, true], // 360 ≡ 0
    // North America: 25…60 × 240…285
    ["north-america", 25, 240, true],
    ["north-america", 60, 285, true],
    ["north-america", 60.25, 250, false],
    ["north-america", 40, 239.75, false],
    ["north-america", 40, 285.25, false],
    ["north-america", 40, -100, true], // 100°W = 260
    // North Atlantic: 25…65 × 290…350
    ["north-atlantic", 65, 290, true],
    ["north-atlantic", 25, 350, true],
    ["north-atlantic", 65.25, 300, false],
    ["north-atlantic", 40, 350.25, false],
    ["north-atlantic", 40, 289.75, false],
    ["north-atlantic", 40, -30, true],
    // North Pacific: 25…60 × 145…230
    ["north-pacific", 25, 145, true],
    ["north-pacific", 60, 230, true],
    ["north-pacific", 40, 230.25, false],
    ["north-pacific", 40, 144.75, false],
    ["north-pacific", 40, -140, true], // 140°W = 220
    // East Asia: 25…60 × 102.5…150
    ["east-asia", 25, 102.5, true],
    ["east-asia", 60, 150, true],
    ["east-asia", 40, 102.25, false],
    ["east-asia", 24.75, 120, false],
    // AusNZ: −45…−12.5 × 120…175
    ["ausnz", -45, 120, true],
    ["ausnz", -12.5, 175, true],
    ["ausnz", -12.25, 150, false],
    ["ausnz", -45.25, 150, false],
    ["ausnz", -30, 175.25, false],
    ["ausnz", -30, 119.75, false],
    ["arctic", 60, 123, true],
    ["arctic", 59.75, 123, false],
    ["antarctic", -60, 200, true],
    ["antarctic", -59.75, 200, false],
  ];
  it.each(cases)("%s contains (%f, %f): %s", (name, lat, lon, expected) => {
    expect(inside(wb2(name), lat, lon)).toBe(expected);
  });

  it("has the 13 WB2 regions", () => {
    expect(Object.keys(WB2_REGIONS)).toHaveLength(13);
    expect(wb2Regions().map((r) => r.name)).toContain("ausnz");
  });
});

describe("region point counts on a 2.5° grid (144 × 73, 0…357.5, −90…90)", () => {
  const lats = Array.from({ length: 73 }, (_, i) => -90 + 2.5 * i);
  const lons = Array.from({ length: 144 }, (_, j) => 2.5 * j);
  const { lat, lon } = regularGridPoints(lats, lons);
  const count = (r: RegionSpec) => compileRegionMask(r, lat, lon).reduce((s, x) => s + x, 0);
  // rows × columns, counted by hand from the inclusive bounds
  const expected: [Wb2RegionName, number][] = [
    ["global", 73 * 144],
    ["tropics", 17 * 144], // −20…20
    ["extra-tropics", 58 * 144], // 29 rows each side
    ["northern-hemisphere", 29 * 144],
    ["southern-hemisphere", 29 * 144],
    ["europe", 17 * 23], // 35…75; 347.5…357.5 (5) + 0…42.5 (18)
    ["north-america", 15 * 19], // 25…60; 240…285
    ["north-atlantic", 17 * 25], // 25…65; 290…350
    ["north-pacific", 15 * 35], // 25…60; 145…230
    ["east-asia", 15 * 20], // 25…60; 102.5…150
    ["ausnz", 14 * 23], // −45…−12.5; 120…175
    ["arctic", 13 * 144],
    ["antarctic", 13 * 144],
  ];
  it.each(expected)("%s has %i points", (name, n) => {
    expect(count(wb2(name))).toBe(n);
  });

  it("tropics and extra-tropics overlap exactly in the ±20° rows", () => {
    expect(count(wb2("tropics")) + count(wb2("extra-tropics"))).toBe(75 * 144);
  });

  it("native domain covers every point", () => {
    expect(count({ kind: "native" })).toBe(73 * 144);
  });
});

describe("user boxes", () => {
  it("validates with zod", () => {
    expect(boxRegionSchema.safeParse({ kind: "box", name: "alps", latMin: 44, latMax: 48, lonMin: 5, lonMax: 16 }).success).toBe(true);
    expect(boxRegionSchema.safeParse({ kind: "box", name: "bad", latMin: 50, latMax: 40, lonMin: 0, lonMax: 1 }).success).toBe(false);
    expect(regionSpecSchema.safeParse({ kind: "box", name: "x", latMin: -91, latMax: 0, lonMin: 0, lonMax: 1 }).success).toBe(false);
    expect(regionSpecSchema.safeParse({ kind: "wb2", name: "mars" }).success).toBe(false);
    expect(regionSpecSchema.safeParse({ kind: "native" }).success).toBe(true);
  });

  it("converts eastward longitude spans into 0–360 intervals", () => {
    expect(boxLongitudeIntervals(-12.5, 42.5)).toEqual([
      [347.5, 360],
      [0, 42.5],
    ]);
    expect(boxLongitudeIntervals(347.5, 42.5)).toEqual([
      [347.5, 360],
      [0, 42.5],
    ]);
    expect(boxLongitudeIntervals(-120, -75)).toEqual([[240, 285]]);
    expect(boxLongitudeIntervals(0, 360)).toBeNull();
    expect(boxLongitudeIntervals(-180, 180)).toBeNull();
  });

  it("a −180…180 box equal to Europe selects the same points", () => {
    const lats = Array.from({ length: 73 }, (_, i) => -90 + 2.5 * i);
    const lons = Array.from({ length: 144 }, (_, j) => -180 + 2.5 * j); // −180…177.5 convention
    const { lat, lon } = regularGridPoints(lats, lons);
    const box = compileRegionMask({ kind: "box", name: "eu", latMin: 35, latMax: 75, lonMin: -12.5, lonMax: 42.5 }, lat, lon);
    const eu = compileRegionMask(wb2("europe"), lat, lon);
    expect(Array.from(box)).toEqual(Array.from(eu));
    expect(eu.reduce((s, x) => s + x, 0)).toBe(17 * 23);
  });

  it("includes float32-rounded boundary coordinates", () => {
    expect(inside({ kind: "box", name: "b", latMin: 0.1, latMax: 1, lonMin: 0, lonMax: 1 }, Math.fround(0.1), 0.5)).toBe(true);
  });
});

describe("region sets", () => {
  it("partitions points into classes that reproduce every mask", () => {
    const lats = Array.from({ length: 73 }, (_, i) => -90 + 2.5 * i);
    const lons = Array.from({ length: 144 }, (_, j) => 2.5 * j);
    const { lat, lon } = regularGridPoints(lats, lons);
    const regions = [...wb2Regions(), { kind: "native" as const }];
    const set = compileRegions(regions, lat, lon);
    expect(set.names).toHaveLength(14);
    expect(set.classCount).toBeLessThan(40);
    regions.forEach((r, i) => {
      const mask = compileRegionMask(r, lat, lon);
      const classes = new Set(set.regionClasses[i]);
      let mismatches = 0;
      for (let p = 0; p < lat.length; p++) if (classes.has(set.classOf[p]) !== (mask[p] === 1)) mismatches++;
      expect(mismatches).toBe(0);
      expect(set.regionSizes[i]).toBe(mask.reduce((s, x) => s + x, 0));
    });
  });

  it("rejects duplicate names and mismatched masks", () => {
    const m = new Uint8Array([1, 0]);
    expect(() => regionSetFromMasks([{ name: "a", mask: m }, { name: "a", mask: m }])).toThrow();
    expect(() => regionSetFromMasks([{ name: "a", mask: m }, { name: "b", mask: new Uint8Array(3) }])).toThrow();
  });
});
