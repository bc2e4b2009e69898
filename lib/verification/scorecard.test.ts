import { describe, expect, it } from "vitest";
import { colourBin, compareScore, relativeDifferencePercent, scoreDirection, type InitStats } from "@/lib/verification/scorecard";
import type { DeterministicStats } from "@/lib/verification/stats";

function det(mse: number, acc?: number): DeterministicStats {
  return {
    kind: "deterministic",
    count: 1,
    sumW: 1,
    sumWErr: 0,
    sumWAbsErr: Math.sqrt(mse),
    sumWSqErr: mse,
    // uncentred ACC = sumWFO / √(1·1)
    anomaly: acc === undefined ? undefined : { count: 1, sumW: 1, sumWF: 0, sumWO: 0, sumWFO: acc, sumWFF: 1, sumWOO: 1 },
  };
}
const day = (k: number) => new Date(Date.UTC(2020, 0, 1 + k)).toISOString();

describe("relative difference and colour bins (§8)", () => {
  it("errors: 100(x − x_ref)/x_ref", () => {
    expect(relativeDifferencePercent(90, 100, "lower")).toBeCloseTo(-10, 13);
  });
  it("ACC: 100(ACC − ACC_ref)/(1 − ACC_ref)", () => {
    expect(relativeDifferencePercent(0.9, 0.8, "higher")).toBeCloseTo(50, 12);
  });
  it("bias compares |x|; spread–skill compares |x − 1|", () => {
    expect(relativeDifferencePercent(-0.5, 1, "abs-lower")).toBeCloseTo(-50, 13);
    expect(relativeDifferencePercent(0.9, 0.8, "closer-to-one")).toBeCloseTo(-50, 12);
  });
  it("bins: grey below 1 %, then edges 1, 2, 5, 10, 20, 50 on both sides", () => {
    const cases: [number, number][] = [
      [0, 0], [0.99, 0], [-0.99, 0], [1, 1], [-1, -1], [1.99, 1], [2, 2], [4.9, 2], [5, 3],
      [9.99, 3], [10, 4], [19, 4], [20, 5], [49.9, 5], [50, 6], [400, 6], [-50, -6], [-12, -4],
    ];
    for (const [v, b] of cases) expect(colourBin(v)).toBe(b);
    expect(colourBin(NaN)).toBeNaN();
  });
  it("directions", () => {
    expect(scoreDirection("rmse")).toBe("lower");
    expect(scoreDirection("acc-wb2")).toBe("higher");
    expect(scoreDirection("crps-fair")).toBe("lower");
    expect(() => scoreDirection("spread")).toThrow();
  });
});

describe("compareScore", () => {
  // Experiment per-init RMSE 1, 3, 2, 5, 4, 6 below the reference's 10 (d = [−9, −7, −8, −5, −6, −4]).
  const expRmse = [1, 3, 2, 5, 4, 6];
  const exp: InitStats[] = expRmse.map((r, k) => ({ initTime: day(k), stats: det(r * r, 0.9) }));
  const ref: InitStats[] = expRmse.map((_, k) => ({ initTime: day(k), stats: det(100, 0.8) }));

  it("RMSE: lower is better, aggregates over common times, per-init RMSE differences", () => {
    const c = compareScore(exp, ref, "rmse", { inflation: "iid" });
    expect(c.initTimes).toHaveLength(6);
    expect(c.experiment).toBeCloseTo(Math.sqrt((1 + 9 + 4 + 25 + 16 + 36) / 6), 14);
    expect(c.reference).toBe(10);
    expect(c.test.mean).toBeCloseTo(3.5 - 10, 14);
    expect(c.test.variance).toBeCloseTo(3.5, 14);
    expect(c.verdict).toBe("better");
    expect(c.significanceLevel).toBe(0.997);
    expect(c.relativeDifferencePercent).toBeCloseTo(100 * (c.experiment / 10 - 1), 12);
    expect(c.colourBin).toBe(-6); // −61 %
  });

  it("reversed roles are worse", () => {
    const c = compareScore(ref, exp, "rmse", { inflation: "ar2" });
    expect(c.verdict).toBe("worse");
    expect(c.colourBin).toBe(6);
  });

  it("ACC: higher is better; colour orientation flips", () => {
    const c = compareScore(exp, ref, "acc-wb2");
    expect(c.experiment).toBeCloseTo(0.9, 15);
    expect(c.relativeDifferencePercent).toBeCloseTo(50, 12);
    expect(c.colourBin).toBe(-6); // better → blue
    expect(c.test.mean).toBeCloseTo(0.1, 15);
    expect(c.verdict).toBe("better");
  });

  it("uses only common init times, in chronological order", () => {
    const shuffled = [exp[3], exp[0], exp[5], exp[1], exp[4], exp[2]];
    const extra = [...ref.slice(1), { initTime: day(99), stats: det(1) }];
    const c = compareScore(shuffled, extra, "mse", { inflation: "ar1" });
    expect(c.initTimes).toEqual([1, 2, 3, 4, 5].map(day));
    // d = [9, 4, 25, 16, 36] − 100 in time order → r1 from that order
    const d = [9, 4, 25, 16, 36].map((x) => x - 100);
    const m = d.reduce((a, b) => a + b, 0) / 5;
    const s2 = d.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
    let l1 = 0;
    for (let t = 0; t < 4; t++) l1 += (d[t] - m) * (d[t + 1] - m);
    expect(c.test.r1).toBeCloseTo(l1 / 4 / s2, 14);
  });

  it("not significant when the differences straddle zero", () => {
    const a: InitStats[] = [1, 4, 2, 5].map((r, k) => ({ initTime: day(k), stats: det(r) }));
    const b: InitStats[] = [2, 3, 3, 4].map((r, k) => ({ initTime: day(k), stats: det(r) }));
    const c = compareScore(a, b, "mse", { inflation: "iid" });
    expect(c.test.mean).toBe(0);
    expect(c.verdict).toBe("neutral");
    expect(c.significanceLevel).toBeNull();
  });

  it("rejects duplicate or unparsable init times", () => {
    expect(() => compareScore([exp[0], exp[0]], ref, "rmse")).toThrow(/duplicate/);
    expect(() => compareScore([{ initTime: "x", stats: det(1) }], ref, "rmse")).toThrow(/bad init time/);
  });
});
