import { describe, expect, it } from "vitest";
import { regularGlobal } from "@/lib/grids";
import { continentalityCoefficients, landRaster, landSeaMask, landSeaMaskOn } from "./landmask";
import { GridSynthesizer } from "./synthesis";
import { lmCount } from "./legendre";

describe("Natural Earth land–sea mask", () => {
  it("covers ~29% of the globe", () => {
    const { data, nlon, nlat, res } = landRaster();
    let s = 0;
    let w = 0;
    for (let j = 0; j < nlat; j++) {
      const c = Math.cos(((90 - (j + 0.5) * res) * Math.PI) / 180);
      for (let i = 0; i < nlon; i++) {
        s += data[j * nlon + i] * c;
        w += c;
      }
    }
    expect(s / w).toBeGreaterThan(0.27);
    expect(s / w).toBeLessThan(0.31);
  });

  it("knows land from sea at well-known places, across the antimeridian and at the poles", () => {
    const land: [number, number][] = [
      [48.85, 2.35], // Paris
      [-23.5, 133.9], // central Australia
      [61.5, 105.3], // Siberia
      [66.0, -175.5], // Chukotka, west of the antimeridian in −180..180
      [67.5, 177.0], // Chukotka, east
      [-17.8, 178.0], // Fiji (Viti Levu)
      [-85, 45], // Antarctica
      [-90, 0],
      [72, -40], // Greenland
    ];
    const sea: [number, number][] = [
      [0, -30], // Atlantic
      [30, -140], // Pacific
      [-40, 80], // Indian Ocean
      [89.5, 0], // Arctic Ocean
      [-60, -60], // Drake Passage
      [35, 18], // Mediterranean
    ];
    for (const [la, lo] of land) expect(landSeaMask(la, lo), `${la},${lo}`).toBe(1);
    for (const [la, lo] of sea) expect(landSeaMask(la, lo), `${la},${lo}`).toBe(0);
    // longitudes in 0..360 and −180..180 agree
    expect(landSeaMask(-23.5, 133.9 - 360)).toBe(1);
    const g = regularGlobal(2);
    const m = landSeaMaskOn(g.latitudes, g.longitudes);
    expect(Math.min(...m)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...m)).toBeLessThanOrEqual(1);
  });

  it("projects to a smooth continentality field with the land fraction as its mean", () => {
    const c = continentalityCoefficients();
    expect(c.a[0]).toBeGreaterThan(0.27);
    expect(c.a[0]).toBeLessThan(0.31);
    const g = regularGlobal(10);
    const synth = new GridSynthesizer(g, 21);
    const n = lmCount(21);
    const out = new Float64Array(g.size);
    synth.synthesize([{ kind: "value", a: c.a.subarray(0, n), b: c.b.subarray(0, n), out }]);
    const at = (lat: number, lon: number) => out[g.nearest(lat, lon)];
    expect(at(60, 100)).toBeGreaterThan(0.6); // Siberia
    expect(at(-80, 0)).toBeGreaterThan(0.6); // Antarctica
    expect(at(-30, -120)).toBeLessThan(0.15); // South Pacific
    expect(Math.min(...out)).toBeGreaterThan(-0.15);
    expect(Math.max(...out)).toBeLessThan(1.15);
  });
});
