import { describe, expect, it } from "vitest";
import {
  cellAreaLatitudeWeights,
  cosLatitudeWeights,
  expandRowWeights,
  gridAreaLatitudeWeightsWbx,
  regularGridPoints,
} from "@/lib/verification/latitude-weights";

const S3 = Math.sqrt(3);

describe("WB2 cell-area latitude weights (§1)", () => {
  it("matches the metrics_test.py vector", () => {
    const w = cellAreaLatitudeWeights([-75, -45, -15, 15, 45, 75]);
    const expected = [1 - S3 / 2, (S3 - 1) / 2, 0.5, 0.5, (S3 - 1) / 2, 1 - S3 / 2].map((x) => 3 * x);
    expected.forEach((e, i) => expect(w[i]).toBeCloseTo(e, 14));
    // The rounded values quoted in the sheet.
    [0.4019, 1.0981, 1.5, 1.5, 1.0981, 0.4019].forEach((e, i) => expect(w[i]).toBeCloseTo(e, 4));
  });

  it("accepts decreasing latitudes and returns weights in input order", () => {
    const w = cellAreaLatitudeWeights([75, 45, 15, -15, -45, -75]);
    expect(w[0]).toBeCloseTo(3 * (1 - S3 / 2), 14);
    expect(w[1]).toBeCloseTo((3 * (S3 - 1)) / 2, 14);
  });

  it("gives pole rows half cells on a grid with poles", () => {
    // φ = −90, 0, 90: bounds −90, −45, 45, 90 → areas 1 − √½, √2, 1 − √½.
    const w = cellAreaLatitudeWeights([-90, 0, 90]);
    const a = [1 - Math.SQRT1_2, Math.SQRT2, 1 - Math.SQRT1_2];
    const mean = (a[0] + a[1] + a[2]) / 3;
    a.forEach((x, i) => expect(w[i]).toBeCloseTo(x / mean, 14));
  });

  it("averages to 1 on a 1.5° global grid", () => {
    const lats = Array.from({ length: 121 }, (_, i) => -90 + 1.5 * i);
    const w = cellAreaLatitudeWeights(lats);
    expect(w.reduce((s, x) => s + x, 0) / 121).toBeCloseTo(1, 14);
    // Interior row: (sin(φ+0.75°) − sin(φ−0.75°)) / mean area, mean area = 2/121.
    const d = Math.PI / 180;
    expect(w[60]).toBeCloseTo(((Math.sin(0.75 * d) - Math.sin(-0.75 * d)) * 121) / 2, 13);
  });

  it("rejects non-monotonic or out-of-range latitudes", () => {
    expect(() => cellAreaLatitudeWeights([0, 10, 5])).toThrow();
    expect(() => cellAreaLatitudeWeights([0, 91])).toThrow();
  });
});

describe("WB-X grid-area weights (§1)", () => {
  it("equals WB2 on a global grid with pole rows", () => {
    const lats = Array.from({ length: 73 }, (_, i) => -90 + 2.5 * i);
    const a = cellAreaLatitudeWeights(lats);
    const b = gridAreaLatitudeWeightsWbx(lats);
    a.forEach((x, i) => expect(b[i]).toBeCloseTo(x, 13));
  });

  it("uses half-spacing outer bounds on a regional grid", () => {
    // φ = 40, 50, 60: WB-X bounds 35, 45, 55, 65; WB2 bounds −90, 45, 55, 90.
    const d = Math.PI / 180;
    const a = [Math.sin(45 * d) - Math.sin(35 * d), Math.sin(55 * d) - Math.sin(45 * d), Math.sin(65 * d) - Math.sin(55 * d)];
    const mean = (a[0] + a[1] + a[2]) / 3;
    const w = gridAreaLatitudeWeightsWbx([40, 50, 60]);
    a.forEach((x, i) => expect(w[i]).toBeCloseTo(x / mean, 14));
    const wb2 = cellAreaLatitudeWeights([40, 50, 60]);
    expect(wb2[0]).toBeGreaterThan(w[0] * 2); // WB2 stretches the first cell to the south pole
  });
});

describe("cos-lat weights (§1)", () => {
  const lats = [-60, 0, 30, 60];
  it("raw cos φ (nci/scores)", () => {
    const w = cosLatitudeWeights(lats, "none");
    [0.5, 1, S3 / 2, 0.5].forEach((e, i) => expect(w[i]).toBeCloseTo(e, 15));
  });
  it("divided by the mean (WB1) and by the sum (WMO)", () => {
    const sum = 2 + S3 / 2;
    const wm = cosLatitudeWeights(lats, "mean");
    const ws = cosLatitudeWeights(lats, "sum");
    [0.5, 1, S3 / 2, 0.5].forEach((e, i) => {
      expect(wm[i]).toBeCloseTo(e / (sum / 4), 15);
      expect(ws[i]).toBeCloseTo(e / sum, 15);
    });
  });
  it("is exactly zero at the poles", () => {
    expect(cosLatitudeWeights([-90, 0, 90], "none")[0]).toBe(0);
  });
});

describe("grid helpers", () => {
  it("expands row weights latitude-major", () => {
    expect(Array.from(expandRowWeights([1, 2], 3))).toEqual([1, 1, 1, 2, 2, 2]);
    const { lat, lon } = regularGridPoints([-10, 10], [0, 90, 180]);
    expect(Array.from(lat)).toEqual([-10, -10, -10, 10, 10, 10]);
    expect(Array.from(lon)).toEqual([0, 90, 180, 0, 90, 180]);
  });
});
