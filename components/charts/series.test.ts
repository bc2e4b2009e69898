import { describe, expect, it } from "vitest";
import { nearestIndex, sortedByX, visibleRange } from "./series";

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
