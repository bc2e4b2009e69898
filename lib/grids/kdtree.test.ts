import { describe, expect, it } from "vitest";
import { KdTree3 } from "./kdtree";
import { unitVectors } from "./sphere";
import { randomSphere, rng } from "./test-utils";

function brute(xyz: Float64Array, x: number, y: number, z: number): { i: number; d2: number }[] {
  const out: { i: number; d2: number }[] = [];
  for (let i = 0; i < xyz.length / 3; i++) {
    const dx = xyz[3 * i] - x, dy = xyz[3 * i + 1] - y, dz = xyz[3 * i + 2] - z;
    out.push({ i, d2: dx * dx + dy * dy + dz * dz });
  }
  return out.sort((a, b) => a.d2 - b.d2 || a.i - b.i);
}

describe("KdTree3", () => {
  it("nearest and k-nearest agree with brute force on random points", () => {
    const pts = randomSphere(3000, 11);
    const xyz = unitVectors(pts.lats, pts.lons);
    const tree = new KdTree3(xyz);
    const q = randomSphere(300, 12);
    const qxyz = unitVectors(q.lats, q.lons);
    const idx = new Int32Array(10);
    const d2 = new Float64Array(10);
    for (let t = 0; t < 300; t++) {
      const [x, y, z] = [qxyz[3 * t], qxyz[3 * t + 1], qxyz[3 * t + 2]];
      const b = brute(xyz, x, y, z);
      expect(tree.nearest(x, y, z)).toBe(b[0].i);
      const n = tree.kNearest(x, y, z, 10, idx, d2);
      expect(n).toBe(10);
      for (let k = 0; k < 10; k++) expect(d2[k]).toBeCloseTo(b[k].d2, 15);
    }
  });

  it("handles clustered and duplicated points, and k larger than n", () => {
    const r = rng(5);
    const n = 500;
    const xyz = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      // a tight cluster near (1,0,0) with many exact duplicates
      const j = i % 50;
      const v = [1, 1e-4 * Math.sin(j), 1e-4 * Math.cos(j * 1.7)];
      const l = Math.hypot(v[0], v[1], v[2]);
      xyz.set([v[0] / l, v[1] / l, v[2] / l], 3 * i);
    }
    const tree = new KdTree3(xyz);
    for (let t = 0; t < 100; t++) {
      const v = [1, 2e-4 * (r() - 0.5), 2e-4 * (r() - 0.5)];
      const l = Math.hypot(v[0], v[1], v[2]);
      const b = brute(xyz, v[0] / l, v[1] / l, v[2] / l);
      expect(tree.nearest(v[0] / l, v[1] / l, v[2] / l)).toBe(b[0].i); // ties → smallest index
    }
    const idx = new Int32Array(600);
    const d2 = new Float64Array(600);
    expect(tree.kNearest(1, 0, 0, 600, idx, d2)).toBe(500);
    for (let k = 1; k < 500; k++) expect(d2[k]).toBeGreaterThanOrEqual(d2[k - 1]);
  });

  it("empty and single-point trees", () => {
    expect(new KdTree3(new Float64Array(0)).nearest(1, 0, 0)).toBe(-1);
    expect(new KdTree3(new Float64Array([0, 0, 1])).nearest(1, 0, 0)).toBe(0);
  });
});
