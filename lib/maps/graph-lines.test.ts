import { describe, expect, it } from "vitest";
import { greatCircleSegments, segmentsToPaths } from "./graph-lines";

const RAD = Math.PI / 180;
function arcDeg(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const c = Math.sin(lat1 * RAD) * Math.sin(lat2 * RAD) + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.cos((lon1 - lon2) * RAD);
  return Math.acos(Math.max(-1, Math.min(1, c))) / RAD;
}
function pieces(s: ReturnType<typeof greatCircleSegments>) {
  return Array.from({ length: s.length }, (_, k) => [s.sources[3 * k], s.sources[3 * k + 1], s.targets[3 * k], s.targets[3 * k + 1], s.sources[3 * k + 2]]);
}

describe("great-circle edge lines", () => {
  it("a meridian edge is cut into 2° pieces along the meridian", () => {
    const s = pieces(greatCircleSegments({ lat: [0], lon: [0] }, { lat: [60], lon: [0] }, [0], [0], { z: 5000 }));
    expect(s).toHaveLength(30);
    s.forEach(([lon1, lat1, lon2, lat2, z], k) => {
      expect(lon1).toBeCloseTo(0, 5);
      expect(lon2).toBeCloseTo(0, 5);
      expect(lat1).toBeCloseTo(2 * k, 4);
      expect(lat2).toBeCloseTo(2 * k + 2, 4);
      expect(z).toBe(5000);
    });
  });

  it("an edge across the antimeridian is split there, follows the great circle (north of the parallel) and keeps its length", () => {
    // (50°N, 170°E) → (50°N, 170°W): the great circle crosses 180° at atan(tan 50° / cos 10°) = 50.43°N.
    const s = pieces(greatCircleSegments({ lat: [50], lon: [170] }, { lat: [50], lon: [-170] }, [0], [0]));
    for (const [lon1, , lon2] of s) expect(Math.abs(lon2 - lon1)).toBeLessThan(3);
    const atEdge = s.filter(([, , lon2]) => lon2 === 180);
    expect(atEdge).toHaveLength(1);
    const crossLat = (Math.atan(Math.tan(50 * RAD) / Math.cos(10 * RAD)) * 180) / Math.PI;
    expect(Math.abs(atEdge[0][3] - crossLat)).toBeLessThan(0.02); // linear within one ≤ 2° piece
    expect(atEdge[0][3]).toBeGreaterThan(50.4);
    expect(s.some(([lon1, lat1]) => lon1 === -180 && Math.abs(lat1 - atEdge[0][3]) < 1e-9)).toBe(true);
    const total = s.reduce((sum, [lon1, lat1, lon2, lat2]) => sum + arcDeg(lon1, lat1, lon2, lat2), 0);
    expect(total).toBeCloseTo(arcDeg(170, 50, -170, 50), 2);
    // the first and last points are the nodes themselves
    expect([s[0][0], s[0][1]]).toEqual([170, 50]);
    expect([s.at(-1)![2], s.at(-1)![3]]).toEqual([-170, 50]);
  });

  it("short edges are one segment; several edges index their node sets", () => {
    const a = { lat: [0, 10], lon: [0, 20] };
    const b = { lat: [1, -1], lon: [1, 21] };
    const s = pieces(greatCircleSegments(a, b, [0, 1], [0, 1]));
    expect(s[0]).toEqual([0, 0, 1, 1, 0]);
    expect(s).toHaveLength(1 + Math.ceil(arcDeg(20, 10, 21, -1) / 2));
    expect([s[1][0], s[1][1]]).toEqual([20, 10]);
    expect([s.at(-1)![2], s.at(-1)![3]]).toEqual([21, -1]);
  });

  it("segments join into paths, broken at the antimeridian", () => {
    const seg = greatCircleSegments({ lat: [50, 0], lon: [170, 0] }, { lat: [50, 60], lon: [-170, 0] }, [0, 1], [0, 1]);
    const p = segmentsToPaths(seg);
    // edge 0: two paths (east of 180°, west of −180°); edge 1: one path along the meridian
    expect(p.length).toBe(3);
    const pts = (i: number) => {
      const end = i + 1 < p.length ? p.startIndices[i + 1] : p.positions.length / 3;
      return Array.from({ length: end - p.startIndices[i] }, (_, k) => [p.positions[3 * (p.startIndices[i] + k)], p.positions[3 * (p.startIndices[i] + k) + 1]]);
    };
    expect(pts(0)[0]).toEqual([170, 50]);
    expect(pts(0).at(-1)![0]).toBe(180);
    expect(pts(1)[0][0]).toBe(-180);
    expect(pts(1).at(-1)).toEqual([-170, 50]);
    expect(pts(2)).toHaveLength(31);
    expect(p.positions.length / 3).toBe(seg.length + 3);
  });
});
