import { describe, expect, it } from "vitest";
import { ensembleMean, ensembleSpread, formatLead, memberField, parseLeadHours, parseMemberSpec } from "./members";

describe("ensemble members", () => {
  const members = [Float32Array.of(1, 10, NaN), Float32Array.of(2, 10, 1), Float32Array.of(6, 10, 2)];
  it("mean and spread (divisor M − 1) by hand", () => {
    expect(Array.from(ensembleMean(3, (m) => members[m], 3))).toEqual([3, 10, NaN]);
    // point 0: mean 3, squares 4 + 1 + 9 = 14, /2 = 7
    const s = ensembleSpread(3, (m) => members[m], 3);
    expect(s[0]).toBeCloseTo(Math.sqrt(7), 6);
    expect(s[1]).toBe(0);
    expect(Number.isNaN(s[2])).toBe(true);
  });
  it("one member: spread 0 (NaN where the member is), mean is the member", () => {
    expect(Array.from(ensembleSpread(1, () => members[0], 3))).toEqual([0, 0, NaN]);
    expect(memberField("mean", 1, () => members[1], 3)).toBe(members[1]);
    expect(memberField(2, 3, (m) => members[m], 3)).toBe(members[2]);
  });
  it("parses members and lead times", () => {
    expect(parseMemberSpec("mean")).toBe("mean");
    expect(parseMemberSpec(" 3 ")).toBe(3);
    expect(parseMemberSpec("-1")).toBeNull();
    expect(parseMemberSpec("avg")).toBeNull();
    expect(parseLeadHours("24")).toBe(24);
    expect(parseLeadHours("36h")).toBe(36);
    expect(parseLeadHours("2d")).toBe(48);
    expect(parseLeadHours("1.5d")).toBeNull();
    expect(parseLeadHours("-6")).toBeNull();
    expect([6, 24, 54, 240].map(formatLead)).toEqual(["6 h", "1 d", "2 d 6 h", "10 d"]);
  });
});
