import { describe, expect, it } from "vitest";
import { draw32, fmix32, normalPair, streamKey } from "./rng";

describe("counter-based RNG", () => {
  it("is a pure function of (seed, stream, mode, counter)", () => {
    const k1 = streamKey(42, 1, 7);
    const k2 = streamKey(42, 1, 7);
    expect(k1).toEqual(k2);
    expect(streamKey(43, 1, 7)).not.toEqual(k1);
    expect(streamKey(42, 2, 7)).not.toEqual(k1);
    expect(streamKey(42, 1, 8)).not.toEqual(k1);
    // seeds above 2^32 use their high word
    expect(streamKey(2 ** 40 + 5, 0, 0)).not.toEqual(streamKey(5, 0, 0));
    expect(draw32(k1.a, k1.b, -12345, 0)).toBe(draw32(k1.a, k1.b, -12345, 0));
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).not.toBe(1);
  });

  it("gives standard normals without lag or cross correlation", () => {
    const n = 100_000;
    const ka = streamKey(1, 0, 3);
    const kb = streamKey(1, 0, 4);
    const p = new Float64Array(2);
    const q = new Float64Array(2);
    let s = 0;
    let s2 = 0;
    let s4 = 0;
    let lag = 0;
    let cross = 0;
    let pair = 0;
    let prev = 0;
    for (let c = -n / 2; c < n / 2; c++) {
      normalPair(ka.a, ka.b, c, p);
      normalPair(kb.a, kb.b, c, q);
      const x = p[0];
      s += x;
      s2 += x * x;
      s4 += x ** 4;
      lag += x * prev;
      prev = x;
      cross += x * q[0];
      pair += p[0] * p[1];
    }
    const tol = 4 / Math.sqrt(n);
    expect(Math.abs(s / n)).toBeLessThan(tol);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(3 * tol);
    expect(Math.abs(s4 / n - 3)).toBeLessThan(0.1);
    expect(Math.abs(lag / n)).toBeLessThan(tol);
    expect(Math.abs(cross / n)).toBeLessThan(tol);
    expect(Math.abs(pair / n)).toBeLessThan(tol);
  });
});
