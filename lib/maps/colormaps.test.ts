import { describe, expect, it } from "vitest";
import { buildLut, colourIndex, colourOf, colourScale, legendStops, LUT_SIZE, paletteColour } from "./colormaps";

describe("colour maps", () => {
  it("builds 256×1 RGBA LUTs from d3 palettes", () => {
    const s = colourScale({ palette: "viridis", min: 0, max: 1 });
    const lut = buildLut(s);
    expect(lut.length).toBe(LUT_SIZE * 4);
    expect(Array.from(lut.subarray(0, 4))).toEqual([...paletteColour("viridis", 0.5 / 256), 255]);
    // viridis runs dark purple → yellow
    expect(lut[0]).toBeLessThan(80);
    expect(lut[255 * 4 + 1]).toBeGreaterThan(200);
    // spectral_r: cold blue at the low end, red at the high end
    const sp = buildLut(colourScale({ palette: "spectral_r", min: 0, max: 1 }));
    expect(sp[2]).toBeGreaterThan(sp[0]);
    expect(sp[255 * 4]).toBeGreaterThan(sp[255 * 4 + 2]);
  });

  it("maps values to LUT entries like the shader (clamped, NaN transparent)", () => {
    const s = colourScale({ palette: "turbo", min: 10, max: 20 });
    expect(colourIndex(10, s)).toBe(0);
    expect(colourIndex(20, s)).toBe(255);
    expect(colourIndex(15, s)).toBe(128);
    expect(colourIndex(-100, s)).toBe(0);
    expect(colourIndex(1e9, s)).toBe(255);
    expect(colourIndex(NaN, s)).toBe(-1);
    expect(colourOf(NaN, s)[3]).toBe(0);
  });

  it("steps temperature in equal bands with hard edges", () => {
    // −40…40 °C in 2 °C steps (values in K)
    const s = colourScale({ palette: "spectral_r", min: 233.15, max: 313.15, steps: 40 });
    const a = colourOf(273.2, s);
    const b = colourOf(275.1, s); // same band [273.15, 275.15)
    const c = colourOf(275.2, s); // next band
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(legendStops(s)).toHaveLength(40);
  });

  it("precipitation levels: transparent below 0.5 mm, one colour per band", () => {
    const levels = [0.5, 2, 4, 10, 25, 50, 100].map((mm) => mm / 1000);
    const s = colourScale({ palette: "precip", min: 0, max: 0.15, levels, transparentBelow: true });
    expect(colourOf(0.0004, s)[3]).toBe(0);
    expect(colourOf(0.0006, s)).toEqual([0, 255, 255, 255]);
    expect(colourOf(0.003, s)).toEqual([0, 128, 255, 255]);
    expect(colourOf(0.2, s)).toEqual([255, 0, 0, 255]);
    const bands = new Set(levels.map((l) => colourOf(l * 1.01, s).join()));
    expect(bands.size).toBe(7);
    expect(legendStops(s)).toHaveLength(8);
  });

  it("diverging RdBu centred on zero with a transparent band", () => {
    const s = colourScale({ palette: "rdbu_r", min: -4, max: 4, transparentBand: 0.2 });
    expect(colourOf(0, s)[3]).toBe(0);
    expect(colourOf(0.1, s)[3]).toBe(0);
    const hot = colourOf(3, s);
    const cold = colourOf(-3, s);
    expect(hot[3]).toBe(255);
    expect(hot[0]).toBeGreaterThan(hot[2]); // positive = red
    expect(cold[2]).toBeGreaterThan(cold[0]); // negative = blue
  });
});
