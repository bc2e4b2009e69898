import { describe, expect, it } from "vitest";
import { automaticRange, colourScaleFor, DIFFERENCE_STYLE, fromDisplay, toDisplay, unitConversion, unitConversions, variableStyle } from "./variables";

describe("display units", () => {
  it("converts K↔°C, Pa↔hPa, m²/s²↔dam, m↔mm", () => {
    expect(toDisplay(273.15, unitConversion("K"))).toBeCloseTo(0, 10);
    expect(fromDisplay(20, unitConversion("K"))).toBeCloseTo(293.15, 10);
    expect(toDisplay(101325, unitConversion("Pa"))).toBeCloseTo(1013.25, 10);
    expect(toDisplay(5500 * 9.80665, unitConversion("m**2 s**-2"))).toBeCloseTo(550, 10); // 5500 gpm = 550 dam
    expect(toDisplay(0.012, unitConversion("m"))).toBeCloseTo(12, 10);
    expect(toDisplay(3, unitConversion("m s**-1")).valueOf()).toBe(3);
    expect(unitConversion("K", "K").label).toBe("K");
    expect(unitConversions("m2 s-2")[0].label).toBe("dam");
  });

  it("drops the offset for differences (a K difference is a °C difference)", () => {
    expect(toDisplay(2, unitConversion("K", undefined, true))).toBe(2);
  });
});

describe("default styles", () => {
  it("picks meteorological palettes per variable", () => {
    expect(variableStyle("2t").palette).toBe("spectral_r");
    expect(variableStyle("t_850").palette).toBe("spectral_r");
    expect(variableStyle("tp").levels).toEqual([0.5, 2, 4, 10, 25, 50, 100]);
    expect(variableStyle("10u").palette).toBe("rdbu_r");
    expect(variableStyle("ws").palette).toBe("turbo");
    expect(variableStyle("z_500").contour).toBe(5);
    expect(variableStyle("msl").contour).toBe(4);
    expect(variableStyle("q_700").palette).toBe("viridis");
  });

  it("turns display ranges into stored-unit scales", () => {
    const t = colourScaleFor(variableStyle("2t"), { min: 250, max: 300, conversion: unitConversion("K") });
    expect(t.min).toBeCloseTo(233.15);
    expect(t.max).toBeCloseTo(313.15);
    expect(t.steps).toBe(40);
    const z = colourScaleFor(variableStyle("z_500"), { min: 48000, max: 58000, conversion: unitConversion("m**2 s**-2") });
    expect(z.min).toBe(48000);
    expect(z.contour).toBeCloseTo(5 * 98.0665, 8);
    const tp = colourScaleFor(variableStyle("tp"), { min: 0, max: 0.05, conversion: unitConversion("m") });
    expect(tp.levels?.[0]).toBeCloseTo(0.0005);
    expect(tp.transparentBelow).toBe(true);
    const d = colourScaleFor(DIFFERENCE_STYLE, { min: -1, max: 3, conversion: unitConversion("K", undefined, true), difference: true });
    expect([d.min, d.max]).toEqual([-3, 3]);
    expect(d.palette).toBe("rdbu_r");
    expect(d.transparentBand).toBeCloseTo(0.15);
  });
});

describe("automatic colour ranges", () => {
  it("span the statistics range plus 5 % of it on each side, widened to a field beyond that", () => {
    // statistics 45,000…58,000: span 13,000, margin 650.
    expect(automaticRange({ min: 45000, max: 58000 }, { min: 46000, max: 57000 })).toEqual({ min: 44350, max: 58650 });
    expect(automaticRange({ min: 45000, max: 58000 }, { min: 46000, max: 58600 })).toEqual({ min: 44350, max: 58650 }); // within the margin
    expect(automaticRange({ min: 45000, max: 58000 }, { min: 44000, max: 59000 })).toEqual({ min: 44000, max: 59000 });
  });

  it("are the fields' own range without statistics, and unknown without either", () => {
    expect(automaticRange(null, { min: 1, max: 2 })).toEqual({ min: 1, max: 2 });
    expect(automaticRange(null, { min: Infinity, max: -Infinity })).toEqual({ min: null, max: null });
    expect(automaticRange({ min: 0, max: 10 }, { min: Infinity, max: -Infinity })).toEqual({ min: -0.5, max: 10.5 });
  });
});
