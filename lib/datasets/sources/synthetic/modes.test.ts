import { describe, expect, it } from "vitest";
import { BLOCK_HOURS, ModeProcess, ModeSet, type ModeSetParams } from "./modes";

const params: ModeSetParams = {
  degree: 8,
  seed: 5,
  stream: 0,
  zonalFlow: 12,
  lamb: 20,
  spectrum: (l) => l,
  dampingHours: (l) => 24 * Math.min(10, 40 / l),
};

describe("mode sets", () => {
  it("normalise the spectrum to unit point variance and use the Rossby–Haurwitz dispersion", () => {
    const set = new ModeSet(params);
    expect(set.count).toBe((8 * 11) / 2);
    let v = 0;
    for (let j = 0; j < set.count; j++) v += set.sigma[j] ** 2 * (set.m[j] === 0 ? 1 : 2);
    // Σ_l σ_l²(2l+1) = 1
    expect(v).toBeCloseTo(1, 12);
    const j = set.l.findIndex((l, i) => l === 5 && set.m[i] === 3);
    const expected = 3600 * ((3 * 12) / 6.371e6 - (2 * 7.292115e-5 * 3) / (30 + 20));
    expect(set.omega[j]).toBeCloseTo(expected, 15);
    expect(set.omega[set.l.findIndex((l, i) => l === 4 && set.m[i] === 0)]).toBe(0);
  });
});

describe("ModeProcess", () => {
  it("gives bit-identical states by random access and by sequential stepping", () => {
    const seq = new ModeProcess(new ModeSet(params));
    const k0 = 438_000 - 30; // crosses a block boundary
    const len = 2 * seq.set.count;
    const sequential: Float64Array[] = [];
    for (let k = k0; k < k0 + 300; k++) {
      const s = new Float64Array(len);
      seq.stateAt(k, s);
      sequential.push(s);
    }
    const ks = [k0 + 299, k0 + 3, k0 + 150, k0 + 29, k0 + 30, k0 + 31, k0];
    const rnd = new ModeProcess(new ModeSet(params));
    for (const k of ks) {
      const s = new Float64Array(len);
      rnd.stateAt(k, s);
      expect(Array.from(s)).toEqual(Array.from(sequential[k - k0]));
    }
    // negative hours (before 1970) work too
    const a = new Float64Array(len);
    const b = new Float64Array(len);
    rnd.stateAt(-1000, a);
    new ModeProcess(new ModeSet(params)).stateAt(-1000, b);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it("is continuous across checkpoints (the truncated memory is negligible)", () => {
    const proc = new ModeProcess(new ModeSet(params));
    const set = proc.set;
    const b = 1900;
    const before = new Float64Array(2 * set.count);
    const at = new Float64Array(2 * set.count);
    proc.stateAt(b * BLOCK_HOURS - 1, before);
    proc.stateAt(b * BLOCK_HOURS, at);
    // One more hour of the recursion from `before` (with the same noise) must land on the checkpoint.
    const p2 = new ModeProcess(set);
    const chk = p2.checkpoint(b);
    expect(Array.from(chk)).toEqual(Array.from(at));
    // The step from before to at is an ordinary one-hour transition: its size is O(noise).
    let maxJump = 0;
    for (let j = 0; j < set.count; j++) {
      const predicted = set.rotC[j] * before[2 * j] - set.rotS[j] * before[2 * j + 1];
      maxJump = Math.max(maxJump, Math.abs(at[2 * j] - predicted) / set.noise[j]);
    }
    expect(maxJump).toBeLessThan(6.7);
  });

  it("has the stationary variance and lag-τ covariance e^{−γτ}cos(ωτ) of the OU process", () => {
    const proc = new ModeProcess(new ModeSet(params));
    const set = proc.set;
    const j = set.l.findIndex((l, i) => l === 3 && set.m[i] === 2);
    const s = new Float64Array(2 * set.count);
    const lag = 24;
    const xs: number[] = [];
    const ys: number[] = [];
    for (let k = 0; k < 24 * 365 * 6; k += 6) {
      proc.stateAt(k, s);
      xs.push(s[2 * j]);
      ys.push(s[2 * j + 1]);
    }
    let v = 0;
    let c = 0;
    const step = lag / 6;
    for (let i = 0; i < xs.length; i++) v += (xs[i] ** 2 + ys[i] ** 2) / 2;
    for (let i = 0; i + step < xs.length; i++) c += (xs[i] * xs[i + step] + ys[i] * ys[i + step]) / 2;
    v /= xs.length;
    c /= xs.length - step;
    const sigma2 = set.sigma[j] ** 2;
    expect(v / sigma2).toBeGreaterThan(0.8);
    expect(v / sigma2).toBeLessThan(1.25);
    const expected = Math.exp(-set.gamma[j] * lag) * Math.cos(set.omega[j] * lag);
    expect(Math.abs(c / v - expected)).toBeLessThan(0.1);
  });
});
