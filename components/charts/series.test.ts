import { describe, expect, it } from "vitest";
import { isFlatSpan, nearestIndex, sortedByX, visibleRange, xRange, yExtent } from "./series";

describe("chart x look-ups on sorted x values", () => {
  const xs = [0, 10, 20, 20, 35];

  it("nearestIndex picks the nearest x, the earlier one on a tie, and clamps at the ends", () => {
    expect(nearestIndex(xs, -5)).toBe(0);
    expect(nearestIndex(xs, 4)).toBe(0);
    expect(nearestIndex(xs, 5)).toBe(0); // tie between 0 and 10
    expect(nearestIndex(xs, 6)).toBe(1);
    expect(nearestIndex(xs, 20)).toBe(2);
    expect(nearestIndex(xs, 27.5)).toBe(3); // tie between 20 and 35: the earlier x
    expect(nearestIndex(xs, 28)).toBe(4);
    expect(nearestIndex(xs, 99)).toBe(4);
    expect(nearestIndex([], 1)).toBeNull();
    expect(nearestIndex(xs, Number.NaN)).toBeNull();
  });

  it("nearestIndex agrees with a linear scan", () => {
    const sorted = Array.from({ length: 200 }, (_, i) => Math.floor(i * 1.7) + (i % 3));
    sorted.sort((a, b) => a - b);
    for (let v = -3; v < 360; v += 0.25) {
      let best = 0;
      for (let i = 1; i < sorted.length; i++) if (Math.abs(sorted[i] - v) < Math.abs(sorted[best] - v)) best = i;
      expect(Math.abs(sorted[nearestIndex(sorted, v)!] - v)).toBe(Math.abs(sorted[best] - v));
    }
  });

  it("visibleRange gives the first and last index inside [lo, hi]", () => {
    expect(visibleRange(xs, 0, 35)).toEqual([0, 4]);
    expect(visibleRange(xs, 5, 20)).toEqual([1, 3]);
    expect(visibleRange(xs, 20, 20)).toEqual([2, 3]);
    expect(visibleRange(xs, 21, 34)).toEqual([4, 3]); // none inside
    expect(visibleRange(xs, -10, -1)).toEqual([0, -1]);
  });
});

describe("sortedByX", () => {
  it("keeps sorted series as they are and orders the others by x, values alongside", () => {
    const x = [1, 2, 2, 5];
    const values = [0.5, null, 3, 4];
    expect(sortedByX(x, values)).toEqual({ x, values });
    expect(sortedByX(x, values).x).toBe(x);
    expect(sortedByX([30, 10, 20, 10], [3, 1, 2, null])).toEqual({ x: [10, 10, 20, 30], values: [1, null, 2, 3] });
  });
});

describe("scale ranges for flat data (uPlot's tick loop needs a non-empty range)", () => {
  it("counts a span within 1e-6 of the magnitude as flat, and wider spans as not", () => {
    expect(isFlatSpan(0, 0)).toBe(true);
    expect(isFlatSpan(2, 2)).toBe(true);
    expect(isFlatSpan(Math.fround(0.9999998), Math.fround(1.0000002))).toBe(true); // float32 neighbours of 1
    expect(isFlatSpan(1e14, 1e14 + 0.015625)).toBe(true); // neighbouring doubles
    expect(isFlatSpan(-5, -5 + 4e-6)).toBe(true);
    expect(isFlatSpan(1, 1.00001)).toBe(false);
    expect(isFlatSpan(1e-9, 2e-9)).toBe(false); // tiny values, but a real 2× change
    expect(isFlatSpan(-1e-3, 1e-3)).toBe(false);
  });

  it("yExtent keeps a varying extent and collapses flat data to its middle", () => {
    expect(yExtent(0.1, 0.4)).toEqual([0.1, 0.4]);
    expect(yExtent(3, 3)).toEqual([3, 3]);
    const lo = Math.fround(0.9999998);
    const hi = Math.fround(1.0000002);
    expect(yExtent(lo, hi)).toEqual([(lo + hi) / 2, (lo + hi) / 2]);
    expect(yExtent(null, null)).toBeNull();
    expect(yExtent(Number.NaN, 1)).toBeNull();
    expect(yExtent(2, 1)).toBeNull();
  });

  it("xRange is the data's extent, and one unit either side of a single x", () => {
    expect(xRange(0, 240)).toEqual([0, 240]);
    expect(xRange(2, 2)).toEqual([1, 3]);
    expect(xRange(0, 0)).toEqual([-1, 1]);
    // A single time (seconds since 1970): ±1e-6 of it, 1,736,000 s → ±1.736 s.
    expect(xRange(1_736_000, 1_736_000)).toEqual([1_736_000 - 1.736, 1_736_000 + 1.736]);
    expect(xRange(null, null)).toEqual([0, 1]);
    // The padded range is never flat itself.
    for (const v of [0, 1, -7, 1e3, 1.7e9, 1e14]) {
      const [a, b] = xRange(v, v);
      expect(isFlatSpan(a, b), String(v)).toBe(false);
    }
  });
});
