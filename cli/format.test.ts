import { describe, expect, it } from "vitest";
import { columns, percent, stripAnsi } from "./format";

describe("columns", () => {
  it("aligns cells to the widest, ignoring colour codes", () => {
    const out = stripAnsi(columns(["A", "BB"], [["\u001b[32mxyz\u001b[39m", "1"], ["p", "22"]]));
    expect(out.split("\n")).toEqual(["A    BB", "xyz  1", "p    22"]);
  });
  it("formats progress as whole percent", () => {
    expect(percent(0.424)).toBe("42%");
    expect(percent(1)).toBe("100%");
  });
});
